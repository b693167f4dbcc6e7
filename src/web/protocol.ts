/**
 * Messages between the page (main.ts) and the worker that owns the GPU (worker.ts). The page
 * never touches the engine: it sends requests with an id and gets exactly one reply per id
 * (a result or an error), plus progress events for runs, so no request can be left waiting
 * (docs/app.md#worker). `WorkerClient` is the page's side: if the worker dies (a crash, an
 * uncaught error, a restart), every waiting call is answered with an error.
 */
import type { CubeSummary } from '../data/scene.ts';
import type { OptionSpec, Task } from '../models/registry.ts';

/** A registry entry without its functions (what the form is built from). */
export interface ModelInfo {
  name: string;
  task: Task;
  summary: string;
  options: Record<string, OptionSpec>;
  presets?: Record<string, string>;
  isDefault: boolean;
}

/** The scene as `hsi inspect` describes it (data/scene.ts), plus what the page draws it with. */
export interface SceneInfo extends CubeSummary {
  /** Made in the page (the synthetic scene), not read from a file. */
  synthetic: boolean;
  /** Centre wavelength of every band, when the file gives them. */
  bandWavelengths?: number[];
  /** NaN/Inf values the file held and the app replaced by band means (0: none, or refused). */
  filled: number;
  /** Ground-truth map: how many labelled pixels and classes (0/1 maps count one class). */
  map: { labelled: number; classes: number; file?: string } | null;
  rgbBands: [number, number, number];
}

/** What the page asks the worker (docs/app.md#worker). */
export type Request =
  | { type: 'init' }
  | { type: 'open'; files: File[]; data?: string; map?: string | false; fillNonFinite?: boolean }
  | { type: 'synth'; rows: number; cols: number; bands: number; anomalies: number; seed: number }
  | { type: 'picture'; bands: [number, number, number] }
  | { type: 'spectrum'; row: number; col: number }
  | { type: 'run'; task: Task; model: string; options: Record<string, number | string> }
  | { type: 'cancel'; run: number };

/** A finished run: what its card shows and the files it offers. */
export interface RunResult {
  task: Task;
  model: string;
  scene: string;
  settings: Record<string, unknown>;
  seconds: number;
  /** Every output file by name (the same bytes `hsi detect` / `hsi cluster` write) and summary.json. */
  files: Record<string, Uint8Array | string>;
  /** All of them in one folder `<scene>-<model>/` (made in the worker: zipping is work). */
  zip: { name: string; bytes: Uint8Array };
  /** The map picture (scores.png or clusters.png) and, for scores, one without the contour. */
  picture: Uint8Array;
  plainPicture?: Uint8Array;
  scoreRange?: [number, number];
  auc?: { aucDF: number; aucDtau: number; aucFtau: number; snpr: number } | null;
  /** ROC points (pf, pd), thinned for plotting. */
  roc?: { pf: number[]; pd: number[] };
  /** Why the scene's map gave no AUCs (a class-label map is no anomaly truth; a one-class map), when so. */
  truthNote?: string;
  metrics?: { acc: number; nmi: number; kappa: number; ari: number; purity: number } | null;
  legend?: { cluster: number; class: number | null; colour: string }[];
}

/** The worker's one answer to a request. */
export type Reply =
  | { type: 'ready'; models: ModelInfo[]; adapter: string }
  | { type: 'scene'; scene: SceneInfo }
  | { type: 'picture'; png: Uint8Array }
  | { type: 'spectrum'; values: number[] }
  | { type: 'result'; result: RunResult }
  | { type: 'cancelled'; step: number; steps: number }
  | { type: 'ok' }
  | { type: 'error'; error: WorkerError };

/** An error as the page shows it: the library's message and what the page may offer. */
export interface WorkerError {
  /**
   * data: the file (DataError); option: a setting (OptionError); no-webgpu: no adapter
   * (GpuUnavailableError); lost: the device is gone (DeviceLostError); worker: the worker died
   * or was restarted under a waiting request; other. After lost and worker, restart the worker.
   */
  kind: 'data' | 'option' | 'no-webgpu' | 'lost' | 'worker' | 'other';
  message: string;
  /** An ambiguous .mat file: the variables the user may pick from. */
  choices?: { cubes: string[]; maps: string[] };
}

/** A training step, or a pass after training (SSCC's assignment of every pixel: registry onPass). */
export type ProgressEvent =
  | { step: number; steps: number; loss: number; stepsPerSecond: number }
  | { pass: string; unit: string; done: number; total: number };

/** Page → worker envelope. */
export interface ToWorker {
  id: number;
  req: Request;
}

/** Worker → page envelope: a reply (ends the request) or a progress event of a run. */
export type FromWorker = { id: number; reply: Reply } | { id: number; progress: ProgressEvent };

interface Pending {
  resolve: (r: Reply) => void;
  onProgress?: (p: ProgressEvent) => void;
}

/** The page's handle on the worker: one reply per request, also when the worker dies. */
export class WorkerClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  constructor(url: URL) {
    this.worker = new Worker(url, { type: 'module', name: 'hsi-gpu' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.failAll(e.message || 'it could not be loaded or crashed');
    };
  }

  /** Sends `req`; resolves with its reply. `onId` learns the request id (a run's id, to cancel it). */
  call(req: Request, onProgress?: (p: ProgressEvent) => void, onId?: (id: number) => void): Promise<Reply> {
    const id = this.nextId++;
    onId?.(id);
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, onProgress });
      this.worker.postMessage({ id, req } satisfies ToWorker);
    });
  }

  /** Stops the worker at once (its GPU device goes with it); waiting calls get an error. */
  terminate(): void {
    this.worker.terminate();
    this.failAll('the worker was restarted');
  }

  private receive(m: FromWorker): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if ('progress' in m) return p.onProgress?.(m.progress);
    this.pending.delete(m.id);
    p.resolve(m.reply);
  }

  private failAll(message: string): void {
    for (const p of this.pending.values()) p.resolve({ type: 'error', error: { kind: 'worker', message } });
    this.pending.clear();
  }
}
