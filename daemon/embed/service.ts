/**
 * The embedding pipeline, run in the background after lexical indexing:
 *
 * - picks the target model: the configured Ollama model, or the built-in static
 *   code model shipped with contextd (static-embedder.ts; nothing is trained at
 *   index time, so indexing one repository never re-embeds the others);
 * - embeds the live chunks that have no vector for that model yet, in batches;
 *   each batch is stored in one transaction (all of it or none), a failing batch
 *   is retried with backoff, and the next run picks up whatever is still missing;
 * - serves semantic queries from the "serving" model: the target as soon as
 *   nothing else serves, else the previous model until the target covers every
 *   live chunk, then the old model and its vectors are dropped.
 *
 * Vectors are cached by (chunk hash, model id): an unchanged chunk is never
 * embedded again, whatever branch, repository or re-index it comes back in.
 */
import { ContextdError, errorMessage } from '../errors.js';
import type { EmbeddingStore, VectorHit, VectorIndex } from '../store/vector-types.js';
import type { ViewFilter } from '../store/types.js';
import { OllamaEmbedder } from './ollama-embedder.js';
import { StaticCodeEmbedder } from './static-embedder.js';
import { EmbedderUnavailableError, type Embedder, type EmbeddingProgress } from './types.js';

export type EmbedProvider = 'builtin' | 'ollama' | 'off';

export interface EmbedSettings {
  provider: EmbedProvider;
  /** The Ollama model (ignored by the built-in provider). */
  model: string;
  ollamaHost: string;
  /** Chunks per embed call; 0 = the provider's default (built-in 512, Ollama 32). */
  batchSize: number;
  /** Embed calls in flight at once (Ollama requests; the built-in model runs inline). */
  workers: number;
  /** Vector count from which the in-process HNSW graph replaces the exact scan. */
  annThreshold: number;
  /** One embed call taking longer than this is abandoned and retried (ms). Default 60 s. */
  callTimeoutMs?: number;
}

export interface EmbedRunOptions {
  signal?: AbortSignal;
  onProgress?: (p: EmbeddingProgress) => void;
  /** Stop after this many chunks (the rest stays pending). */
  maxChunks?: number;
}

export interface EmbedRunSummary {
  model: string | null;
  embedded: number;
  total: number;
  /** Chunks embedded by this run. */
  added: number;
  trained: boolean;
  promoted: boolean;
  durationMs: number;
}

export interface EmbeddingServiceDeps {
  store: EmbeddingStore;
  index: VectorIndex;
  settings: EmbedSettings;
  /** Builds the embedder for a stored model id (tests inject fakes). */
  embedderFor?: (modelId: string, blob: Buffer | null) => Embedder | null;
  /** Retry delays (ms) for a failing batch; the run fails after the last. */
  retryDelaysMs?: number[];
  /** The built-in embedder (default: the shipped static code model, loaded on first use). */
  builtin?: () => Embedder;
}

const SERVING = 'serving';
/** An embed call slower than this shows as stalled in status (it is abandoned at callTimeoutMs). */
const STALL_AFTER_MS = 10_000;
const DEFAULT_CALL_TIMEOUT_MS = 60_000;
/** A query vector that takes longer than this is given up on: the search answers without it. */
const QUERY_TIMEOUT_MS = 2_000;
const QUERY_PROBE_MS = 30_000;

/** Rejects when `ms` pass first; the embedder gets an aborted signal so it can stop. */
async function withTimeout<T>(ms: number, signal: AbortSignal | undefined, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      run(ctl.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const err = new Error(`the embedder did not answer within ${Math.round(ms / 1000)} s`);
          ctl.abort(err);
          reject(err);
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
/** Providers of built-in models: their vectors are dropped once nothing serves or fills them. */
const BUILTIN_PROVIDERS = new Set(['static', 'codevec']);

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n);
  if (n > 0 && Math.abs(n - 1) > 1e-4) for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

export class EmbeddingService {
  private readonly embedders = new Map<string, Embedder>();
  private builtinEmbedder: Embedder | null = null;
  private running: Promise<EmbedRunSummary> | null = null;
  private followUp: Promise<EmbedRunSummary> | null = null;
  /** Aborted by close(): the running pass (training, a batch, a retry wait) ends at once. */
  private readonly closing = new AbortController();
  private state: EmbeddingProgress['state'];
  private lastError: string | null = null;
  private counts = { model: null as string | null, embedded: 0, total: 0, rate: 0 };
  private servingCache: { id: string | null; at: number } | null = null;
  /** When the embed call in flight started (null: none), and when the current trouble began. */
  private callStartedAt: number | null = null;
  private refreshedAt = 0;
  private lastQueryProbe = 0;
  private troubleSince: number | null = null;
  /** How many texts each embedder call was given (tests count calls through this). */
  readonly calls = { batches: 0, chunks: 0, failures: 0 };

  constructor(private readonly deps: EmbeddingServiceDeps) {
    this.state = deps.settings.provider === 'off' ? 'off' : 'idle';
  }

  get settings(): EmbedSettings {
    return this.deps.settings;
  }

  /** Progress for status output (cheap: no store access). */
  progress(): EmbeddingProgress {
    return {
      provider: this.deps.settings.provider,
      model: this.counts.model,
      servingModel: this.servingCache?.id ?? null,
      state: this.state,
      embedded: this.counts.embedded,
      total: this.counts.total,
      rate: this.counts.rate,
      lastError: this.lastError,
      stalled: this.stall(),
    };
  }

  /**
   * A call in flight for longer than STALL_AFTER_MS, or calls failing and being
   * retried: what is stuck, since when, and how many chunks wait on it.
   */
  private stall(): EmbeddingProgress['stalled'] {
    const now = Date.now();
    const slow = this.callStartedAt !== null && now - this.callStartedAt > STALL_AFTER_MS ? this.callStartedAt : null;
    const since = slow ?? this.troubleSince;
    if (since === null) return null;
    return {
      since,
      what: `${this.deps.settings.provider} embedder${this.deps.settings.provider === 'ollama' ? ` at ${this.deps.settings.ollamaHost}` : ''}`,
      reason: slow !== null ? `an embed call has not answered for ${Math.round((now - slow) / 1000)} s` : (this.lastError ?? 'failing'),
      waiting: Math.max(0, this.counts.total - this.counts.embedded),
    };
  }

  /** Fresh counts from the store (for `contextd status` and the CLI). */
  async refreshProgress(maxAgeMs = 0): Promise<EmbeddingProgress> {
    // Counting live chunks is a join over the whole store: status callers accept a few seconds' age.
    if (maxAgeMs > 0 && Date.now() - this.refreshedAt < maxAgeMs) return this.progress();
    this.refreshedAt = Date.now();
    if (this.deps.settings.provider !== 'off') {
      const target = await this.currentTarget();
      if (target) {
        const c = await this.deps.store.counts(target);
        this.counts = { ...this.counts, model: target, embedded: c.embedded, total: c.total };
      } else {
        const c = await this.deps.store.counts('');
        this.counts = { ...this.counts, model: null, embedded: 0, total: c.total };
      }
    }
    await this.servingModel(true);
    return this.progress();
  }

  /** Embeds what is missing for the target model. One run at a time: a second call joins the first. */
  embedPending(opts: EmbedRunOptions = {}): Promise<EmbedRunSummary> {
    if (this.running) {
      // Chunks may have arrived after the running pass listed its work: one more pass follows it.
      this.followUp ??= this.running
        .catch(() => undefined)
        .then(() => {
          this.followUp = null;
          return this.embedPending(opts);
        });
      return this.followUp;
    }
    if (this.closing.signal.aborted) return Promise.reject(new Error('the embedding service is closed'));
    // close() aborts a run in progress: a stop never waits for a whole embedding pass.
    const signal = opts.signal ? AbortSignal.any([opts.signal, this.closing.signal]) : this.closing.signal;
    this.running = this.run({ ...opts, signal }).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The model whose vectors answer queries. */
  async servingModel(fresh = false): Promise<string | null> {
    if (!fresh && this.servingCache && Date.now() - this.servingCache.at < 2000) return this.servingCache.id;
    const id = await this.deps.store.getSetting(SERVING);
    this.servingCache = { id, at: Date.now() };
    return id;
  }

  /** Nearest chunks to a query in the filtered view; [] when semantic search is off or unavailable. */
  async search(query: string, filter: ViewFilter, limit: number): Promise<VectorHit[]> {
    if (this.deps.settings.provider === 'off') return [];
    const modelId = await this.servingModel();
    if (!modelId) return [];
    const embedder = await this.embedder(modelId);
    if (!embedder) return [];
    // A stuck embedder must not slow searches down: skip it (lexical and symbols answer),
    // trying again at most every QUERY_PROBE_MS, and never wait long for a query vector.
    if (this.troubleSince !== null && Date.now() - this.lastQueryProbe < QUERY_PROBE_MS) return [];
    this.lastQueryProbe = Date.now();
    let vector: Float32Array;
    try {
      [vector] = await withTimeout(QUERY_TIMEOUT_MS, undefined, (s) => embedder.embed([query], 'query', s));
      if (!this.running) this.troubleSince = null;
    } catch (err) {
      this.lastError = `query embedding failed: ${errorMessage(err)}`;
      this.troubleSince ??= Date.now();
      return [];
    }
    if (!vector || !vector.some((x) => x !== 0)) return []; // no known word: nothing to say
    return this.deps.index.search({ ...filter, modelId, vector: normalize(vector), limit });
  }

  async close(): Promise<void> {
    this.closing.abort(new Error('the daemon is stopping'));
    await this.running?.catch(() => {});
    await this.followUp?.catch(() => {});
    await this.deps.index.close();
    for (const e of this.embedders.values()) await e.close();
    this.embedders.clear();
  }

  /** The model the pipeline fills now (without training one). */
  private async currentTarget(): Promise<string | null> {
    const s = this.deps.settings;
    if (s.provider === 'ollama') return `ollama:${s.model}`;
    if (s.provider === 'builtin') return this.builtin().modelId;
    return null;
  }

  /** The shipped model (loaded once; its id carries the weights' hash). */
  private builtin(): Embedder {
    this.builtinEmbedder ??= this.deps.builtin?.() ?? new StaticCodeEmbedder();
    return this.builtinEmbedder;
  }

  private async embedder(modelId: string): Promise<Embedder | null> {
    const cached = this.embedders.get(modelId);
    if (cached) return cached;
    const blob = await this.deps.store.getModelBlob(modelId);
    let e: Embedder | null = this.deps.embedderFor?.(modelId, blob) ?? null;
    if (!e) {
      if (this.deps.settings.provider === 'builtin' && modelId === this.builtin().modelId) e = this.builtin();
      else if (modelId.startsWith('ollama:')) e = new OllamaEmbedder({ host: this.deps.settings.ollamaHost, model: modelId.slice('ollama:'.length) });
    }
    if (e) this.embedders.set(modelId, e);
    return e;
  }

  /** The target model, registered in the store on first use. */
  private async ensureTarget(): Promise<{ id: string; trained: boolean }> {
    const s = this.deps.settings;
    const store = this.deps.store;
    if (s.provider === 'ollama') {
      const id = `ollama:${s.model}`;
      if (!(await store.getModel(id))) await store.putModel({ id, provider: 'ollama', dim: 0, createdAt: Date.now(), trainedChunks: 0 }, null);
      return { id, trained: false };
    }
    const e = this.builtin();
    if (!(await store.getModel(e.modelId)))
      await store.putModel({ id: e.modelId, provider: e.name, dim: e.dimension, createdAt: Date.now(), trainedChunks: 0 }, null);
    return { id: e.modelId, trained: false };
  }

  private async run(opts: EmbedRunOptions): Promise<EmbedRunSummary> {
    const started = performance.now();
    const s = this.deps.settings;
    const { store, index } = this.deps;
    const empty = { model: null, embedded: 0, total: 0, added: 0, trained: false, promoted: false, durationMs: 0 };
    if (s.provider === 'off') return empty;
    const report = () => opts.onProgress?.(this.progress());
    try {
      let target: { id: string; trained: boolean };
      try {
        target = await this.ensureTarget();
      } catch (err) {
        if (err instanceof ContextdError && err.code === 'nothing-to-embed') {
          this.state = 'idle';
          return { ...empty, durationMs: Math.round(performance.now() - started) };
        }
        throw err;
      }
      const embedder = await this.embedder(target.id);
      if (!embedder) throw new Error(`no embedder for model ${target.id}`);
      if (!(await this.servingModel(true))) await this.promote(target.id, null);

      this.state = 'embedding';
      const c0 = await store.counts(target.id);
      this.counts = { model: target.id, embedded: c0.embedded, total: c0.total, rate: 0 };
      report();
      const batchSize = s.batchSize || (s.provider === 'ollama' ? 32 : 512);
      const parallel = s.provider === 'ollama' ? Math.max(1, s.workers) : Math.max(1, embedder.concurrency ?? 1);
      const t0 = performance.now();
      let added = 0;
      let after = '';
      const limit = opts.maxChunks ?? Infinity;
      while (added < limit) {
        opts.signal?.throwIfAborted();
        const rows = await store.pendingChunks(target.id, Math.min(batchSize * parallel, limit - added), after);
        if (!rows.length) break;
        after = rows[rows.length - 1].hash;
        const batches: (typeof rows)[] = [];
        for (let i = 0; i < rows.length; i += batchSize) batches.push(rows.slice(i, i + batchSize));
        await Promise.all(
          batches.map(async (batch) => {
            const vectors = await this.embedWithRetry(
              embedder,
              batch.map((r) => r.text),
              opts.signal,
            );
            await store.putVectors(
              target.id,
              batch.map((r, i) => ({ hash: r.hash, vector: normalize(vectors[i]) })),
            );
            if (s.provider === 'ollama' && embedder.dimension) {
              const m = await store.getModel(target.id);
              if (m && m.dim !== embedder.dimension) await store.putModel({ ...m, dim: embedder.dimension }, null);
            }
            added += batch.length;
            this.counts.embedded += batch.length;
            this.counts.rate = Math.round((added / Math.max(1e-3, (performance.now() - t0) / 1000)) * 10) / 10;
            index.invalidate(target.id);
            report();
          }),
        );
        // Keep the event loop responsive between batches (the built-in model embeds inline).
        await new Promise((r) => setImmediate(r));
      }
      await index.flush();
      const c1 = await store.counts(target.id);
      this.counts.embedded = c1.embedded;
      this.counts.total = c1.total;
      let promoted = false;
      const serving = await this.servingModel(true);
      if (c1.embedded >= c1.total && serving !== target.id) {
        await this.promote(target.id, serving);
        promoted = true;
      }
      this.state = 'idle';
      this.lastError = null;
      report();
      return {
        model: target.id,
        embedded: c1.embedded,
        total: c1.total,
        added,
        trained: target.trained,
        promoted,
        durationMs: Math.round(performance.now() - started),
      };
    } catch (err) {
      if (opts.signal?.aborted) {
        this.state = 'idle';
        throw err;
      }
      this.state = 'error';
      this.lastError = errorMessage(err);
      report();
      throw err;
    }
  }

  /** The target now answers queries; the model it replaces is dropped with its vectors. */
  private async promote(target: string, previous: string | null): Promise<void> {
    await this.deps.store.setSetting(SERVING, target);
    this.servingCache = { id: target, at: Date.now() };
    if (previous && previous !== target) {
      await this.deps.store.dropModel(previous);
      await this.deps.index.drop(previous);
      const e = this.embedders.get(previous);
      this.embedders.delete(previous);
      await e?.close();
    }
    // Built-in models nobody serves or fills any more (an older release's) are dead weight.
    const keep = new Set([target, await this.currentTarget()]);
    for (const m of await this.deps.store.listModels()) {
      if (BUILTIN_PROVIDERS.has(m.provider) && !keep.has(m.id)) {
        await this.deps.store.dropModel(m.id);
        await this.deps.index.drop(m.id);
      }
    }
  }

  private async embedWithRetry(embedder: Embedder, texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const delays = this.deps.retryDelaysMs ?? [500, 2000, 8000];
    for (let attempt = 0; ; attempt++) {
      try {
        this.calls.batches++;
        this.calls.chunks += texts.length;
        this.callStartedAt = Date.now();
        const vectors = await withTimeout(this.deps.settings.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, signal, (s) =>
          embedder.embed(texts, 'document', s),
        ).finally(() => {
          this.callStartedAt = null;
        });
        if (vectors.length !== texts.length) throw new Error(`the embedder returned ${vectors.length} vectors for ${texts.length} texts`);
        const dim = vectors[0]?.length ?? 0;
        if (!dim || vectors.some((v) => v.length !== dim || v.some((x) => !Number.isFinite(x)))) throw new Error('the embedder returned malformed vectors');
        this.troubleSince = null;
        return vectors;
      } catch (err) {
        this.calls.failures++;
        this.troubleSince ??= Date.now();
        const retryable = !(err instanceof EmbedderUnavailableError) || err.retryable;
        if (signal?.aborted || !retryable || attempt >= delays.length) throw err;
        this.lastError = `${errorMessage(err)} (retrying)`;
        await sleep(delays[attempt], signal);
      }
    }
  }
}
