// The crash this bound prevents (docs/engine.md#bind-groups): on lavapipe every live bind group
// holds a memory mapping, and a Node process past vm.max_map_count (65,530) mappings dies in a
// lavapipe worker thread. Counted here as the process's /proc/self/maps lines that lavapipe's
// allocations make (memfd), while many kernels run with many buffer combinations. Dawn keeps a
// freed group's mapping for reuse, so the count is the peak of live groups: those the cache
// keeps, and those it evicted that V8 has not collected yet. The test does not collect garbage
// itself: the device does, after every BIND_GROUP_CAPACITY / 2 evictions.
import { readFileSync, existsSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import source from '../../shaders/selfcheck.wgsl';
import { BIND_GROUP_CAPACITY } from '../../src/gpu/bindgroups.ts';
import { testGpu, uniform } from '../harness/gpu.ts';
import { skip } from '../harness/skip.ts';

const test = suite('gpu/bindgroups (mappings)');
const forward = { file: 'selfcheck.wgsl', source, entry: 'selfcheck_forward' };
const mappings = (): number => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.includes('memfd:')).length;

test('24 kernels × 484 buffer pairs add about the bound of bind groups in mappings, not 512 a kernel', async () => {
  if (!existsSync('/proc/self/maps')) return skip('host', 'no /proc/self/maps to count mappings in');
  const gpu = await testGpu();
  const [rows, cols] = [5, 3];
  const bufs = (n: number, len: number): ReturnType<typeof gpu.buffer>[] => Array.from({ length: n }, (_, i) => {
    const b = gpu.buffer(len * 4, 'in');
    gpu.write(b, uniform(len, 300 + i));
    return b;
  });
  const [xs, ws, y] = [bufs(22, rows * cols), bufs(22, cols), gpu.buffer(rows * 4, 'y')];
  await gpu.sync();
  const before = mappings();
  const collectedBefore = gpu.stats().garbageCollections;
  for (let WG = 4; WG <= 96; WG += 4) {
    const k = gpu.kernel({ ...forward, overrides: { WG } });
    for (const x of xs) for (const w of ws) k.dispatch({ x, w, y }, { rows, cols, bias: 0 }, k.grid1d(rows));
    await gpu.sync();
    // Dawn recycles a freed group's descriptor set once the queue has moved past its last use.
    gpu.device.queue.submit([]);
    await gpu.device.queue.onSubmittedWorkDone();
  }
  const grown = mappings() - before;
  // The live groups: at most the bound, plus the evicted ones between two collections (half the
  // bound), plus the recycling lag: lavapipe maps descriptor sets a pool of 512 at a time, and
  // Dawn reuses a freed set only after the queue has passed its last use (measured: 3,584 =
  // 7 × 512). A bound per kernel instead (512 each, the old cache) keeps all 11,616 alive here.
  const most = BIND_GROUP_CAPACITY * 1.5 + 1024;
  assert.ok(grown <= most, `memfd mappings: expected at most ${most} more, got ${grown} more`);
  assert.ok(gpu.stats().garbageCollections > collectedBefore, 'the device collected the evicted groups itself');
  for (const b of [...xs, ...ws, y]) gpu.release(b);
});

test.run();
