/**
 * The default query cache: an LRU in this process's memory. Generations live in
 * a map; a bump increments them and drops the tagged entries at once.
 */
import type { BackendReport } from '../backends/health.js';
import { cacheKey } from './keys.js';
import { TaggedLru } from './lru.js';
import type { CacheFetchResult, CacheStats, QueryCache } from './types.js';

export interface MemoryCacheOptions {
  maxEntries: number;
  /** Rough byte budget for the serialized entries (0: only maxEntries). */
  maxBytes?: number;
  ttlMs: number;
}

export class MemoryQueryCache implements QueryCache {
  readonly backend = 'memory' as const;
  private readonly lru: TaggedLru<string>;
  private readonly gens = new Map<string, number>();
  private readonly counters = { hits: 0, misses: 0, sharedHits: 0, errors: 0, bumps: 0, remoteBumps: 0 };

  constructor(private readonly opts: MemoryCacheOptions) {
    this.lru = new TaggedLru({ maxEntries: opts.maxEntries, maxBytes: opts.maxBytes });
  }

  async fetch<T>(
    kind: string,
    params: unknown,
    scopes: readonly string[],
    compute: () => Promise<T>,
    local?: unknown,
    cacheable?: (value: T) => boolean,
  ): Promise<CacheFetchResult<T>> {
    // Generations are read before computing: a bump during the computation makes this entry unreachable.
    const key = cacheKey(
      kind,
      [params, local ?? null],
      scopes,
      scopes.map((s) => this.gens.get(s) ?? 0),
    );
    const cached = this.lru.get(key);
    if (cached !== undefined) {
      this.counters.hits++;
      return { value: JSON.parse(cached) as T, hit: 'memory' };
    }
    this.counters.misses++;
    const value = await compute();
    if (cacheable && !cacheable(value)) return { value, hit: null };
    const json = JSON.stringify(value);
    if (json !== undefined) this.lru.set(key, json, this.opts.ttlMs, scopes, json.length);
    return { value, hit: null };
  }

  bump(scopes: readonly string[]): void {
    for (const s of scopes) {
      this.gens.set(s, (this.gens.get(s) ?? 0) + 1);
      this.lru.dropTag(s);
      this.counters.bumps++;
    }
  }

  async settled(): Promise<void> {}

  stats(): CacheStats {
    return { ...this.counters, entries: this.lru.size, bytes: this.lru.byteSize };
  }

  report(): BackendReport {
    const s = this.stats();
    return {
      name: 'cache',
      kind: 'memory',
      state: 'ok',
      configured: false,
      detail: `in-process LRU: ${s.entries} entries, ${s.hits} hits / ${s.misses} misses`,
    };
  }

  async probe(): Promise<BackendReport> {
    return this.report();
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}
