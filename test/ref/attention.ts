/**
 * Float64 references for multi-head self-attention and timm's pre-norm transformer block: plain
 * loops over the definitions in timm 1.0.8 (vision_transformer.Attention, Block, layers.Mlp),
 * independent of the engine's matmul, softmax and layer-norm kernels. Parameters come as a
 * record keyed by timm's state_dict names ('qkv.weight', 'norm1.bias', …), row-major.
 */
import { layerNormRef } from './norm.ts';
import { erf } from './unary.ts';

export type ParamsRef = Record<string, ArrayLike<number>>;

/** The entries of `p` under `prefix.`, with the prefix removed. */
export function under(p: ParamsRef, prefix: string): ParamsRef {
  const out: ParamsRef = {};
  for (const [k, v] of Object.entries(p)) if (k.startsWith(`${prefix}.`)) out[k.slice(prefix.length + 1)] = v;
  return out;
}

/** y [rows, out] = x [rows, in] · wᵀ (w [out, in]) + b. */
export function linearRef(x: ArrayLike<number>, rows: number, inF: number, outF: number, w: ArrayLike<number>, b?: ArrayLike<number>): Float64Array {
  const y = new Float64Array(rows * outF);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outF; o++) {
      let s = b ? b[o] : 0;
      for (let i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
      y[r * outF + o] = s;
    }
  }
  return y;
}

/** Softmax of each row of n scores in place, shifted by the row maximum. */
function softmaxRows(s: Float64Array, n: number): void {
  for (let r = 0; r < s.length / n; r++) {
    let m = -Infinity;
    for (let j = 0; j < n; j++) m = Math.max(m, s[r * n + j]);
    let z = 0;
    for (let j = 0; j < n; j++) z += (s[r * n + j] = Math.exp(s[r * n + j] - m));
    for (let j = 0; j < n; j++) s[r * n + j] /= z;
  }
}

/** Head `h` of q, k or v (slot 0, 1, 2) of token-major qkv [B·N, 3, H, hd], as [N, hd] for batch `bi`. */
function headOf(qkv: Float64Array, bi: number, n: number, heads: number, hd: number, slot: number, h: number): Float64Array {
  const out = new Float64Array(n * hd);
  for (let t = 0; t < n; t++) {
    for (let d = 0; d < hd; d++) out[t * hd + d] = qkv[(((bi * n + t) * 3 + slot) * heads + h) * hd + d];
  }
  return out;
}

/** Attention x [B, N, C] → [B, N, C]; qk-norm when p has 'q_norm.weight'. */
export function attentionRef(x: ArrayLike<number>, b: number, n: number, c: number, heads: number, p: ParamsRef, eps = 1e-5): Float64Array {
  const hd = c / heads;
  const qkv = linearRef(x, b * n, c, 3 * c, p['qkv.weight'], p['qkv.bias']);
  const merged = new Float64Array(b * n * c);
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < heads; h++) {
      let q = headOf(qkv, bi, n, heads, hd, 0, h);
      let k = headOf(qkv, bi, n, heads, hd, 1, h);
      const v = headOf(qkv, bi, n, heads, hd, 2, h);
      if (p['q_norm.weight']) {
        q = layerNormRef(q, n, hd, p['q_norm.weight'], p['q_norm.bias'] ?? null, eps);
        k = layerNormRef(k, n, hd, p['k_norm.weight'], p['k_norm.bias'] ?? null, eps);
      }
      const s = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += q[i * hd + d] * k[j * hd + d];
          s[i * n + j] = dot / Math.sqrt(hd);
        }
      }
      softmaxRows(s, n);
      for (let i = 0; i < n; i++) {
        for (let d = 0; d < hd; d++) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += s[i * n + j] * v[j * hd + d];
          merged[(bi * n + i) * c + h * hd + d] = acc;
        }
      }
    }
  }
  return linearRef(merged, b * n, c, c, p['proj.weight'], p['proj.bias']);
}

/** timm's Mlp over rows of c values: fc2(GELU(fc1(x))) → `out` values, exact-erf GELU. */
export function mlpRef(x: ArrayLike<number>, rows: number, c: number, hidden: number, p: ParamsRef, out = c): Float64Array {
  const h = linearRef(x, rows, c, hidden, p['fc1.weight'], p['fc1.bias']);
  for (let i = 0; i < h.length; i++) h[i] = 0.5 * h[i] * (1 + erf(h[i] / Math.SQRT2));
  return linearRef(h, rows, hidden, out, p['fc2.weight'], p['fc2.bias']);
}

/** timm's Block: x + attn(norm1(x)), then + mlp(norm2(·)); hidden width from fc1's weight. */
export function blockRef(x: ArrayLike<number>, b: number, n: number, c: number, heads: number, p: ParamsRef, eps = 1e-5): Float64Array {
  const rows = b * n;
  const a = attentionRef(layerNormRef(x, rows, c, p['norm1.weight'], p['norm1.bias'], eps), b, n, c, heads, under(p, 'attn'), eps);
  const h = Float64Array.from(x, (v, i) => v + a[i]);
  const hidden = p['mlp.fc1.weight'].length / c;
  const m = mlpRef(layerNormRef(h, rows, c, p['norm2.weight'], p['norm2.bias'], eps), rows, c, hidden, under(p, 'mlp'));
  return h.map((v, i) => v + m[i]);
}
