/**
 * The one place the DEBUG level is read (docs/engine.md#debugging): DEBUG=1 prints timings, 2 also WGSL
 * sources as they compile, 3 also adapter details. Node reads the environment variable,
 * a page sets `globalThis.DEBUG` before creating the engine.
 */
import { platform } from '#platform';

function readLevel(): number {
  const raw = platform.env('DEBUG');
  const n = raw === undefined ? 0 : Number.parseInt(raw, 10);
  // DEBUG is also the `debug` package's namespace list (e.g. DEBUG=*): only numbers count here.
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** DEBUG level, fixed at start-up. */
export const debugLevel = readLevel();

/** Prints `hsi: …` when DEBUG is at least `level`. */
export function debugLog(level: number, message: () => string): void {
  if (debugLevel >= level) console.error(`hsi: ${message()}`);
}
