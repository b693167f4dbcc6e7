/**
 * The AssemblyScript module (assembly/ → build/hsi.wasm), embedded in the bundle and
 * instantiated once. Only src/data/ imports it. A trap leaves an instance in an unknown
 * state, so the failing instance is dropped and the next call starts a fresh one.
 */
import { instantiate } from '../../build/hsi.js';
import { HsiError } from '../errors.ts';
import bytes from '../../build/hsi.wasm';

type Exports = Awaited<ReturnType<typeof instantiate>>;
let instance: Promise<Exports> | null = null;

/** Calls `fn` with the module's exports; rethrows its errors after discarding the instance. */
export async function withWasm<T>(fn: (wasm: Exports) => T): Promise<T> {
  instance ??= WebAssembly.compile(bytes as BufferSource).then((m) => instantiate(m, { env: {} }));
  const wasm = await instance;
  try {
    return fn(wasm);
  } catch (e) {
    instance = null;
    // AssemblyScript appends `in assembly/…:line:col`; keep the message, drop the wasm path. The
    // module's aborts read `fn: what: expected …, got …`, so they become typed errors of `fn`.
    const message = String((e as Error).message).replace(/ in assembly\/\S+$/, '');
    const m = /^(\w+): ([\s\S]+)$/.exec(message);
    throw m ? new HsiError(m[1], m[2]) : new HsiError('wasm', message);
  }
}
