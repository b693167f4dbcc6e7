/**
 * Plain-TypeScript twin of assembly/prng.ts: xoshiro128** seeded by SplitMix64 at
 * (stream << 32) | seed, written with BigInt for the 64-bit seeding and Math.imul for the rest.
 */
const MASK64 = (1n << 64n) - 1n;

function splitMix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  private s = new Uint32Array(4);

  /** A generator with a given raw state (for the published xoshiro128** test vector). */
  static fromState(state: readonly number[]): Rng {
    const rng = new Rng(0, 0);
    rng.s.set(state);
    return rng;
  }

  constructor(seed: number, stream: number) {
    const [m1, a] = splitMix64((BigInt(stream >>> 0) << 32n) | BigInt(seed >>> 0));
    const [, b] = splitMix64(m1);
    this.s[0] = Number(a & 0xffffffffn);
    this.s[1] = Number(a >> 32n);
    this.s[2] = Number(b & 0xffffffffn);
    this.s[3] = Number(b >> 32n);
  }

  /** The next 32-bit output as an unsigned number. */
  next(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A double in [0, 1): next() · 2^−32. */
  uniform(): number {
    return this.next() / 4294967296;
  }

  /** An integer in [0, n) by rejection of next() < 2^32 mod n. */
  below(n: number): number {
    const threshold = 4294967296 % n;
    for (;;) {
      const r = this.next();
      if (r >= threshold) return r % n;
    }
  }
}

/** The first `n` outputs for (seed, stream), as assembly/prng.ts prngWords gives them. */
export function prngWordsRef(seed: number, stream: number, n: number): Uint32Array {
  const rng = new Rng(seed, stream);
  return Uint32Array.from({ length: n }, () => rng.next());
}
