/**
 * The query cache: search and symbol results keyed by (what was asked, the
 * generation of every scope the answer depends on). One interface, one module
 * per backend: memory-cache.ts (in-process LRU, the default) and redis-cache.ts
 * (shared by every daemon using the same store, with pub/sub invalidation).
 *
 * Invalidation is by generation, never by guessing keys: every write to a
 * repository's view bumps the generation of its scope (`repo:<id>`), every
 * batch of new vectors bumps `vectors`. A lookup reads the current generations
 * first and keys the entry with them, so after a bump no older entry can be
 * reached again; `bump` also drops the entries tagged with that scope at once
 * (and, with Redis, tells every other daemon to drop theirs).
 */
import type { BackendReport } from '../backends/health.js';

export interface CacheStats {
  hits: number;
  misses: number;
  /** Hits answered by the shared (Redis) layer rather than this process's memory. */
  sharedHits: number;
  /** Shared-layer calls that failed or timed out (answered as misses). */
  errors: number;
  /** Generation bumps made here / received from other daemons. */
  bumps: number;
  remoteBumps: number;
  entries: number;
  bytes: number;
}

export interface CacheFetchResult<T> {
  value: T;
  /** 'memory' or 'redis' when answered from the cache; null when computed. */
  hit: 'memory' | 'redis' | null;
}

export interface QueryCache {
  readonly backend: 'memory' | 'redis';
  /**
   * The cached answer for (`kind`, `params`) at the current generations of
   * `scopes`, else `compute()`'s, stored for next time. Never throws because of
   * the cache: a cache that fails is a miss. Values must be plain JSON data
   * (they are stored serialized and every hit is a fresh copy).
   * `local` is state only this process can compare (e.g. SQLite's data_version,
   * which differs between connections): it keys this process's memory only.
   * `cacheable`, asked after computing, keeps a degraded answer (a backend was
   * down while it was computed) out of the cache.
   */
  fetch<T>(
    kind: string,
    params: unknown,
    scopes: readonly string[],
    compute: () => Promise<T>,
    local?: unknown,
    cacheable?: (value: T) => boolean,
  ): Promise<CacheFetchResult<T>>;
  /**
   * Marks scopes changed. Synchronous for this process (the next fetch already
   * misses); other daemons sharing the cache are told in the background.
   */
  bump(scopes: readonly string[]): void;
  /** Resolves when every bump made so far has reached the shared layer (or failed and is queued for reconnection). */
  settled(): Promise<void>;
  stats(): CacheStats;
  /** Health without a round trip (for `contextd status`). */
  report(): BackendReport;
  /** Health with a live round trip (for `contextd doctor`). */
  probe(timeoutMs?: number): Promise<BackendReport>;
  close(): Promise<void>;
}

export const REPO_SCOPE = (repoId: number): string => `repo:${repoId}`;
export const VECTORS_SCOPE = 'vectors';
/** The set of repositories itself (added, removed). */
export const REPOS_SCOPE = 'repos';
