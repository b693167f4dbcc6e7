// CPU preprocessing compiled to WebAssembly. Only src/data/ loads this module; each export
// has a plain-TypeScript twin in test/ref/ that serves as its test reference.
export { bandMoments } from './moments';
