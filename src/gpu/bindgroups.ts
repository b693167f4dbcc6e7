/**
 * The bind groups of every kernel of one device, least recently used first out, under one bound.
 *
 * Why one bound for the device and not one per kernel: on lavapipe each live bind group holds a
 * descriptor set in a memory mapping of its own, and a process may hold at most
 * vm.max_map_count (65,530) mappings. With a bound per kernel, a process that uses a few hundred
 * kernels (a test run, a long session in the app) kept tens of thousands of bind groups alive and
 * lavapipe crashed when a mapping failed (docs/engine.md#bind-groups). Evicted groups keep their
 * mappings until collected, so the host's collector runs after every capacity / 2 evictions.
 */
import { debugLog } from './debug.ts';

/** Bind groups a device keeps at most (each costs a mapping on lavapipe). */
export const BIND_GROUP_CAPACITY = 2048;

export class BindGroupCache {
  private entries = new Map<string, GPUBindGroup[]>();
  /** Counters for tests and DEBUG output. */
  readonly counts = { bindGroupsCreated: 0, bindGroupsReused: 0, bindGroupsEvicted: 0, garbageCollections: 0 };

  /**
   * `collect` (the host's full garbage collection, where it has one) runs after every
   * `capacity / 2` evictions. An evicted group is freed only when collected, and until then it
   * holds its descriptor set; between major collections, training made tens of thousands
   * (docs/engine.md#bind-groups).
   */
  constructor(readonly capacity = BIND_GROUP_CAPACITY, private collect?: () => void) {}

  /** Bind group sets cached now. */
  get size(): number {
    return this.entries.size;
  }

  /** The cached groups for `key`, or those `create` makes (cached, evicting the least recently used). */
  get(key: string, create: () => GPUBindGroup[]): GPUBindGroup[] {
    const hit = this.entries.get(key);
    if (hit) {
      // Re-inserting moves the key to the end of the Map's order: the most recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      this.counts.bindGroupsReused++;
      return hit;
    }
    const groups = create();
    this.counts.bindGroupsCreated++;
    // Evicted groups may still be used by recorded commands: WebGPU keeps them alive for those.
    while (this.entries.size >= this.capacity) this.evictOldest();
    this.entries.set(key, groups);
    return groups;
  }

  private evictOldest(): void {
    this.entries.delete(this.entries.keys().next().value!);
    const n = ++this.counts.bindGroupsEvicted;
    if (this.collect && n % Math.max(1, Math.floor(this.capacity / 2)) === 0) {
      const t0 = performance.now();
      this.collect();
      this.counts.garbageCollections++;
      debugLog(1, () => `bind groups: ${n} evicted so far; garbage collected in ${(performance.now() - t0).toFixed(1)} ms`);
    }
  }
}
