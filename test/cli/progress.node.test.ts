// Node only: the CLI's progress output on a terminal and in a log.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { progress } from '../../src/cli/progress.ts';

const test = suite('cli/progress');

/** A stream that records what is written; `isTTY` picks the bar or the plain lines. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 120, write: (s: string) => (chunks.push(String(s)), true), cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

test('plain lines in a log: throttled, with loss, rate and ETA, and a final line', () => {
  const out = sink(false);
  const p = progress({ unit: 'epoch', total: 50, stream: out.stream, every: 3600 });
  for (let i = 1; i <= 50; i++) p.update({ done: i, loss: 1 / i });
  p.stop();
  const lines = out.text().trim().split('\n');
  // The first update and the last one; nothing in between within the hour-long interval.
  assert.is(lines.length, 2);
  assert.match(lines[0], /^epoch 1\/50 loss 1\.000 · [\d.e+]+ epoch\/s · [\d.]+s elapsed · ETA /);
  assert.match(lines[1], /^epoch 50\/50 loss 0\.02000 /);
});

test('stopping early prints where it stopped', () => {
  const out = sink(false);
  const p = progress({ unit: 'step', total: 10, stream: out.stream, every: 3600 });
  p.update({ done: 1 });
  p.update({ done: 4, loss: 0.5 });
  p.stop();
  p.stop();
  const lines = out.text().trim().split('\n');
  assert.is(lines.length, 2);
  assert.match(lines[1], /^step 4\/10 loss 0\.5000 /);
});

test('work without a loss (a scoring pass) shows no loss column, as lines or as a bar', () => {
  const lines = sink(false);
  const p = progress({ unit: 'pixel', total: 3000, stream: lines.stream, every: 3600, loss: false });
  p.update({ done: 1024 });
  p.update({ done: 3000 });
  assert.match(lines.text(), /^pixel 1024\/3000 [\d.e+]+ pixel\/s · [\d.]+s elapsed · ETA .*\npixel 3000\/3000 [\d.e+]+ pixel\/s /);
  const bar = sink(true);
  const b = progress({ unit: 'pixel', total: 3000, stream: bar.stream, loss: false });
  b.update({ done: 1024 });
  b.stop();
  assert.match(bar.text(), /pixel 1024\/3000 \[[^\]]+\] [\d.e+]+ pixel\/s · ETA/);
  assert.not.match(bar.text(), /loss/);
});

test('a bar on a terminal shows the count, loss and ETA', () => {
  const out = sink(true);
  const p = progress({ unit: 'epoch', total: 20, stream: out.stream });
  p.update({ done: 7, loss: 0.123456 });
  p.stop();
  assert.match(out.text(), /epoch 7\/20 \[[^\]]+\] loss 0\.1235 · [\d.e+]+ epoch\/s · ETA/);
});

test.run();
