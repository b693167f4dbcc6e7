// esbuild embeds every shaders/*.wgsl file as a string (loader "text"), so the
// Node and browser bundles run byte-identical WGSL.
declare module '*.wgsl' {
  const source: string;
  export default source;
}

/** Package version, injected by esbuild from package.json. */
declare const __HSI_VERSION__: string;

// esbuild embeds the AssemblyScript module's bytes (loader "binary"): no fetch, no file path.
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
