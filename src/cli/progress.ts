/**
 * Progress for long CLI work: a bar with loss, rate and ETA on a terminal (cli-progress), plain
 * lines elsewhere (CI logs, pipes), at most one every few seconds so logs stay short. The
 * library reports through a callback (`onProgress`); only the CLI draws.
 */
import cliProgress from 'cli-progress';

export interface ProgressUpdate {
  /** Steps done so far (epochs, iterations…), out of `total`. */
  done: number;
  /** The latest loss, when there is one. */
  loss?: number;
}

export interface Progress {
  update(u: ProgressUpdate): void;
  /** Ends the bar (or prints a last line); idempotent. */
  stop(): void;
}

export interface ProgressOptions {
  /** What is counted, e.g. 'epoch'. */
  unit: string;
  total: number;
  /** Write to this stream (default stderr, so stdout stays for results and --json). */
  stream?: NodeJS.WriteStream;
  /** Seconds between plain lines when not on a terminal. */
  every?: number;
  /** When the work began (performance.now()), if before this call; rates and ETAs count from it. */
  start?: number;
  /** Show a loss column (default true; false for work that has none, e.g. a scoring pass). */
  loss?: boolean;
}

const fmtTime = (s: number): string => {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(s < 10 ? 1 : 0)}s`;
};
const fmtLoss = (loss?: number): string => (loss === undefined ? '–' : loss.toPrecision(4));

/** A bar on a TTY, throttled plain lines otherwise. */
export function progress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const t0 = opts.start ?? performance.now();
  const rate = (done: number): number => done / Math.max(1e-9, (performance.now() - t0) / 1000);
  return stream.isTTY ? barProgress(opts, stream, rate) : lineProgress(opts, stream, t0, rate);
}

function barProgress(opts: ProgressOptions, stream: NodeJS.WriteStream, rate: (done: number) => number): Progress {
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${opts.unit} {value}/{total} [{bar}]${opts.loss === false ? '' : ' loss {loss} ·'} {rate} ${opts.unit}/s · ETA {eta_formatted}`,
    hideCursor: true,
    etaBuffer: 20,
  }, cliProgress.Presets.shades_classic);
  bar.start(opts.total, 0, { loss: '–', rate: '–' });
  let stopped = false;
  return {
    update: ({ done, loss }) => bar.update(done, { loss: fmtLoss(loss), rate: rate(done).toPrecision(3) }),
    stop: () => {
      if (!stopped) bar.stop();
      stopped = true;
    },
  };
}

function lineProgress(opts: ProgressOptions, stream: NodeJS.WriteStream, t0: number, rate: (done: number) => number): Progress {
  const every = (opts.every ?? 5) * 1000;
  let last = -Infinity;
  let latest: ProgressUpdate = { done: 0 };
  let stopped = false;
  const line = (u: ProgressUpdate): void => {
    const r = rate(u.done);
    const eta = (opts.total - u.done) / r;
    const elapsed = (performance.now() - t0) / 1000;
    const loss = opts.loss === false ? '' : ` loss ${fmtLoss(u.loss)} ·`;
    stream.write(`${opts.unit} ${u.done}/${opts.total}${loss} ${r.toPrecision(3)} ${opts.unit}/s · ${fmtTime(elapsed)} elapsed · ETA ${fmtTime(eta)}\n`);
  };
  return {
    update: (u) => {
      latest = u;
      const now = performance.now();
      if (now - last >= every || u.done === opts.total) {
        last = now;
        line(u);
      }
    },
    stop: () => {
      if (!stopped && last !== performance.now() && latest.done !== opts.total) line(latest);
      stopped = true;
    },
  };
}
