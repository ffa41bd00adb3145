/**
 * The shared query cache on Redis (ioredis), for daemons that share one store.
 *
 * Two layers: this process's memory (L1, a tagged LRU) in front of Redis (L2).
 * - Generations live in Redis (`<ns>:g:<scope>`, INCR); L2 entries are keyed by
 *   the generations read from Redis *before* computing, so an entry written by
 *   any daemon is unreachable once any daemon bumps a scope it depends on.
 * - Every bump is published on `<ns>:inval`; each daemon drops its L1 entries
 *   tagged with that scope and advances its local generation, so L1 never needs
 *   a round trip and still misses after a remote change.
 * - Down or hanging Redis: commands fail fast (no offline queue, a per-command
 *   timeout), the fetch is answered from memory or computed, and the user never
 *   sees an error. ioredis reconnects with jittered exponential backoff. While
 *   disconnected, L1 entries live at most `fallbackTtlMs` (we cannot hear other
 *   daemons' bumps), and our own bumps are queued; on reconnection they are
 *   pushed (INCR + PUBLISH) before L2 is used again for those scopes, and L1 is
 *   cleared (messages may have been missed).
 * Redis should use a `volatile-*` maxmemory policy (entries have TTLs,
 * generations do not), so memory pressure never evicts a generation.
 */
import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { backoffDelay, CircuitBreaker, redactUrl, withTimeout } from '../backends/backoff.js';
import type { BackendReport } from '../backends/health.js';
import { cacheKey } from './keys.js';
import { TaggedLru } from './lru.js';
import type { CacheFetchResult, CacheStats, QueryCache } from './types.js';

export interface RedisCacheOptions {
  url: string;
  /** Key prefix shared by the daemons that share a store, e.g. `contextd:<store id>`. */
  namespace: string;
  ttlMs: number;
  /** L1 (memory) size. */
  maxEntries: number;
  maxBytes?: number;
  /** Per-command timeout (ms): a hanging Redis costs at most this, then counts as a miss. */
  timeoutMs: number;
  /** How long the first fetch waits for the first connection (ms). */
  connectWaitMs?: number;
  /** Longest life of an L1 entry made while the invalidation channel is down (ms). */
  fallbackTtlMs?: number;
  /** Reconnection backoff (ms). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  onEvent?: (event: 'ready' | 'down' | 'error', detail: string) => void;
}

interface InvalidationMessage {
  origin: string;
  scopes: string[];
}

export class RedisQueryCache implements QueryCache {
  readonly backend = 'redis' as const;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly l1: TaggedLru<string>;
  private readonly localGens = new Map<string, number>();
  /** Advanced whenever L1 can no longer be trusted as a whole (reconnection). Part of every L1 key. */
  private epoch = 0;
  /** Bumps made here that Redis has not acknowledged yet, per scope: L2 is not used for these scopes meanwhile. */
  private readonly unsynced = new Map<string, number>();
  /** Scopes bumped while Redis was unreachable: pushed on reconnection. */
  private readonly pending = new Set<string>();
  private readonly inflight = new Set<Promise<void>>();
  private readonly id = randomUUID();
  private readonly channel: string;
  private subscribed = false;
  private everReady = false;
  private initialWait: Promise<void> | null;
  private closed = false;
  private lastError: string | null = null;
  private lastErrorAt: number | null = null;
  private latencyMs: number | null = null;
  private version: string | null = null;
  private downSince: number | null = null;
  /** Opens after a failed or timed-out command: the shared layer is skipped (not waited for) until a probe succeeds. */
  private readonly breaker: CircuitBreaker;
  private readonly counters = { hits: 0, misses: 0, sharedHits: 0, errors: 0, bumps: 0, remoteBumps: 0, reconnects: 0, sharedSkips: 0 };

  constructor(private readonly opts: RedisCacheOptions) {
    this.l1 = new TaggedLru({ maxEntries: opts.maxEntries, maxBytes: opts.maxBytes });
    this.breaker = new CircuitBreaker({ baseMs: opts.retryBaseMs ?? 100, maxMs: opts.retryMaxMs ?? 10_000 });
    this.channel = `${opts.namespace}:inval`;
    const common: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: opts.timeoutMs,
      connectTimeout: Math.max(1000, opts.timeoutMs * 4),
      enableReadyCheck: true,
      autoResubscribe: true,
      retryStrategy: (times: number) => (this.closed ? null : backoffDelay(times - 1, { baseMs: opts.retryBaseMs ?? 100, maxMs: opts.retryMaxMs ?? 10_000 })),
    };
    this.cmd = new Redis(opts.url, { ...common, connectionName: 'contextd' });
    this.sub = new Redis(opts.url, { ...common, connectionName: 'contextd-invalidation' });

    this.cmd.on('error', (err: Error) => this.noteError(err));
    this.sub.on('error', (err: Error) => this.noteError(err));
    this.cmd.on('ready', () => void this.onReady());
    this.sub.on('ready', () => void this.subscribe());
    this.cmd.on('close', () => this.onDown('command connection closed'));
    this.sub.on('close', () => this.onSubDown());
    this.sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.onMessage(message);
    });

    this.initialWait = new Promise<void>((r) => (this.resolveInitial = r));
  }

  private resolveInitial: (() => void) | null = null;

  /** The first fetch waits (briefly) for the first connection, or the first failure. */
  private initialSettled(): void {
    this.resolveInitial?.();
    this.resolveInitial = null;
  }

  private genKey(scope: string): string {
    return `${this.opts.namespace}:g:${scope}`;
  }

  private entryKey(key: string): string {
    return `${this.opts.namespace}:q:${key}`;
  }

  private get connected(): boolean {
    return this.cmd.status === 'ready' && this.subscribed;
  }

  private noteError(err: unknown): void {
    this.lastError = err instanceof Error ? err.message || err.name : String(err);
    this.lastErrorAt = Date.now();
    this.initialSettled();
    this.opts.onEvent?.('error', this.lastError);
  }

  private async subscribe(): Promise<void> {
    try {
      await this.sub.subscribe(this.channel);
      const wasDown = !this.subscribed;
      this.subscribed = true;
      if (wasDown) await this.resync();
    } catch (err) {
      this.noteError(err);
    }
  }

  private async onReady(): Promise<void> {
    if (this.everReady) this.counters.reconnects++;
    this.everReady = true;
    const t0 = performance.now();
    try {
      const info = await this.cmd.info('server');
      this.latencyMs = Math.round((performance.now() - t0) * 10) / 10;
      this.version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? null;
    } catch (err) {
      this.noteError(err);
    }
    await this.resync();
  }

  /** After (re)connection: push the bumps made while down, and forget L1 (messages may have been missed). */
  private async resync(): Promise<void> {
    if (!this.connected) return;
    this.epoch++;
    this.l1.clear();
    this.breaker.success();
    await this.flushPending();
    this.downSince = null;
    this.initialSettled();
    this.opts.onEvent?.('ready', redactUrl(this.opts.url));
  }

  /** Pushes the bumps Redis has not acknowledged yet. */
  private async flushPending(): Promise<void> {
    if (!this.pending.size) return;
    const scopes = [...this.pending];
    this.pending.clear();
    await this.track(this.propagate(scopes, true));
  }

  private onDown(why: string): void {
    if (this.downSince === null) {
      this.downSince = Date.now();
      this.opts.onEvent?.('down', this.lastError ?? why);
    }
  }

  private onSubDown(): void {
    if (this.subscribed) {
      // From now on other daemons' bumps may go unheard: nothing in L1 can be vouched for.
      this.subscribed = false;
      this.epoch++;
      this.l1.clear();
    }
    this.onDown('invalidation channel closed');
  }

  private onMessage(raw: string): void {
    let msg: InvalidationMessage;
    try {
      msg = JSON.parse(raw) as InvalidationMessage;
    } catch {
      return;
    }
    if (msg.origin === this.id || !Array.isArray(msg.scopes)) return;
    for (const s of msg.scopes) {
      if (typeof s !== 'string') continue;
      this.localGens.set(s, (this.localGens.get(s) ?? 0) + 1);
      this.l1.dropTag(s);
      this.counters.remoteBumps++;
    }
  }

  private sharedUsable(scopes: readonly string[]): boolean {
    return this.connected && this.breaker.state !== 'open' && scopes.every((s) => !this.unsynced.get(s));
  }

  private async waitForFirstConnection(): Promise<void> {
    if (!this.initialWait) return;
    const wait = this.initialWait;
    await Promise.race([wait, new Promise((r) => setTimeout(r, this.opts.connectWaitMs ?? 250).unref())]);
    this.initialWait = null;
  }

  async fetch<T>(
    kind: string,
    params: unknown,
    scopes: readonly string[],
    compute: () => Promise<T>,
    local?: unknown,
    cacheable?: (value: T) => boolean,
  ): Promise<CacheFetchResult<T>> {
    if (this.initialWait) await this.waitForFirstConnection();
    const l1Key = cacheKey(
      kind,
      [params, local ?? null],
      scopes,
      scopes.map((s) => `${this.epoch}.${this.localGens.get(s) ?? 0}`),
    );
    const inMemory = this.l1.get(l1Key);
    if (inMemory !== undefined) {
      this.counters.hits++;
      return { value: JSON.parse(inMemory) as T, hit: 'memory' };
    }
    let sharedKey: string | null = null;
    if (this.sharedUsable(scopes) && this.breaker.allow()) {
      try {
        const gens = scopes.length ? await this.cmd.mget(...scopes.map((s) => this.genKey(s))) : [];
        sharedKey = cacheKey(
          kind,
          params,
          scopes,
          gens.map((g) => g ?? '0'),
        );
        const t0 = performance.now();
        const json = await this.cmd.get(this.entryKey(sharedKey));
        this.latencyMs = Math.round((performance.now() - t0) * 10) / 10;
        this.breaker.success();
        if (this.pending.size) void this.flushPending();
        if (json !== null) {
          this.l1.set(l1Key, json, this.opts.ttlMs, scopes, json.length);
          this.counters.hits++;
          this.counters.sharedHits++;
          return { value: JSON.parse(json) as T, hit: 'redis' };
        }
      } catch (err) {
        this.counters.errors++;
        this.noteError(err);
        this.breaker.failure(err);
        sharedKey = null;
      }
    } else {
      // Down, breaker open or a scope not yet synced: the shared layer is not asked at all.
      this.counters.sharedSkips++;
    }
    this.counters.misses++;
    const value = await compute();
    if (cacheable && !cacheable(value)) return { value, hit: null };
    const json = JSON.stringify(value);
    if (json !== undefined) {
      const ttl = this.connected ? this.opts.ttlMs : Math.min(this.opts.ttlMs, this.opts.fallbackTtlMs ?? 30_000);
      this.l1.set(l1Key, json, ttl, scopes, json.length);
      if (sharedKey && this.sharedUsable(scopes)) {
        // Not awaited (the answer does not wait for Redis), but tracked: settled() waits for it.
        void this.track(
          this.cmd.set(this.entryKey(sharedKey), json, 'PX', this.opts.ttlMs).then(
            () => {},
            (err: unknown) => {
              this.counters.errors++;
              this.noteError(err);
            },
          ),
        );
      }
    }
    return { value, hit: null };
  }

  bump(scopes: readonly string[]): void {
    if (!scopes.length) return;
    for (const s of scopes) {
      this.localGens.set(s, (this.localGens.get(s) ?? 0) + 1);
      this.l1.dropTag(s);
      this.unsynced.set(s, (this.unsynced.get(s) ?? 0) + 1);
      this.counters.bumps++;
    }
    void this.track(this.propagate([...scopes], false));
  }

  private track(p: Promise<void>): Promise<void> {
    this.inflight.add(p);
    return p.finally(() => this.inflight.delete(p));
  }

  /**
   * INCR the scopes' generations and publish them in one MULTI. `flush`: these are
   * queued bumps (their unsynced counts are cleared together).
   */
  private async propagate(scopes: string[], flush: boolean): Promise<void> {
    const settle = () => {
      for (const s of scopes) {
        if (flush) this.unsynced.delete(s);
        else {
          const n = (this.unsynced.get(s) ?? 1) - 1;
          if (n > 0) this.unsynced.set(s, n);
          else this.unsynced.delete(s);
        }
      }
    };
    if (this.cmd.status !== 'ready') {
      for (const s of scopes) this.pending.add(s);
      return;
    }
    try {
      const multi = this.cmd.multi();
      for (const s of scopes) multi.incr(this.genKey(s));
      multi.publish(this.channel, JSON.stringify({ origin: this.id, scopes } satisfies InvalidationMessage));
      const res = await multi.exec();
      const failed = res?.find(([err]) => err);
      if (!res || failed) throw failed?.[0] ?? new Error('MULTI aborted');
      settle();
    } catch (err) {
      this.counters.errors++;
      this.noteError(err);
      this.breaker.failure(err);
      // Not acknowledged: keep the scopes unsynced (no L2 for them) and push them on reconnection.
      for (const s of scopes) this.pending.add(s);
    }
  }

  async settled(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  stats(): CacheStats & { reconnects: number; sharedSkips: number } {
    return { ...this.counters, entries: this.l1.size, bytes: this.l1.byteSize };
  }

  report(): BackendReport {
    const s = this.stats();
    const url = redactUrl(this.opts.url);
    const up = this.connected && this.breaker.state === 'closed';
    return {
      name: 'cache',
      kind: 'redis',
      state: up ? 'ok' : 'down',
      configured: true,
      url,
      version: this.version,
      latencyMs: this.latencyMs,
      detail: up
        ? `shared cache: ${s.hits} hits (${s.sharedHits} from Redis) / ${s.misses} misses, ${s.remoteBumps} invalidations from other daemons`
        : `${this.connected ? 'not answering' : 'unreachable'}${this.lastError ? ` (${this.lastError})` : ''}; using the in-memory cache, ${this.connected ? 'retrying' : 'reconnecting'} with backoff${this.pending.size ? `; ${this.pending.size} invalidation(s) queued` : ''}`,
      fix: up ? undefined : `start Redis at ${url} or fix [cache] redis / CONTEXTD_REDIS_URL`,
    };
  }

  async probe(timeoutMs = 2000): Promise<BackendReport> {
    // Give a fresh daemon or CLI its first connection attempt (both connections: commands and invalidation).
    const deadline = Date.now() + timeoutMs;
    const failedBefore = this.lastErrorAt;
    while (!this.connected && Date.now() < deadline && this.lastErrorAt === failedBefore) await new Promise((r) => setTimeout(r, 20));
    if (this.cmd.status !== 'ready') return { ...this.report(), state: 'down' };
    try {
      const t0 = performance.now();
      await withTimeout(this.cmd.ping(), timeoutMs, 'redis PING');
      this.latencyMs = Math.round((performance.now() - t0) * 10) / 10;
      this.breaker.success();
      if (this.pending.size) await this.flushPending();
      const info = await withTimeout(this.cmd.info(), timeoutMs, 'redis INFO');
      this.version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? this.version;
      const policy = /maxmemory_policy:([^\r\n]+)/.exec(info)?.[1];
      const r = this.report();
      if (policy?.startsWith('allkeys')) {
        return {
          ...r,
          state: 'degraded',
          detail: `maxmemory-policy is ${policy}: memory pressure could evict cache generations`,
          fix: 'set maxmemory-policy to volatile-lru (or noeviction) on this Redis',
        };
      }
      return r;
    } catch (err) {
      this.noteError(err);
      return { ...this.report(), state: 'down' };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await withTimeout(this.settled(), this.opts.timeoutMs * 2, 'redis').catch(() => {});
    this.closed = true;
    this.cmd.disconnect();
    this.sub.disconnect();
    this.l1.clear();
  }
}
