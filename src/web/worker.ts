/**
 * The app's worker: it owns the GPU, the open scene and the running method, so training never
 * blocks the page (docs/app.md#worker). Each request gets exactly one reply; a run also sends
 * progress events, and a cancel request stops it after the current step (the registry's signal).
 */
import { createGpu, type Gpu } from '../gpu/device.ts';
import { DeviceLostError, GpuUnavailableError } from '../gpu/errors.ts';
import { describeGpu } from '../gpu/info.ts';
import { DataError } from '../data/cube.ts';
import { defaultRgbBands, falseColourPng } from '../data/png.ts';
import { summarizeCube } from '../data/scene.ts';
import { synthScene } from '../data/synth.ts';
import { OptionError } from '../errors.ts';
import { DEFAULT_MODELS, MODEL_REGISTRY } from '../models/index.ts';
import { pictureScale } from '../report/detect.ts';
import type { FromWorker, ModelInfo, Reply, Request, SceneInfo, ToWorker, WorkerError } from './protocol.ts';
import { AmbiguousMatError, openFiles } from './scenefiles.ts';
import { runOnScene, type OpenScene } from './runner.ts';
import { classCount } from '../report/cluster.ts';

// lib.dom types `self` as a Window; a dedicated worker only needs postMessage and onmessage.
const port = self as unknown as { postMessage(m: FromWorker, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<ToWorker>) => void) | null };

let gpu: Promise<Gpu> | null = null;
let scene: OpenScene | null = null;
const runs = new Map<number, AbortController>();

const models = (): ModelInfo[] => MODEL_REGISTRY.map((m) => ({
  name: m.name, task: m.task, summary: m.summary, options: { ...m.options }, presets: m.presets && { ...m.presets }, isDefault: DEFAULT_MODELS[m.task] === m.name,
}));

function sceneInfo(s: OpenScene, filled: number): SceneInfo {
  const { cube, map } = s;
  const labelled = map ? map.data.reduce((n, v) => n + (v > 0 ? 1 : 0), 0) : 0;
  return {
    ...summarizeCube(s.file ?? 'synthetic', cube), synthetic: s.file === null, bandWavelengths: cube.wavelengths, filled,
    map: map ? { labelled, classes: classCount(map), file: s.mapFile } : null, rgbBands: defaultRgbBands(cube),
  };
}

function needScene(): OpenScene {
  if (!scene) throw new DataError('app', 'scene: expected an open scene, got none', 'open a file or the synthetic scene first');
  return scene;
}

async function open(req: Extract<Request, { type: 'open' }>): Promise<Reply> {
  const t0 = performance.now();
  const r = await openFiles(req.files, req);
  scene = { cube: r.cube, map: r.map, name: r.file.replace(/\.[^.]+$/, ''), file: r.file, mapFile: r.mapFile, loadSeconds: (performance.now() - t0) / 1e3 };
  return { type: 'scene', scene: sceneInfo(scene, r.nonFinite) };
}

function synth(req: Extract<Request, { type: 'synth' }>): Reply {
  const t0 = performance.now();
  const s = synthScene({ rows: req.rows, cols: req.cols, bands: req.bands, anomalies: req.anomalies, seed: req.seed });
  scene = { cube: s.cube, map: s.map, name: 'synthetic', file: null, loadSeconds: (performance.now() - t0) / 1e3 };
  return { type: 'scene', scene: sceneInfo(scene, 0) };
}

async function run(id: number, req: Extract<Request, { type: 'run' }>): Promise<Reply> {
  const s = needScene();
  const ctl = new AbortController();
  runs.set(id, ctl);
  try {
    const r = await runOnScene(await (gpu ??= createGpu()), s, req, {
      signal: ctl.signal, progressMs: 200,
      onProgress: (p) => port.postMessage({ id, progress: { step: p.step, steps: p.steps, loss: p.loss, stepsPerSecond: p.stepsPerSecond } }),
      onPass: (p) => port.postMessage({ id, progress: { pass: p.pass, unit: p.unit, done: p.done, total: p.total } }),
    });
    return 'aborted' in r ? { type: 'cancelled', ...r.aborted } : { type: 'result', result: r };
  } finally {
    runs.delete(id);
  }
}

async function handle(id: number, req: Request): Promise<Reply> {
  switch (req.type) {
    case 'init': {
      const g = await (gpu ??= createGpu());
      const a = describeGpu(g).adapter;
      return { type: 'ready', models: models(), adapter: [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'WebGPU adapter' };
    }
    case 'open': return open(req);
    case 'synth': return synth(req);
    case 'picture': {
      const { cube } = needScene();
      return { type: 'picture', png: falseColourPng(cube, { bands: req.bands, scale: pictureScale(cube.rows, cube.cols) }) };
    }
    case 'spectrum': {
      const { cube } = needScene();
      const at = req.row * cube.cols + req.col;
      return { type: 'spectrum', values: Array.from({ length: cube.bands }, (_, b) => cube.data[b * cube.rows * cube.cols + at]) };
    }
    case 'run': return run(id, req);
    case 'cancel':
      runs.get(req.run)?.abort();
      return { type: 'ok' };
  }
}

function describeError(e: unknown): WorkerError {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof AmbiguousMatError) return { kind: 'data', message, choices: e.choices };
  if (e instanceof DeviceLostError) return { kind: 'lost', message };
  if (e instanceof GpuUnavailableError) return { kind: 'no-webgpu', message };
  if (e instanceof DataError) return { kind: 'data', message };
  if (e instanceof OptionError) return { kind: 'option', message };
  return { kind: 'other', message };
}

/**
 * The buffers of a reply's byte arrays that can move to the page instead of being copied (views
 * of a whole buffer; each buffer once): a large scene's files would otherwise be copied and
 * decoded on the page's main thread.
 */
function movable(reply: Reply): ArrayBuffer[] {
  if (reply.type !== 'result') return [];
  const r = reply.result;
  const arrays = [...Object.values(r.files), r.picture, r.plainPicture, r.zip.bytes].filter((b): b is Uint8Array => b instanceof Uint8Array);
  const whole = arrays.filter((b) => b.buffer instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength);
  return [...new Set(whole.map((b) => b.buffer as ArrayBuffer))];
}

port.onmessage = (e) => {
  const { id, req } = e.data;
  handle(id, req).then(
    (reply) => port.postMessage({ id, reply }, movable(reply)),
    (err: unknown) => port.postMessage({ id, reply: { type: 'error', error: describeError(err) } }),
  );
};
