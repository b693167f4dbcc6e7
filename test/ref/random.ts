/** Philox4x32-10 on the host with BigInt products: the reference for shaders/random.wgsl. */
const M0 = 0xd2511f53n;
const M1 = 0xcd9e8d57n;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

function mulhilo(m: bigint, x: number): [number, number] {
  const p = m * BigInt(x >>> 0);
  return [Number(p >> 32n), Number(p & 0xffffffffn)];
}

export function philox(counter: readonly number[], key: readonly number[]): number[] {
  let [c0, c1, c2, c3] = counter.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let r = 0; r < 10; r++) {
    const [hi0, lo0] = mulhilo(M0, c0);
    const [hi1, lo1] = mulhilo(M1, c2);
    [c0, c1, c2, c3] = [(hi1 ^ c1 ^ k0) >>> 0, lo1, (hi0 ^ c3 ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return [c0, c1, c2, c3];
}

/** The words random_bits writes for (seed, stream), n of them. */
export function philoxStream(seed: number, stream: number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  const key = [seed >>> 0, Math.floor(seed / 2 ** 32)];
  for (let b = 0; b * 4 < n; b++) {
    const w = philox([b, stream, 0, 0], key);
    for (let j = 0; j < 4 && b * 4 + j < n; j++) out[b * 4 + j] = w[j];
  }
  return out;
}
