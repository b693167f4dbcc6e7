/**
 * Reverse-mode autodiff on a tape. Each differentiable op records a node (its inputs, the
 * tensors its backward rule keeps, the rule). `backward(loss)` walks the nodes reachable from
 * the loss in reverse creation order (a valid reverse topological order, since an op's inputs
 * exist before it runs), accumulates fan-out gradients with +=, and frees each node's saved
 * tensors as soon as its rule ran. Leaves with `requiresGrad` collect their gradient in `.grad`.
 *
 * A node whose output was disposed and that no other node consumes frees itself (and then,
 * in turn, its inputs' nodes), so a scope around inference does not leak saved tensors.
 * Graphs whose outputs stay alive keep their saved tensors until backward or `clearGraph()`:
 * run inference under `noGrad()` so nothing is recorded at all.
 *
 * The engine's own arithmetic (the ones gradient of the loss, fan-out sums) runs through its own
 * kernels (shaders/tape.wgsl), so backward works whichever modules were imported, and the
 * autograd layer imports nothing above it.
 */
import source from '../../shaders/tape.wgsl';
import { GpuUsageError } from '../gpu/index.ts';
import { keep } from '../tensor/scope.ts';
import { buffersOf, empty, fmtShape, view, type GradNode, type Tensor } from '../tensor/tensor.ts';

const FILE = 'tape.wgsl';

let recording = true;
let seq = 0;
/** True while backward() frees the nodes it walks itself (no cascading frees meanwhile). */
let draining = false;
const live = new Map<number, TapeNode>();

/** True when ops record nodes (not inside noGrad). */
export function isRecording(): boolean {
  return recording;
}

/** Runs `fn` with recording off: no nodes, no saved tensors (inference, metrics, optimizers). */
export function noGrad<T>(fn: () => T): T {
  const prev = recording;
  recording = false;
  try {
    const r = fn();
    if (r instanceof Promise) return r.finally(() => (recording = prev)) as T;
    recording = prev;
    return r;
  } catch (e) {
    recording = prev;
    throw e;
  }
}

/** A backward rule: gradients w.r.t. each input given dy and the saved tensors. */
export type BackwardRule = (dy: Tensor, saved: readonly Tensor[], needs: readonly boolean[]) => (Tensor | null)[];

class TapeNode implements GradNode {
  readonly seq = ++seq;
  private saved: Tensor[];
  /** Live nodes that have this node's output among their inputs. */
  private consumers = 0;
  private orphan = false;
  private producers: TapeNode[];

  constructor(readonly op: string, readonly inputs: readonly Tensor[], readonly out: Tensor, saved: readonly Tensor[], private rule: BackwardRule) {
    // Own handles: the caller may dispose its tensors; the data stays until backward ran.
    this.saved = saved.map((t) => keep(view(t, t.shape)));
    this.producers = inputs.map((t) => t.node as TapeNode | null).filter((n): n is TapeNode => n !== null);
    for (const p of this.producers) p.consumers++;
  }

  outputDisposed(): void {
    this.orphan = true;
    if (this.consumers === 0) this.free();
  }

  backward(dy: Tensor): (Tensor | null)[] {
    if (!this.rule) throw new GpuUsageError(`backward(${this.op})`, 'graph: expected a live graph, got one already freed (backward ran or clearGraph was called)');
    return this.rule(dy, this.saved, this.inputs.map((t) => t.tracked));
  }

  free(): void {
    if (!live.has(this.seq)) return;
    for (const t of this.saved) t.dispose();
    this.saved = [];
    this.rule = null as unknown as BackwardRule;
    live.delete(this.seq);
    if (this.out.node === this) this.out.node = null;
    for (const p of this.producers) {
      p.consumers--;
      if (p.orphan && p.consumers === 0 && !draining) p.free();
    }
    this.producers = [];
  }
}

/**
 * Records `out = op(inputs)` when recording is on and some input is tracked. `saved` are kept
 * alive for the rule; a null rule marks an op with no gradient (its output is not tracked).
 */
export function record(op: string, inputs: readonly Tensor[], out: Tensor, saved: readonly Tensor[], rule: BackwardRule | null): Tensor {
  if (!recording || rule === null || !inputs.some((t) => t.tracked)) return out;
  const node = new TapeNode(op, inputs, out, saved, rule);
  live.set(node.seq, node);
  out.node = node;
  return out;
}

/** Number of nodes holding saved tensors (0 after backward when every graph was consumed). */
export function liveGraphNodes(): number {
  return live.size;
}

/** Frees every recorded node that backward() has not consumed. */
export function clearGraph(): void {
  for (const n of [...live.values()]) n.free();
}

/** Back-propagates from `loss` (a scalar, or any shape with an explicit `dy`). */
export function backward(loss: Tensor, dy?: Tensor): void {
  const op = 'backward';
  if (!loss.tracked) throw new GpuUsageError(op, `loss ${loss}: expected a tensor computed from tensors with requiresGrad, got one without a graph`);
  if (!dy && loss.size !== 1) throw new GpuUsageError(op, `loss: expected a single value (or pass dy), got shape ${fmtShape(loss.shape)}`);
  if (dy && dy.size !== loss.size) throw new GpuUsageError(op, `dy: expected shape ${fmtShape(loss.shape)}, got ${fmtShape(dy.shape)}`);
  const nodes = reachable(loss);
  const grads = new Map<Tensor, Tensor>();
  draining = true;
  try {
    noGrad(() => walk(loss, dy, nodes, grads));
  } finally {
    draining = false;
    for (const g of grads.values()) g.dispose();
  }
}

/** Runs each reachable node's rule in reverse order, freeing the node right after. */
function walk(loss: Tensor, dy: Tensor | undefined, nodes: TapeNode[], grads: Map<Tensor, Tensor>): void {
  const seed = dy ? view(dy, loss.shape) : tapeKernel('tape_seed', loss, {});
  accumulate(loss, seed, grads);
  for (const node of nodes) {
    const g = grads.get(node.out);
    grads.delete(node.out);
    if (!g) {
      node.free();
      continue;
    }
    const inGrads = node.backward(g);
    node.free();
    g.dispose();
    inGrads.forEach((gi, i) => gi && accumulate(node.inputs[i], gi, grads));
  }
}

function reachable(loss: Tensor): TapeNode[] {
  const seen = new Set<TapeNode>();
  const todo: Tensor[] = [loss];
  while (todo.length) {
    const n = todo.pop()!.node as TapeNode | null;
    if (!n || seen.has(n)) continue;
    seen.add(n);
    todo.push(...n.inputs);
  }
  return [...seen].sort((a, b) => b.seq - a.seq);
}

function accumulate(t: Tensor, g: Tensor, grads: Map<Tensor, Tensor>): void {
  if (g.size !== t.size || g.rank !== t.rank || g.shape.some((d, i) => d !== t.shape[i])) {
    throw new GpuUsageError(`backward(${t.node?.op ?? 'leaf'})`, `gradient shape: expected ${fmtShape(t.shape)}, got ${fmtShape(g.shape)}`);
  }
  if (t.node) {
    const old = grads.get(t);
    grads.set(t, old ? sumAndFree(old, g) : g);
  } else if (t.requiresGrad) {
    t.grad = keep(t.grad ? sumAndFree(t.grad, g) : g);
  } else {
    g.dispose();
  }
}

/** a + b into a fresh f32 tensor (gradients only: the shapes were checked equal), freeing both. */
function sumAndFree(a: Tensor, b: Tensor): Tensor {
  const s = tapeKernel('tape_accumulate', a, { a, b });
  a.dispose();
  b.dispose();
  return s;
}

/** One tape.wgsl dispatch writing a fresh f32 tensor shaped like `like`. */
function tapeKernel(entry: 'tape_accumulate' | 'tape_seed', like: Tensor, inputs: Record<string, Tensor>): Tensor {
  const out = empty(like.gpu, like.shape, 'f32', entry === 'tape_seed' ? 'grad seed' : 'grad sum');
  if (out.size === 0) return out;
  const k = like.gpu.kernel({ file: FILE, source, entry });
  k.dispatch(buffersOf({ ...inputs, out }), { n: out.size }, k.grid1d(Math.ceil(out.size / k.constant('E'))));
  return out;
}

/** The same data with no graph: gradients stop here (a new handle; dispose it like any tensor). */
export function detach(t: Tensor): Tensor {
  return view(t, t.shape);
}
