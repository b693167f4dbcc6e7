// Mutation check: does the suite bite? Applies small deliberate errors, one at a time, to every
// kernel family in shaders/ and every model, runs that family's tests in Node, and reports each
// mutation no test caught. Run by hand, not in CI (it is slow: one test run per mutation).
//   node scripts/mutate.mjs [family…]   only these families (e.g. softmax pool rx)
//   --list                              print the mutations and check they apply; run nothing
//   --timeout S                         seconds per test run (default 900; a hang counts as caught)
//   --out FILE                          also write the report as Markdown
// The mutations are applied to a scratch copy of the working tree (tracked and untracked files,
// node_modules linked, ../shared linked beside it), never to this checkout, so other test runs on
// this machine never see a mutated file; the copy is restored after every mutation and removed at
// the end, on Ctrl-C and on any error.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// [family, file, find (exactly once in the file), replace, what it breaks, test filters]
const M = [];
const add = (family, file, tests, list) => {
  for (const [find, replace, what] of list) M.push({ family, file, find, replace, what, tests });
};

add('unary', 'shaders/unary.wgsl', ['ops/unary'], [
  ['case OP_LEAKYRELU: { return select(params.alpha * v, v, v > 0.0); }', 'case OP_LEAKYRELU: { return select(params.alpha * v, params.alpha * v, v > 0.0); }', 'leakyRelu forward: positive branch scaled by alpha'],
  ['case OP_ABS: { return sign(v); }', 'case OP_ABS: { return 1.0; }', 'abs backward: sign dropped'],
  ['case OP_SQRT: { return 0.5 * inverseSqrt(v); }', 'case OP_SQRT: { return 0.505 * inverseSqrt(v); }', 'sqrt backward scaled by 1.01'],
  ['case OP_TANH: { let t = tanh_stable(v); return 1.0 - t * t; }', 'case OP_TANH: { let t = tanh_stable(v); return 1.0 + t * t; }', 'tanh backward: sign of t² swapped'],
]);
add('binary', 'shaders/binary.wgsl', ['ops/binary'], [
  ['case OP_DIV: { return select(-x / (y * y), 1.0 / y, wa); }', 'case OP_DIV: { return select(x / (y * y), 1.0 / y, wa); }', 'div backward wrt b: sign swapped'],
  ['case OP_SUB: { return x - y; }', 'case OP_SUB: { return x - 1.01 * y; }', 'sub forward: 1 % scale on b'],
  ['    o += coord * vec3u(params.sa[k / 4u][k % 4u], params.sb[k / 4u][k % 4u], params.sc[k / 4u][k % 4u]);', '    o += coord * vec3u(params.sb[k / 4u][k % 4u], params.sa[k / 4u][k % 4u], params.sc[k / 4u][k % 4u]);', 'broadcast strides of a and b swapped'],
  ['case OP_GE: { return select(0.0, 1.0, x >= y); }', 'case OP_GE: { return select(0.0, 1.0, x > y); }', 'ge: equality dropped'],
]);
add('softmax', 'shaders/softmax.wgsl', ['ops/softmax'], [
  ['      y[p] = safe_exp(x[p] - t.x) * inv;', '      y[p] = safe_exp(x[p] - t.x) * inv * 1.006;', 'softmax normaliser off by 0.6 %'],
  ['  for (var k0 = BLOCK; k0 < params.n; k0 += BLOCK) {\n    t = merge_stats(t, block_stats(base, k0, min(params.n, k0 + BLOCK)));', '  for (var k0 = BLOCK; k0 + BLOCK < params.n; k0 += BLOCK) {\n    t = merge_stats(t, block_stats(base, k0, min(params.n, k0 + BLOCK)));', 'last block of a long row dropped from the statistics'],
  ['      if (LOG == 1u) { b += dy[p]; } else { b += dy[p] * ys[p]; }', '      if (LOG == 1u) { b += dy[p]; } else { b += dy[p]; }', 'softmax backward: Σ dy·y becomes Σ dy'],
]);
add('fill', 'shaders/fill.wgsl', ['ops/fill', 'nn/init'], [
  ['    if (i >= params.n) { return; }\n    out[i] = params.bits;', '    if (i + 1u >= params.n) { return; }\n    out[i] = params.bits;', 'fill: last element left unwritten'],
  ['      out[i] = bitcast<u32>(params.start_f + f32(i) * params.step_f);', '      out[i] = bitcast<u32>(params.start_f + f32(i + 1u) * params.step_f);', 'arange (float) off by one step'],
  ['      out[i] = bitcast<u32>(params.start_i + i32(i) * params.step_i);', '      out[i] = bitcast<u32>(params.start_i + i32(i) * params.step_i + select(0, 1, i == 300000u));', 'arange (int): one element wrong far into a long range'],
]);
add('reduce', 'shaders/reduce.wgsl', ['ops/reduce'], [
  ['    out[id] = fold_slice(s) * params.scale;', '    out[id] = fold_slice(s) * params.scale * 1.00001;', 'sum/mean scaled by 1 + 1e-5'],
  ['  for (; k < s.stop; k++) {\n    a4.x = fold(a4, vec4f(x[p])).x;', '  for (; k + 1u < s.stop; k++) {\n    a4.x = fold(a4, vec4f(x[p])).x;', 'tail loop drops the last element of a slice'],
  ['  var acc = 1.0;', '  var acc = 1.001;', 'logsumexp: the running maximum\'s own term counted 1.001 times'],
  ['  let stop = min(params.r, start + params.chunk);', '  let stop = min(params.r - 1u, start + params.chunk);', 'wide reduction drops the last reduced row'],
]);
add('loss', 'shaders/loss.wgsl', ['ops/loss'], [
  ['  loss[id] = (1.0 - eps) * nll + eps * uniform_nll;', '  loss[id] = (1.0 - eps) * nll + eps * 0.99 * uniform_nll;', 'cross-entropy label smoothing term scaled by 0.99'],
  ['  let ok = t != params.ignore_index && t >= 0 && u32(t) < params.n;', '  let ok = t >= 0 && u32(t) < params.n;', 'ignore_index ignored'],
  ['    sx += v - x0;', '    sx += v - x0 + 1e-3;', 'sum of logits for smoothing biased'],
]);
add('gather', 'shaders/gather.wgsl', ['ops/gather'], [
  ['    out[i] = select(0u, x[o + select(0u, u32(t), ok) * gparams.axis_stride], ok);', '    out[i] = select(0u, x[o + select(0u, u32(t) + 1u, ok) * gparams.axis_stride], ok);', 'gather: index off by one'],
  ['    let ok = t >= 0 && u32(t) < sparams.size;', '    let ok = t >= 0 && u32(t) <= sparams.size;', 'indexSelect: out-of-range index t = size accepted'],
  ['      inside = inside && c < at(cparams.lim, k);', '      inside = inside && c <= at(cparams.lim, k);', 'scatterAdd: index tensor extent off by one'],
]);
add('shape', 'shaders/shape.wgsl', ['ops/shape'], [
  ['    out[i] = x[u32(o)];', '    out[i] = x[u32(o) + select(0u, 1u, i == params.n - 1u)];', 'strided copy: last element read from its neighbour'],
  ['    out[u32(o)] = x[i];', '    out[u32(o)] = x[i] * select(1.0, 0.0, i == 0u);', 'place (slice backward, concat): first element dropped'],
  ['  let ncol = (cols + T - 1u) / T;', '  let ncol = cols / T;', 'transpose: partial column tile dropped'],
]);
add('pool', 'shaders/pool.wgsl', ['ops/pool'], [
  ['  if (ADAPTIVE == 0u && params.include_pad == 1u) { return f32(wy.z * wx.z); }', '  if (ADAPTIVE == 0u && params.include_pad == 1u) { return f32(wy.z * wx.z + 1); }', 'avgPool divisor (countIncludePad) off by one'],
  ['      if (argmax_in[row + ox] == p) { s += dy[row + ox]; }', '      if (argmax_in[row + ox] == p) { s = dy[row + ox]; }', 'maxPool backward: overlapping windows overwrite instead of summing'],
  ['    let b = i32(((o + 1u) * n + on - 1u) / on);', '    let b = i32(((o + 1u) * n) / on);', 'adaptiveAvgPool window end floors instead of ceils'],
  ['      if (v > best || at == 0xffffffffu) {', '      if (v >= best || at == 0xffffffffu) {', 'maxPool: last maximum instead of the first (ties)'],
]);
add('norm', 'shaders/norm.wgsl', ['ops/norm', 'nn/norm'], [
  ['    for (var p = 1u; p < params.parts; p++) { t = merge(t, part_in[c * params.parts + p]); }', '    for (var p = 1u; p + 1u < params.parts; p++) { t = merge(t, part_in[c * params.parts + p]); }', 'batch norm: last chunk dropped from the statistics'],
  ['  for (var p = 0u; p < params.parts; p++) { t += part_in[c * params.parts + p]; }', '  for (var p = 0u; p + 1u < params.parts; p++) { t += part_in[c * params.parts + p]; }', 'batch norm backward: last chunk dropped from Σdy, Σdy·x̂'],
  ['    for (var r = r0; r < min(params.n, r0 + BLOCK); r++) {', '    for (var r = r0; r < min(params.n, r0 + BLOCK - 1u); r++) {', 'layer norm dweight/dbias: last row of each 256-row block dropped'],
]);
add('optim', 'shaders/optim.wgsl', ['nn/optim'], [
  ['  let vn = adam.beta2 * v0 + adam.one_minus_beta2 * dv * dv;', '  let vn = adam.beta2 * v0 + adam.one_minus_beta2 * dv * abs(dv) * 1.01;', 'Adam second moment scaled by 1.01'],
  ['    let step = select(b, d + sgd.momentum * b, sgd.nesterov != 0u);', '    let step = select(b, d + sgd.momentum * d, sgd.nesterov != 0u);', 'Nesterov step uses d instead of the buffer'],
  ['    p[i] = ftz(pv - sgd.lr * (g[i] + sgd.weight_decay * pv), MIN_NORMAL);', '    p[i] = ftz(pv - sgd.lr * (g[i] - sgd.weight_decay * pv), MIN_NORMAL);', 'plain SGD weight decay sign swapped'],
  ['  let denom = sqrt(vv) / adam.bc2_sqrt + adam.eps;', '  let denom = sqrt(vv) / adam.bc2_sqrt + 10.0 * adam.eps;', 'Adam eps ×10'],
]);
add('random', 'shaders/random.wgsl', ['ops/random'], [
  ['    k += vec2u(0x9E3779B9u, 0xBB67AE85u);', '    k += vec2u(0x9E3779B9u, 0xBB67AE86u);', 'Philox key schedule constant off by one'],
  ['  for (var r = 0u; r < 10u; r++) {', '  for (var r = 0u; r < 9u; r++) {', 'Philox: 9 rounds instead of 10'],
  ['    if (b * 4u + j < params.n) { out[b * 4u + j] = params.a + (params.b - params.a) * to_unit(w[j]); }', '    if (b * 4u + j < params.n) { out[b * 4u + j] = params.a + (params.b - params.a) * to_unit(w[(j + 1u) % 4u]); }', 'uniform: words of a block rotated'],
]);
add('segment', 'shaders/segment.wgsl', ['ops/segment'], [
  ['    let greater = a.x > b.x || (a.x == b.x && a.y > b.y);', '    let greater = a.x > b.x;', 'segment sort: ties inside a segment left unordered'],
  ['    if (sorted[mid].x < t) { lo = mid + 1u; } else { hi = mid; }', '    if (sorted[mid].x <= t) { lo = mid + 1u; } else { hi = mid; }', 'segment offsets: upper instead of lower bound'],
  ['  let lo = max(m - i32(oparams.n), -3);', '  let lo = max(m - i32(oparams.n), -2);', 'OBPM: difference window start off by one'],
]);
add('superpixel', 'shaders/superpixel.wgsl', ['ops/superpixel'], [
  ['  let scale = select(1.0, 1.0 / f32(max(hi - lo, 1u)), mean);', '  let scale = select(1.0, 1.0 / f32(max(hi - lo + 1u, 1u)), mean);', 'superpixel pool: mean divides by count + 1'],
  ['      let s = select(0u, u32(l), ok);', '      let s = select(0u, min(u32(l) + 1u, params.segments - 1u), ok);', 'superpixel unpool: label off by one'],
  ['  let hi = offsets[s + 1u];', '  let hi = offsets[s + 1u] - select(0u, 1u, offsets[s + 1u] > offsets[s]);', 'superpixel pool: last pixel of each segment dropped'],
]);
add('selfcheck', 'shaders/selfcheck.wgsl', ['gpu/parity', 'gpu/kernel', 'gpu/pool'], [
  ['  y[r] = sum + params.bias;', '  y[r] = sum - params.bias;', 'self-check bias sign swapped'],
  ['  for (var k = 0u; k < params.cols; k++) {', '  for (var k = 1u; k < params.cols; k++) {', 'self-check row dot skips column 0'],
  ['  y[i] = y[i] + acc.alpha * x[i];', '  y[i] = y[i] + acc.alpha * x[i] * 1.01;', 'axpy scaled by 1.01'],
]);
add('adaconv', 'shaders/adaconv.wgsl', ['ops/adaconv', 'nn/adaconv'], [
  ['        for (var c = 0u; c < cn; c++) { acc[c] += g[o + c]; }', '        for (var c = 0u; c < cn; c++) { acc[c] = g[o + c]; }', 'adaConv dx: taps reading one pixel overwrite instead of summing'],
  ['      let after = v > prev_v || (v == prev_v && i32(j) > prev_j);', '      let after = v > prev_v;', 'adaSelect: equal guide values collapse (ties dropped)'],
  ['    cols[(c * kk + r) * hw + p] = select(0.0, x[c * hw + src], ok);', '    cols[(c * kk + r) * hw + p] = select(0.0, x[c * hw + src], ok && r != 0u);', 'adaConv forward: first selected neighbour dropped'],
]);
add('contrastive', 'shaders/contrastive.wgsl', ['ops/contrastive'], [
  ['  loss[a] = l - sp;', '  loss[a] = l - 0.99 * sp;', 'NT-Xent positive term scaled by 0.99'],
  ['  let r = 1.0 / max(norm, params.eps);', '  let r = 1.0 / max(norm * 1.001, params.eps);', 'row normalisation off by 0.1 %'],
  ['    let v = g * iv.x * (acc[i][k % 4u] - z[i][k % 4u] * proj);', '    let v = g * iv.x * (acc[i][k % 4u] + z[i][k % 4u] * proj);', 'NT-Xent backward: projection term sign swapped'],
]);
add('matmul', 'shaders/matmul.wgsl', ['ops/matmul'], [
  ['  let i = select(rr * params.lda + kk, kk * params.lda + rr, params.trans_a != 0u);', '  let i = select(rr * params.lda + kk, rr * params.lda + kk, params.trans_a != 0u);', 'transposeA ignored'],
  ['    tiled_update(&acc, 4u, a_block(tile.oa, tile.row0 + 4u, k), b0, b1);', '    tiled_update(&acc, 4u, a_block(tile.oa, tile.row0 + 3u, k), b0, b1);', 'tiled kernel: second row block off by one row'],
  ['    oa += coord * params.sa[i / 4u][i % 4u];', '    oa += coord * params.sb[i / 4u][i % 4u];', 'batch broadcast: A takes B\'s batch strides'],
]);
// The 64-column tiles (the `bn` half) are tuner choices, never defaults: ops/tune checks every choice.
add('regtile', 'shaders/regtile.wgsl', ['ops/matmul', 'ops/conv2d_direct', 'ops/tune'], [
  ['  (*acc)[2u * i + 2u] += bm * a1;', '  (*acc)[2u * i + 2u] += bm * a2;', 'register tile: row 1 accumulates row 2\'s product'],
  ['    (*acc)[2u * i + 7u] += bn * a3;', '    (*acc)[2u * i + 7u] += bn * a3 * 1.01;', 'register tile: one accumulator of the second column half scaled by 1.01'],
  ['  (*acc)[2u * i] += bm * a0;', '  (*acc)[2u * i] -= bm * a0;', 'register tile: first accumulator sign swapped'],
]);
add('conv2d', 'shaders/conv2d.wgsl', ['ops/conv2d.test', 'nn/conv'], [
  ['      acc += dcol[(row0 + tap) * pcount + u32(oh) * params.wo + u32(ow)] * mask[tap];', '      acc += dcol[(row0 + tap) * pcount + u32(oh) * params.wo + u32(ow)];', 'fold (dInput, unfold path): tap mask ignored'],
  ['  let iw = i32((p % params.wo) * params.sw + kx * params.dw) - i32(params.pw);', '  let iw = i32((p % params.wo) * params.sw + kx) - i32(params.pw);', 'unfold: column dilation ignored'],
  ['  let c = (ng % params.g) * params.cg + k / taps;', '  let c = k / taps;', 'unfold: groups read group 0\'s channels'],
]);
add('conv2d_direct', 'shaders/conv2d_direct.wgsl', ['ops/conv2d_direct', 'ops/conv2d.test'], [
  ['  let st = select(i / (oq * params.cp), taps - 1u - i / (oq * params.cp), params.flip != 0u);', '  let st = i / (oq * params.cp);', 'dInput weight packing: taps not flipped'],
  ['        if (co < params.cout) { out[o + co * pixels] = acc[2u * i + h][j] + select(0.0, bias[co], params.has_bias != 0u); }', '        if (co < params.cout) { out[o + co * pixels] = acc[2u * i + h][j] + select(0.0, bias[co], params.has_bias == 0u); }', 'fused bias applied when absent, dropped when present'],
  ['        if (co < params.cout) { out[(co * params.cin + ci) * params.kh * params.kw + tap] = g * acc[2u * i + h][j]; }', '        if (co < params.cout) { out[(co * params.cin + ci) * params.kh * params.kw + tap] = g * acc[2u * i + h][j] * 1.01; }', 'dWeight scaled by 1.01'],
]);
add('tape', 'shaders/tape.wgsl', ['autograd/tape', 'ops/binary'], [
  ['    out[i] = a[i] + b[i];', '    out[i] = a[i];', 'fan-out: the second gradient is dropped'],
  ['    out[i] = 1.0;', '    out[i] = 1.01;', 'backward seed dL/dL = 1.01'],
  ['    if (i >= params.n) { return; }\n    out[i] = a[i] + b[i];', '    if (i + 1u >= params.n) { return; }\n    out[i] = a[i] + b[i];', 'fan-out: the last element is not accumulated'],
]);

// Models: each a paper's method; their tests run the whole detector.
add('rx', 'src/models/rx.ts', ['models/rx.test'], [
  ['    cov[i * nb + i] /= p - 1;', '    cov[i * nb + i] /= p;', 'covariance diagonal biased (÷p)'],
  ['    const s = 1 / Math.sqrt(values[i] + ridge);', '    const s = 1 / Math.sqrt(values[i] + 2 * ridge);', 'ridge doubled in the whitening'],
  ['    for (let b = 0; b < nb; b++) out[base + b * ch] = cube.data[b * p + q] - mean[b];', '    for (let b = 0; b < nb; b++) out[base + b * ch] = cube.data[b * p + q] - mean[b] * (b === 0 ? 1.01 : 1);', 'band 0 centred with a mean 1 % off'],
]);
add('lrx', 'src/models/lrx.ts', ['models/rx.test'], [
  ['  const vt = Float32Array.from(vectors.subarray(0, d * nb));', '  const vt = Float32Array.from(vectors.subarray(nb, (d + 1) * nb));', 'projects on eigenvectors 2…d+1 instead of the top d'],
  ['      cov[i * d + j] = cov[j * d + i] = (sxy - n * mu[i] * mu[j]) / (n - 1);', '      cov[i * d + j] = cov[j * d + i] = (sxy - n * mu[i] * mu[j]) / n;', 'local covariance biased (÷n)'],
  ['  const ib = box(o.inner >> 1);', '  const ib = box(Math.max(0, (o.inner >> 1) - 1));', 'guard window one pixel smaller'],
]);
add('bs3lnet', 'src/models/bs3lnet.ts', ['models/bs3lnet.test', 'models/bs3lnet.golden'], [
  ["    const d = blindspot === 'conv' ? 2 : 1;", "    const d = blindspot === 'conv' ? 1 : 1;", 'blind-spot network without dilation (output sees its own pixel)'],
  ["  return norm ? sum(norm === 'l1' ? abs(d) : square(d), [0, 1]) : d;", "  return norm ? sum(norm === 'l1' ? square(d) : abs(d), [0, 1]) : d;", 'score norms l1 and l2 swapped'],
  ['  for (let i = 0; i < s.length; i++) s[i] /= cube.bands;', '  for (let i = 0; i < s.length; i++) s[i] /= cube.bands + 1;', 'score divided by B + 1'],
]);
add('pd', 'src/models/pd.ts', ['models/pd', 'models/bs3mine'], [
  ['          const row = (b * rows + reflectIndex(i + f * r, rows)) * cols;', '          const row = (b * rows + reflectIndex(i + f * r + 1, rows)) * cols;', 'pixel-shuffle split: rows off by one'],
  ['        for (let c = 0; j + f * c < cols && c < w; c++) out[(i + f * r) * cols + j + f * c] = part[r * w + c];', '        for (let c = 0; j + f * c < cols && c < w; c++) out[(i + f * r) * cols + j + f * c] = part[r * w + Math.max(0, c - 1)];', 'pixel-shuffle merge: columns shifted'],
  ['  const srcCol = Int32Array.from({ length: f * w }, (_, t) => reflectIndex((t % f) + f * Math.floor(t / f), cols));', '  const srcCol = Int32Array.from({ length: f * w }, (_, t) => reflectIndex(((t + 1) % f) + f * Math.floor(t / f), cols));', 'pixel-shuffle split: sub-image columns swapped'],
]);
add('bs3mine', 'src/models/bs3mine.ts', ['models/bs3mine'], [
  ['    const cut = known[Math.min(known.length - 1, Math.floor(known.length * (1 - frac)))];', '    const cut = known[Math.min(known.length - 1, Math.floor(known.length * (1 - 2 * frac)))];', 'mining leaves out twice the fraction'],
  ['      for (let c = 0; c < at.w; c++) win[r * at.w + c] = this.err[(at.r0 + r) * this.cols + at.c0 + c] > cut ? 0 : 1;', '      for (let c = 0; c < at.w; c++) win[r * at.w + c] = this.err[(at.r0 + r) * this.cols + at.c0 + c] >= cut ? 0 : 1;', 'the pixel at the cut is left out too'],
  ['    for (let r = 0; r < at.h; r++) this.err.set(crop.subarray(r * at.w, (r + 1) * at.w), (at.r0 + r) * this.cols + at.c0);', '    for (let r = 0; r < at.h; r++) this.err.set(crop.subarray(r * at.w, (r + 1) * at.w), (at.r0 + r) * this.cols + at.c0 + (r === 0 ? 1 : 0));', 'error map: first row stored one column right'],
]);
add('bs3mask', 'src/models/bs3mask.ts', ['models/bs3lnet.test'], [
  ['    const dy = Math.floor(rand() * (2 * half + 1)) - half;', '    const dy = Math.floor(rand() * (2 * half)) - half;', 'N2V offset never reaches the last window row'],
  ['  const half = Math.floor(window / 2);', '  const half = Math.floor(window / 2) + 1;', 'image mask window one pixel wider'],
  ['    const p = Math.min(n - 1, Math.floor(rand() * n));', '    const p = Math.min(n - 1, Math.floor(rand() * (n - 1)));', 'the last pixel is never masked'],
]);
add('adaconv_direct', 'shaders/adaconv_direct.wgsl', ['ops/adaconv'], [
  ['      if (c0 + k < params.c) { v[k] = src[(c0 + k) * params.hw + p]; }', '      if (c0 + k + 1u < params.c) { v[k] = src[(c0 + k) * params.hw + p]; }', 'direct packing drops the last channel'],
  ['        if (co < params.ncols) { out[co * hw + row] = acc[2u * i + h][j] + select(0.0, bias[co], params.has_bias != 0u); }', '        if (co < params.ncols) { out[co * hw + row] = acc[2u * i + h][j] + select(0.0, 1.01 * bias[co], params.has_bias != 0u); }', 'direct forward: bias scaled by 1.01'],
  ['            a3[j] += select(z, v[j], i == 3u);', '            a3[j] += select(z, v[j], i == 2u);', 'direct dInput: a lane\'s fourth row sums the third row\'s readers'],
]);
add('superad', 'src/models/superad.ts', ['models/superad'], [
  ['const SLOPE = 0.1;', 'const SLOPE = 0.11;', 'LeakyReLU slope 0.11 instead of 0.1'],
  ['      const p = mul(sel ? this.stack(this.smconv, g, sel) : g, u);', '      const p = mul(g, u);', 'smconv skipped even when an error map guides it'],
  ['    return superpixelUnpool(permute(this.decoder_norm.forward(t), [0, 2, 1]), segs);', '    return superpixelUnpool(permute(t, [0, 2, 1]), segs);', 'decoder LayerNorm dropped'],
]);
add('sscc', 'src/models/sscc.ts', ['models/sscc'], [
  ['      let y = relu(this.bn1.forward(this.conv1.forward(x)));', '      let y = this.bn1.forward(this.conv1.forward(x));', 'stem ReLU dropped'],
  ['    const loss = add(mul(ntXent(ci, cj, temperature), tradeoff), barlowTwins(ci, cj, lambda));', '    const loss = add(mul(ntXent(ci, cj, temperature), tradeoff), barlowTwins(ci, cj, 2 * lambda));', 'Barlow Twins off-diagonal weight doubled'],
  ['    return clusterWeight > 0 ? add(loss, mul(clusterContrastive(ci, cj, 0.2), clusterWeight)) : loss;', '    return clusterWeight > 0 ? add(loss, mul(clusterContrastive(ci, cj, 0.25), clusterWeight)) : loss;', 'cluster-level loss at τ 0.25 instead of 0.2'],
]);
add('kmeans', 'src/models/kmeans.ts', ['models/kmeans'], [
  ['        const score = add(matmul(x, cm2, { transposeB: true }), cn);', '        const score = matmul(x, cm2, { transposeB: true });', 'assignment drops ‖c‖² (argmin of −2x·c)'],
  ['    pass.counts[old] -= 1;', '    pass.counts[old] -= 0;', 'relocation leaves the donor cluster\'s count'],
  ['      dist[p] = prev && prev[p] < s ? prev[p] : s;', '      dist[p] = s;', 'k-means++: D² to the newest centre only, not the nearest'],
]);

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const timeoutS = Number(opt('--timeout', '900'));
const outFile = opt('--out', null);
const listOnly = args.includes('--list');
const families = args.filter((a) => !a.startsWith('--'));
const chosen = M.filter((m) => families.length === 0 || families.includes(m.family));
if (chosen.length === 0) {
  console.error(`mutate: families: expected some of ${[...new Set(M.map((m) => m.family))].join(', ')}, got ${families.join(' ')}`);
  process.exit(2);
}

/** 'ok', or why the mutation cannot apply to this tree (file gone, text changed or ambiguous). */
function applicable(m, text) {
  if (text === null) return `${m.file} is absent`;
  const n = text.split(m.find).length - 1;
  return n === 1 ? 'ok' : `the text to mutate occurs ${n} times in ${m.file} (expected once): update scripts/mutate.mjs`;
}

const readOr = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : null);

if (listOnly) {
  let stale = 0;
  for (const m of chosen) {
    const a = applicable(m, readOr(path.join(root, m.file)));
    if (a !== 'ok') stale++;
    console.log(`${m.family.padEnd(14)} ${m.what}  [${m.tests.join(' ')}]${a === 'ok' ? '' : `  STALE: ${a}`}`);
  }
  const fams = new Set(chosen.map((m) => m.family));
  for (const f of fams) {
    const n = chosen.filter((m) => m.family === f).length;
    if (n < 3) console.log(`${f.padEnd(14)} only ${n} mutation(s): the check asks for at least 3 per family`);
  }
  process.exit(stale > 0 ? 1 : 0);
}

// The scratch copy: <tmp>/main (the working tree) and <tmp>/shared → ../shared.
const scratch = mkdtempSync(path.join(tmpdir(), 'hsi-mutate-'));
const copy = path.join(scratch, 'main');
let current = null; // { file, original } while a mutation is applied
function cleanup() {
  if (current) writeFileSync(current.file, current.original);
  current = null;
  rmSync(scratch, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    console.error(`\nmutate: ${sig}: restoring and removing the scratch copy`);
    if (child) try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    cleanup();
    process.exit(130);
  });
}
process.on('uncaughtException', (e) => {
  console.error(`mutate: ${e?.stack ?? e}`);
  cleanup();
  process.exit(1);
});

function makeCopy() {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root }).toString().split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(root, f);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
    copyFileSync(from, path.join(copy, f));
  }
  for (const dir of ['build', 'dist']) if (existsSync(path.join(root, dir))) cpSync(path.join(root, dir), path.join(copy, dir), { recursive: true });
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
  const shared = path.resolve(root, '../shared');
  if (existsSync(shared)) symlinkSync(shared, path.join(scratch, 'shared'));
}

let child = null;
/** Runs the filtered Node tests in the copy: { caught, failed, passed, tests, timedOut }. */
function runTests(filters) {
  return new Promise((resolve) => {
    const out = [];
    child = spawn(process.execPath, ['scripts/test.mjs', ...filters, '--node-only', '--no-typecheck', '--no-build'], {
      cwd: copy, detached: true, env: { ...process.env, HSI_TEST_OUT: 'dist/test-mutate', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      child = null;
      const text = Buffer.concat(out).toString().replace(/\x1b\[[0-9;]*m/g, '');
      const last = /(\d+) passed, (\d+) failed, (\d+) skipped\s*$/.exec(text.trimEnd());
      const tests = [...text.matchAll(/FAIL\s+(\S.*?)\s+"(.+?)"/g)].map((x) => `${x[1]} › ${x[2]}`);
      const timedOut = signal === 'SIGKILL';
      const failed = last ? Number(last[2]) : null;
      resolve({ caught: timedOut || failed === null || failed > 0 || code !== 0, failed, passed: last ? Number(last[1]) : null, tests, timedOut, tail: text.slice(-1500) });
    });
  });
}

const report = [];
try {
  makeCopy();
  console.log(`mutate: ${chosen.length} mutations in ${new Set(chosen.map((m) => m.family)).size} families; scratch copy ${copy}`);
  // The unmutated tests must pass first, or a "caught" means nothing.
  const baseline = new Map();
  for (const m of chosen) {
    const key = m.tests.join(' ');
    if (baseline.has(key)) continue;
    const t0 = Date.now();
    const r = await runTests(m.tests);
    baseline.set(key, r);
    console.log(`baseline [${key}]: ${r.caught ? `FAILS (${r.failed ?? '?'} failed${r.timedOut ? ', timed out' : ''}): its mutations are not run` : `${r.passed} passed`} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    if (r.caught) console.log(r.tail);
  }
  for (const [i, m] of chosen.entries()) {
    const file = path.join(copy, m.file);
    const original = readOr(file);
    const a = applicable(m, original);
    const head = `[${i + 1}/${chosen.length}] ${m.family}: ${m.what}`;
    if (a !== 'ok') {
      report.push({ ...m, result: 'stale', note: a });
      console.log(`${head}: STALE (${a})`);
      continue;
    }
    if (baseline.get(m.tests.join(' ')).caught) {
      report.push({ ...m, result: 'not run', note: 'the unmutated tests fail' });
      console.log(`${head}: NOT RUN (baseline fails)`);
      continue;
    }
    const t0 = Date.now();
    current = { file, original };
    writeFileSync(file, original.replace(m.find, m.replace));
    let r;
    try {
      r = await runTests(m.tests);
    } finally {
      writeFileSync(file, original);
      current = null;
    }
    const secs = ((Date.now() - t0) / 1000).toFixed(0);
    const by = r.timedOut ? 'timed out' : r.tests.length ? r.tests.slice(0, 3).join('; ') + (r.tests.length > 3 ? ` (+${r.tests.length - 3} more)` : '') : `${r.failed ?? '?'} failed (no test named: a crash or build error)`;
    report.push({ ...m, result: r.caught ? 'caught' : 'survived', note: r.caught ? by : '', secs });
    console.log(`${head}: ${r.caught ? `CAUGHT by ${by}` : 'SURVIVED'} (${secs} s)`);
  }
} finally {
  cleanup();
}

const survivors = report.filter((r) => r.result !== 'caught');
const lines = ['| family | mutation | result | caught by / note |', '|---|---|---|---|',
  ...report.map((r) => `| ${r.family} | ${r.what} | ${r.result} | ${r.note.replace(/\|/g, '\\|')} |`)];
console.log(`\n${lines.join('\n')}\n`);
console.log(`mutate: ${report.length - survivors.length} of ${report.length} caught; ${survivors.length} not caught${survivors.length ? ': ' + survivors.map((r) => `${r.family}: ${r.what} (${r.result})`).join('; ') : ''}`);
if (outFile) writeFileSync(outFile, `${lines.join('\n')}\n`);
process.exit(survivors.length > 0 ? 1 : 0);
