/**
 * The vector index on Qdrant (@qdrant/js-client-rest), behind the VectorIndex
 * contract. The EmbeddingStore (SQLite or PostgreSQL) stays the source of truth
 * and the embedding cache; Qdrant holds a mirror of its vectors and answers
 * nearest-neighbour queries with the view's filters pushed down.
 *
 * - One collection per (store, model, dimension):
 *   `<prefix>_<store id>_<model>-<hash>_<dim>`, cosine distance. The point id is
 *   the store's vector key, so daemons that share a store share its collections
 *   (and daemons with different stores never mix ids).
 * - Payload: `chunk_hash` and `language` (a chunk's language is part of its
 *   content hash, so it never changes), each with a keyword payload index.
 * - View membership (repository, path) changes with every commit and branch
 *   switch while a chunk's vector does not, so it is not copied into payloads
 *   (a lagging copy would lose hits). The store decides membership: a filtered
 *   query first asks Qdrant with the language filter pushed down and maps the
 *   candidates through the store's view; when the view is a small part of the
 *   collection and too few candidates survive, the view's own vector keys
 *   (at most `maxFilterIds`) are pushed down as a `has_id` filter, else more
 *   pages are read. A hit therefore always belongs to a checked-out view.
 * - Sync: `invalidate()` schedules a background upsert of the vectors stored since
 *   the last synced key (a watermark kept in the store's settings), in batches;
 *   a count mismatch afterwards repairs the mirror (re-upsert after Qdrant lost
 *   data, delete points whose vectors were pruned). `flush()` waits for it.
 * - Faults: every call has a timeout; a failure opens a circuit breaker, so
 *   while Qdrant is down or hanging semantic search answers nothing at once
 *   (lexical, symbol and history search are unaffected) and syncing retries with
 *   jittered backoff. Nothing is lost: the vectors are in the store.
 */
import { createHash } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import { BackendUnavailableError, CircuitBreaker, redactUrl } from '../backends/backoff.js';
import type { BackendReport } from '../backends/health.js';
import type { ViewFilter } from '../store/types.js';
import type { EmbeddingStore, KeyedVector, VectorHit, VectorIndex, VectorQuery } from '../store/vector-types.js';

export interface QdrantIndexOptions {
  url: string;
  apiKey?: string | null;
  collectionPrefix: string;
  /** Identifies the store whose vector keys are the point ids. */
  storeId: string;
  /** Per query (ms). */
  timeoutMs: number;
  /** Per write request (ms). */
  writeTimeoutMs: number;
  /** Points per upsert. */
  batchSize: number;
  /** Largest view pushed down as an id set. */
  maxFilterIds: number;
  /** Delay before a background sync after `invalidate` (ms), so batches coalesce. */
  syncDelayMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  onEvent?: (level: 'info' | 'warn', message: string, data?: Record<string, unknown>) => void;
}

interface ModelState {
  modelId: string;
  collection: string | null;
  dim: number;
  /** Highest store key known to be in Qdrant. */
  watermark: number;
  points: number | null;
  storeCount: number | null;
  syncing: Promise<void> | null;
  again: boolean;
  timer: NodeJS.Timeout | null;
  lastSyncAt: number | null;
  lastError: string | null;
  failures: number;
}

interface ScoredPoint {
  id: string | number;
  score: number;
}

type Condition = Record<string, unknown>;

const PAGE = 1000;

export function collectionName(prefix: string, storeId: string, modelId: string, dim: number): string {
  const safe = modelId.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60);
  const h = createHash('sha1').update(modelId).digest('hex').slice(0, 6);
  return `${prefix}_${storeId}_${safe}-${h}_${dim}`;
}

/** A short, actionable description of a client error (status and Qdrant's own message when there is one). */
export function qdrantError(err: unknown): string {
  const e = err as { status?: number; data?: { status?: { error?: string } }; message?: string; name?: string; cause?: { code?: string } };
  if (e?.data?.status?.error) return `Qdrant answered ${e.status}: ${e.data.status.error}`;
  if (e?.name === 'QdrantClientTimeoutError' || e?.name === 'TimeoutError') return 'Qdrant did not answer in time';
  const code = e?.cause?.code;
  if (code) return `cannot reach Qdrant (${code})`;
  if (/fetch failed/i.test(e?.message ?? '')) return `cannot reach Qdrant (${(e.cause as { message?: string } | undefined)?.message ?? 'network error'})`;
  return e?.message || String(err);
}

function isNotFound(err: unknown): boolean {
  return (err as { status?: number })?.status === 404;
}

export class QdrantVectorIndex implements VectorIndex {
  readonly backend = 'qdrant';
  private readonly reader: QdrantClient;
  private readonly writer: QdrantClient;
  private readonly breaker: CircuitBreaker;
  private readonly models = new Map<string, ModelState>();
  private readonly ensured = new Set<string>();
  private version: string | null = null;
  private latencyMs: number | null = null;
  private closed = false;
  /** Counters for tests and status. */
  readonly stats = { queries: 0, idFilterQueries: 0, pagedQueries: 0, upserted: 0, deleted: 0, resyncs: 0, skipped: 0 };

  constructor(
    private readonly store: EmbeddingStore,
    private readonly opts: QdrantIndexOptions,
  ) {
    const common = { url: opts.url, apiKey: opts.apiKey ?? undefined, checkCompatibility: false };
    this.reader = new QdrantClient({ ...common, timeout: opts.timeoutMs });
    this.writer = new QdrantClient({ ...common, timeout: opts.writeTimeoutMs });
    this.breaker = new CircuitBreaker({ baseMs: opts.retryBaseMs ?? 500, maxMs: opts.retryMaxMs ?? 60_000 });
  }

  private state(modelId: string): ModelState {
    let s = this.models.get(modelId);
    if (!s) {
      s = {
        modelId,
        collection: null,
        dim: 0,
        watermark: -1,
        points: null,
        storeCount: null,
        syncing: null,
        again: false,
        timer: null,
        lastSyncAt: null,
        lastError: null,
        failures: 0,
      };
      this.models.set(modelId, s);
    }
    return s;
  }

  private watermarkKey(collection: string): string {
    return `qdrant:${new URL(this.opts.url).host}:${collection}`;
  }

  /** The collection of a model (null while its dimension is unknown). */
  private async collectionFor(s: ModelState): Promise<string | null> {
    if (s.collection) return s.collection;
    const model = await this.store.getModel(s.modelId);
    if (!model?.dim) return null;
    s.dim = model.dim;
    s.collection = collectionName(this.opts.collectionPrefix, this.opts.storeId, s.modelId, model.dim);
    return s.collection;
  }

  // ---- queries ----

  async search(q: VectorQuery): Promise<VectorHit[]> {
    if (q.limit <= 0 || this.closed) return [];
    const s = this.state(q.modelId);
    if (s.watermark < 0 && !s.syncing) this.schedule(s, 0);
    const collection = await this.collectionFor(s);
    if (!collection) return [];
    if (s.dim && q.vector.length !== s.dim) throw new Error(`query vector has ${q.vector.length} dimensions, the index ${s.dim}`);
    try {
      return await this.breaker.run('qdrant', () => this.searchIn(collection, q));
    } catch (err) {
      // Down, hanging or refusing: semantic search answers nothing (the others still do); status says why.
      if (err instanceof BackendUnavailableError) this.stats.skipped++;
      else {
        s.lastError = qdrantError(err);
        this.opts.onEvent?.('warn', 'qdrant query failed; semantic search is off until it answers', { error: s.lastError });
        if (isNotFound(err)) {
          this.ensured.delete(collection);
          s.watermark = -1;
          this.schedule(s, 0);
        }
      }
      return [];
    }
  }

  private async searchIn(collection: string, q: VectorQuery): Promise<VectorHit[]> {
    this.stats.queries++;
    const vector = Array.from(q.vector);
    const byView = !!(q.repoIds?.length || q.pathRegexes?.length);
    const languageFilter = q.languages?.length ? this.languageFilter(q.languages) : undefined;
    // Occurrences per chunk and the view filter both thin the candidates: ask for more.
    const want = Math.max(q.limit * (byView || languageFilter ? 8 : 3), 64);
    const first = await this.query(collection, vector, want, 0, languageFilter);
    let hits = await this.toHits(q.modelId, first, q);
    if (hits.length >= q.limit || first.length < want) return hits.slice(0, q.limit);
    if (byView) {
      // A narrow view: push its own vector keys down, when there are not too many.
      const keys = await this.store.keysInView(q.modelId, q);
      if (!keys.length) return [];
      if (keys.length <= this.opts.maxFilterIds) {
        this.stats.idFilterQueries++;
        const points = await this.query(collection, vector, Math.min(keys.length, Math.max(q.limit * 3, 64)), 0, { must: [{ has_id: keys }] });
        return (await this.toHits(q.modelId, points, q)).slice(0, q.limit);
      }
    }
    // A broad view that still came up short: read further pages (bounded).
    for (let page = 1; page < 4 && hits.length < q.limit; page++) {
      this.stats.pagedQueries++;
      const more = await this.query(collection, vector, want, page * want, languageFilter);
      if (!more.length) break;
      hits = mergeHits(hits, await this.toHits(q.modelId, more, q));
      if (more.length < want) break;
    }
    return hits.slice(0, q.limit);
  }

  /** Chunks of these languages, plus points written without a language (the store filters those). */
  private languageFilter(languages: string[]): { should: Condition[] } {
    return { should: [{ key: 'language', match: { any: languages } }, { is_empty: { key: 'language' } }] };
  }

  private async query(collection: string, vector: number[], limit: number, offset: number, filter?: Condition): Promise<ScoredPoint[]> {
    const t0 = performance.now();
    const res = await this.reader.query(collection, { query: vector, limit, offset: offset || undefined, filter, with_payload: false, with_vector: false });
    this.latencyMs = Math.round((performance.now() - t0) * 10) / 10;
    return res.points as ScoredPoint[];
  }

  private async toHits(modelId: string, points: ScoredPoint[], filter: ViewFilter): Promise<VectorHit[]> {
    if (!points.length) return [];
    const sim = new Map(points.map((p) => [Number(p.id), p.score]));
    const occ = await this.store.occurrencesForKeys(modelId, [...sim.keys()], filter);
    const hits = occ.map(({ key, ...row }) => ({ ...row, similarity: sim.get(key) ?? 0 }));
    hits.sort((a, b) => b.similarity - a.similarity || a.path.localeCompare(b.path) || a.startLine - b.startLine);
    return hits;
  }

  // ---- sync ----

  invalidate(modelId: string): void {
    if (this.closed) return;
    this.schedule(this.state(modelId), this.opts.syncDelayMs ?? 200);
  }

  private schedule(s: ModelState, delayMs: number): void {
    if (this.closed) return;
    if (s.syncing) {
      s.again = true;
      return;
    }
    if (s.timer) {
      if (delayMs > 0) return;
      clearTimeout(s.timer);
    }
    s.timer = setTimeout(() => {
      s.timer = null;
      void this.sync(s);
    }, delayMs);
    s.timer.unref?.();
  }

  /** One sync of a model at a time; a request during a sync runs another right after. */
  private sync(s: ModelState): Promise<void> {
    if (s.syncing) {
      s.again = true;
      return s.syncing;
    }
    s.syncing = (async () => {
      try {
        do {
          s.again = false;
          await this.syncOnce(s);
        } while (s.again && !this.closed);
        s.failures = 0;
        s.lastError = null;
      } catch (err) {
        s.failures++;
        s.lastError = err instanceof BackendUnavailableError ? (this.breaker.lastError ?? err.message) : qdrantError(err);
        if (!(err instanceof BackendUnavailableError)) this.opts.onEvent?.('warn', 'qdrant sync failed; will retry', { model: s.modelId, error: s.lastError });
        if (!this.closed) {
          // Retry when the breaker lets a probe through (jittered exponential backoff).
          const t = setTimeout(() => void this.sync(s), Math.max(this.breaker.retryInMs(), 50));
          t.unref?.();
        }
      } finally {
        s.syncing = null;
      }
    })();
    return s.syncing;
  }

  private write<T>(fn: () => Promise<T>): Promise<T> {
    return this.breaker.run('qdrant', fn);
  }

  private async syncOnce(s: ModelState): Promise<void> {
    const collection = await this.collectionFor(s);
    if (!collection) return; // dimension not known yet (no vector stored)
    if (!this.version) {
      const t0 = performance.now();
      this.version = (await this.write(() => this.writer.versionInfo())).version ?? null;
      this.latencyMs = Math.round((performance.now() - t0) * 10) / 10;
    }
    const created = await this.ensureCollection(collection, s.dim);
    const key = this.watermarkKey(collection);
    if (created) {
      s.watermark = 0;
      await this.store.setSetting(key, '0');
    } else if (s.watermark < 0) {
      s.watermark = Number((await this.store.getSetting(key)) ?? 0) || 0;
    }
    let repaired = false;
    for (;;) {
      await this.upsertFrom(s, collection, key);
      const stats = await this.store.vectorStats(s.modelId);
      const points = await this.write(() => this.writer.count(collection, { exact: true }));
      s.storeCount = stats.count;
      s.points = points.count;
      if (points.count < stats.count && !repaired) {
        // Qdrant lost points (restarted without storage, collection recreated): upsert everything again.
        this.stats.resyncs++;
        repaired = true;
        s.watermark = 0;
        await this.store.setSetting(key, '0');
        this.opts.onEvent?.('warn', 'qdrant holds fewer vectors than the store; upserting them again', {
          collection,
          points: points.count,
          stored: stats.count,
        });
        continue;
      }
      if (points.count > stats.count) await this.deleteOrphans(s, collection);
      break;
    }
    s.lastSyncAt = Date.now();
  }

  private async upsertFrom(s: ModelState, collection: string, key: string): Promise<void> {
    for (;;) {
      const rows = await this.store.scanVectors(s.modelId, s.watermark, this.opts.batchSize);
      if (!rows.length) return;
      const fresh = rows.filter((r) => r.vector.length === s.dim);
      if (fresh.length) {
        await this.write(() => this.writer.upsert(collection, { wait: true, points: fresh.map(toPoint) }));
        this.stats.upserted += fresh.length;
      }
      s.watermark = rows[rows.length - 1].key;
      await this.store.setSetting(key, String(s.watermark));
      if (rows.length < this.opts.batchSize || this.closed) return;
    }
  }

  /** Deletes points whose vectors the store no longer has (pruned chunks). */
  private async deleteOrphans(s: ModelState, collection: string): Promise<void> {
    let offset: string | number | null | undefined = undefined;
    let removed = 0;
    do {
      const page: { points: { id: string | number }[]; next_page_offset?: unknown } = await this.write(() =>
        this.writer.scroll(collection, { limit: PAGE, offset: offset ?? undefined, with_payload: false, with_vector: false }),
      );
      const ids = page.points.map((p) => Number(p.id));
      const live = new Set((await this.store.vectorsByKey(s.modelId, ids)).map((v) => v.key));
      const gone = ids.filter((id) => !live.has(id));
      if (gone.length) {
        await this.write(() => this.writer.delete(collection, { wait: true, points: gone }));
        removed += gone.length;
      }
      offset = (page.next_page_offset as string | number | null | undefined) ?? null;
    } while (offset !== null && offset !== undefined && !this.closed);
    this.stats.deleted += removed;
    if (removed) this.opts.onEvent?.('info', 'qdrant: deleted vectors of pruned chunks', { collection, removed });
  }

  /** Creates the collection and its payload indexes when missing; true when it was created. */
  private async ensureCollection(collection: string, dim: number): Promise<boolean> {
    if (this.ensured.has(collection)) return false;
    const { exists } = await this.write(() => this.writer.collectionExists(collection));
    let created = false;
    if (!exists) {
      try {
        await this.write(() => this.writer.createCollection(collection, { vectors: { size: dim, distance: 'Cosine' } }));
        created = true;
      } catch (err) {
        // Another daemon sharing the store created it first.
        if ((err as { status?: number })?.status !== 409) throw err;
      }
      for (const field of ['chunk_hash', 'language']) {
        await this.write(() => this.writer.createPayloadIndex(collection, { field_name: field, field_schema: 'keyword', wait: true }));
      }
      this.opts.onEvent?.('info', 'qdrant collection created', { collection, dim });
    }
    this.ensured.add(collection);
    return created;
  }

  async flush(): Promise<void> {
    // Wait for what is scheduled or running (a failing Qdrant fails fast through the breaker).
    const pending = [...this.models.values()].filter((s) => s.timer || s.syncing);
    await Promise.all(
      pending.map((s) => {
        if (s.timer) {
          clearTimeout(s.timer);
          s.timer = null;
        }
        return this.sync(s);
      }),
    );
  }

  async drop(modelId: string): Promise<void> {
    const s = this.models.get(modelId);
    if (s?.timer) clearTimeout(s.timer);
    this.models.delete(modelId);
    const base = collectionName(this.opts.collectionPrefix, this.opts.storeId, modelId, 0).replace(/_0$/, '_');
    try {
      const { collections } = await this.write(() => this.writer.getCollections());
      for (const c of collections.filter((c) => c.name.startsWith(base))) {
        await this.write(() => this.writer.deleteCollection(c.name));
        this.ensured.delete(c.name);
        await this.store.setSetting(this.watermarkKey(c.name), null);
      }
    } catch (err) {
      this.opts.onEvent?.('warn', 'cannot delete the qdrant collection of a dropped model', { model: modelId, error: qdrantError(err) });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.models.values()) if (s.timer) clearTimeout(s.timer);
    await Promise.allSettled([...this.models.values()].map((s) => s.syncing));
  }

  // ---- health ----

  report(): BackendReport {
    const url = redactUrl(this.opts.url);
    const models = [...this.models.values()].filter((s) => s.collection);
    const lagging = models.filter((s) => s.points !== null && s.storeCount !== null && s.points < s.storeCount);
    const err = this.breaker.lastError ?? models.find((s) => s.lastError)?.lastError ?? null;
    const down = this.breaker.state !== 'closed';
    const collections = models.map((s) => `${s.collection} (${s.points ?? '?'} of ${s.storeCount ?? '?'} vectors)`).join(', ');
    return {
      name: 'vectors',
      kind: 'qdrant',
      state: down ? 'down' : lagging.length || models.some((s) => s.lastError) ? 'degraded' : 'ok',
      configured: true,
      url,
      version: this.version,
      latencyMs: this.latencyMs,
      detail: down
        ? `unreachable${err ? ` (${err})` : ''}: semantic search is off, lexical/symbol/history search answer; vectors stay in the store and sync when it is back (retry in ${Math.ceil(this.breaker.retryInMs() / 1000)} s)`
        : collections
          ? `${collections}${lagging.length ? '; syncing' : ''}`
          : 'no collection yet (nothing embedded)',
      fix: down ? `start Qdrant at ${url}, or unset CONTEXTD_QDRANT_URL / [qdrant] url to use the embedded index` : undefined,
    };
  }

  /** Live check: version, latency, and the collections this store uses. */
  async probe(timeoutMs = 3000): Promise<BackendReport> {
    const client = new QdrantClient({ url: this.opts.url, apiKey: this.opts.apiKey ?? undefined, checkCompatibility: false, timeout: timeoutMs });
    try {
      const t0 = performance.now();
      const info = await client.versionInfo();
      this.latencyMs = Math.round((performance.now() - t0) * 10) / 10;
      this.version = info.version ?? null;
      this.breaker.success();
      return this.report();
    } catch (err) {
      const why = qdrantError(err);
      return {
        ...this.report(),
        state: 'down',
        detail: `${why}: semantic search is off (lexical/symbol/history search answer)`,
        fix:
          (err as { status?: number })?.status === 401 || (err as { status?: number })?.status === 403
            ? 'set the API key: CONTEXTD_QDRANT_API_KEY or [qdrant] apiKey'
            : `start Qdrant at ${redactUrl(this.opts.url)} (e.g. docker run -p 6333:6333 qdrant/qdrant), or unset CONTEXTD_QDRANT_URL`,
      };
    }
  }
}

function toPoint(r: KeyedVector): { id: number; vector: number[]; payload: Record<string, string> } {
  return { id: r.key, vector: Array.from(r.vector), payload: r.language ? { chunk_hash: r.hash, language: r.language } : { chunk_hash: r.hash } };
}

function mergeHits(a: VectorHit[], b: VectorHit[]): VectorHit[] {
  const seen = new Set(a.map((h) => h.occurrenceId));
  const out = [...a, ...b.filter((h) => !seen.has(h.occurrenceId))];
  out.sort((x, y) => y.similarity - x.similarity || x.path.localeCompare(y.path) || x.startLine - y.startLine);
  return out;
}
