/**
 * The page's handle on the worker: `call` sends a request and resolves with its one reply
 * (progress events go to the callback). If the worker dies (a crash, an uncaught error, a
 * restart), every waiting call is answered with an error, so nothing in the page hangs.
 */
import type { FromWorker, ProgressEvent, Reply, Request, ToWorker } from './protocol.ts';

interface Pending {
  resolve: (r: Reply) => void;
  onProgress?: (p: ProgressEvent) => void;
}

export class WorkerClient {
  private worker: Worker;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  constructor(url: URL) {
    this.worker = new Worker(url, { type: 'module', name: 'hsi-gpu' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.failAll(`the worker stopped: ${e.message || 'it could not be loaded'}`);
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
    for (const p of this.pending.values()) p.resolve({ type: 'error', error: { kind: 'lost', message } });
    this.pending.clear();
  }
}
