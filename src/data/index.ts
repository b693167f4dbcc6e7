/** CPU-side hyperspectral data handling (AssemblyScript/WebAssembly where it pays). */
export { bandMoments, type BandMoments } from './moments.ts';
