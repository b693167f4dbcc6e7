// The seeded generator behind patch masking and augmentation, identical in wasm and in its
// TypeScript twin (test/ref/prng.ts), so a seed gives the same masks and views everywhere.
//
// Algorithm: xoshiro128** 1.1 (Blackman & Vigna, "Scrambled linear pseudorandom number
// generators", 2021): 128-bit state, period 2^128 − 1, 32-bit outputs, only 32-bit integer
// operations, so JavaScript reproduces it exactly with Math.imul.
// Seeding: SplitMix64 (Steele, Lea & Flood 2014, as Vigna recommends for xoshiro) started at the
// 64-bit word (stream << 32) | seed; its first two outputs, low word first, fill s0..s3. Each
// (seed, stream) pair therefore owns an independent-looking sequence: the callers give every
// sample its own stream (its patch index), so a sample's draws do not depend on the batch.
// SplitMix64 is a bijection of its counter, so two consecutive outputs are never both zero and
// the xoshiro state is never all zero.
// Derived draws (the same formulas in the twin):
//   uniform()  = next() · 2^−32, a double in [0, 1) with 32 random bits;
//   below(n)   = rejection sampling of next() mod n, rejecting next() < 2^32 mod n (no bias);
// State lives in globals: one generator at a time, which is all the exported loops need.

let s0: u32 = 0;
let s1: u32 = 0;
let s2: u32 = 0;
let s3: u32 = 0;
let mix: u64 = 0;

@inline function splitMix64(): u64 {
  mix += 0x9e3779b97f4a7c15;
  let z = mix;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

/** Starts the generator for (seed, stream). */
export function rngSeed(seed: u32, stream: u32): void {
  mix = (<u64>stream << 32) | <u64>seed;
  const a = splitMix64();
  const b = splitMix64();
  s0 = <u32>a;
  s1 = <u32>(a >> 32);
  s2 = <u32>b;
  s3 = <u32>(b >> 32);
}

/** The next 32-bit output (xoshiro128**). */
@inline export function rngNext(): u32 {
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  return result;
}

/** A double in [0, 1) with 32 random bits. */
@inline export function rngUniform(): f64 {
  return <f64>rngNext() * 2.3283064365386963e-10; // 2^-32
}

/** An integer in [0, n), n ≥ 1, without modulo bias. */
export function rngBelow(n: u32): u32 {
  const threshold: u32 = (<u32>0 - n) % n; // 2^32 mod n
  while (true) {
    const r = rngNext();
    if (r >= threshold) return r % n;
  }
  return 0;
}

/** `n` raw outputs for (seed, stream): lets the tests compare the generator with its twin. */
export function prngWords(seed: u32, stream: u32, n: i32): Uint32Array {
  if (n < 0) throw new Error('prngWords: n: expected a count ≥ 0, got ' + n.toString());
  rngSeed(seed, stream);
  const out = new Uint32Array(n);
  const p = out.dataStart;
  for (let i = 0; i < n; i++) store<u32>(p + (<usize>i << 2), rngNext());
  return out;
}
