/**
 * Cross-environment parity: Node records kernel outputs, the browser run receives them
 * and asserts bitwise equality. The harness entries install the channel.
 */
export interface ParityChannel {
  env: 'node' | 'browser';
  record(name: string, data: Float32Array): void;
  /** Node's bytes for `name` (browser only; undefined in Node). */
  expected(name: string): number[] | undefined;
}

export function parity(): ParityChannel {
  const channel = (globalThis as unknown as { __hsiParity?: ParityChannel }).__hsiParity;
  if (!channel) throw new Error('parity: channel: expected the test harness to install it, got none (run through scripts/test.mjs)');
  return channel;
}

/** Float32 values as their uint32 bit patterns (exact, JSON-safe). */
export function bits(data: Float32Array): number[] {
  return Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
}
