/**
 * The embedded vector index: the EmbeddingStore (SQLite) is the source of truth;
 * this keeps an in-process copy for speed.
 *
 * - Below `annThreshold` vectors: an exact scan over a packed float32 matrix
 *   (100k x 128 dims is ~15 ms; small repositories never pay for a graph).
 * - From `annThreshold` up: a usearch HNSW graph (cosine, int8 components: a quarter
 *   of the memory and a third of the build CPU of float32), saved under the data
 *   dir with a sidecar saying which rows it holds, so a restart loads it and only
 *   adds the rows stored since (a mismatch rebuilds it from the store).
 * - A graph that must be built (or rebuilt) is built in the background, a page of
 *   rows per turn of the event loop: searches meanwhile get the previous graph, or
 *   no vector hits and `partial()` true (so their answers are not cached); a search
 *   never waits for a build. The daemon asks for it ahead of the first search (`warm`).
 *
 * Filters (repo, language, path) are applied by the store when hits are mapped to
 * chunk occurrences. When a filter is so narrow that the approximate candidates
 * hold too few matches, the search is redone exactly over the view's own vectors.
 * Vectors are unit length, so cosine similarity is a dot product.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Index } from 'usearch';
import type { ViewFilter } from '../store/types.js';
import type { EmbeddingStore, KeyedVector, VectorHit, VectorIndex, VectorQuery } from '../store/vector-types.js';

export interface LocalVectorIndexOptions {
  /** Directory for saved graphs; null keeps everything in memory. */
  dir: string | null;
  /** Vector count from which an HNSW graph is used instead of an exact scan. */
  annThreshold?: number;
  /** Re-check the store for new or removed vectors at most this often without an invalidate (ms). */
  recheckMs?: number;
}

interface Loaded {
  dim: number;
  count: number;
  maxKey: number;
  /** Exact mode. */
  keys: number[] | null;
  matrix: Float32Array | null;
  /** ANN mode. */
  ann: Index | null;
  dirty: boolean;
  checkedAt: number;
  stale: boolean;
}

const PAGE = 5000;
/** Rows added to a graph per turn of the event loop while building (~50 ms of CPU each). */
const BUILD_PAGE = 500;
/** Graph settings; part of the sidecar, so a graph saved with others is rebuilt. */
const GRAPH = { quantization: 'i8', connectivity: 16, expansionAdd: 64, expansionSearch: 96 } as const;

type Usearch = typeof import('usearch');
let usearch: Usearch | null = null;

/**
 * usearch (a native addon) loads when a graph is first needed: below annThreshold it
 * never is, and every CLI start would pay for it. (Importing it eagerly also made any
 * `node -e` that loads the engine spin: usearch looks for its build from the caller's
 * file, which an eval does not have.)
 */
async function loadUsearch(): Promise<Usearch> {
  usearch ??= await import('usearch');
  return usearch;
}

function safeName(modelId: string): string {
  return modelId.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export class LocalVectorIndex implements VectorIndex {
  readonly backend = 'usearch';
  private readonly models = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded | null>>();
  private readonly annThreshold: number;
  private readonly recheckMs: number;
  /** Counters for tests and status. */
  readonly stats = { builds: 0, loadsFromDisk: 0, exactFallbacks: 0 };
  /** Graph builds running in the background, per model. */
  private readonly building = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly store: EmbeddingStore,
    private readonly opts: LocalVectorIndexOptions,
  ) {
    this.annThreshold = opts.annThreshold ?? 20_000;
    this.recheckMs = opts.recheckMs ?? 30_000;
  }

  /** 'exact' or 'hnsw' for a loaded model (null when not loaded yet). */
  mode(modelId: string): 'exact' | 'hnsw' | null {
    const m = this.models.get(modelId);
    return m ? (m.ann ? 'hnsw' : 'exact') : null;
  }

  invalidate(modelId: string): void {
    const m = this.models.get(modelId);
    if (m) m.stale = true;
  }

  /** True while a graph is being built: vector answers are missing or from the previous graph. */
  partial(): boolean {
    return this.building.size > 0;
  }

  /** Resolves when no graph build runs (tests, benchmarks). */
  async settled(): Promise<void> {
    while (this.loading.size || this.building.size) await Promise.all([...this.loading.values(), ...this.building.values()]);
  }

  /** Load or build a model's index now, in the background (the daemon, after embedding): the first search then finds it ready. */
  warm(modelId: string): void {
    void this.ready(modelId).catch(() => {});
  }

  async search(q: VectorQuery): Promise<VectorHit[]> {
    const m = await this.ready(q.modelId);
    if (!m || m.count === 0 || q.limit <= 0) return [];
    if (q.vector.length !== m.dim) throw new Error(`query vector has ${q.vector.length} dimensions, the index ${m.dim}`);
    const filtered = !!(q.repoIds?.length || q.languages?.length || q.pathRegexes?.length);
    // Ask for more than needed: several occurrences may share a chunk, and filters drop some.
    // A filtered search asks for 2x first (a view that holds most vectors, the usual case,
    // fills the page from those: mapping 8x the keys to occurrences was most of a semantic
    // search on 200k chunks), then 8x; hits found are the view's nearest either way.
    let want = 0;
    let cands: { key: number; sim: number }[] = [];
    let hits: VectorHit[] = [];
    for (const factor of filtered ? [2, 8] : [3]) {
      want = Math.min(m.count, Math.max(q.limit * factor, 64));
      cands = this.nearest(m, q.vector, want);
      hits = await this.toHits(q.modelId, cands, q);
      if (hits.length >= q.limit || cands.length < want) break;
    }
    if (hits.length < q.limit && filtered && cands.length === want) {
      // The view is a small part of the index: search exactly among its own vectors.
      this.stats.exactFallbacks++;
      const keys = await this.store.keysInView(q.modelId, q);
      const rows = await this.store.vectorsByKey(q.modelId, keys);
      hits = await this.toHits(q.modelId, exactTop(rows, q.vector, q.limit * 3), q);
    }
    return hits.slice(0, q.limit);
  }

  private async toHits(modelId: string, cands: { key: number; sim: number }[], filter: ViewFilter & { limit: number }): Promise<VectorHit[]> {
    if (!cands.length) return [];
    const sim = new Map(cands.map((c) => [c.key, c.sim]));
    const occ = await this.store.occurrencesForKeys(
      modelId,
      cands.map((c) => c.key),
      filter,
    );
    const hits = occ.map(({ key, ...row }) => ({ ...row, similarity: sim.get(key) ?? 0 }));
    hits.sort((a, b) => b.similarity - a.similarity || a.path.localeCompare(b.path) || a.startLine - b.startLine);
    return hits;
  }

  private nearest(m: Loaded, v: Float32Array, k: number): { key: number; sim: number }[] {
    if (m.ann) {
      const res = m.ann.search(v, k, 1);
      const out: { key: number; sim: number }[] = [];
      for (let i = 0; i < res.keys.length; i++) out.push({ key: Number(res.keys[i]), sim: 1 - res.distances[i] });
      return out;
    }
    const { keys, matrix } = m;
    if (!keys || !matrix) return [];
    const dim = m.dim;
    const scores = new Float32Array(keys.length);
    for (let r = 0, o = 0; r < keys.length; r++, o += dim) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += matrix[o + c] * v[c];
      scores[r] = s;
    }
    return topK(scores, k).map((i) => ({ key: keys[i], sim: scores[i] }));
  }

  /** The model's index, loaded or built, caught up with the store. */
  private async ready(modelId: string): Promise<Loaded | null> {
    const m = this.models.get(modelId);
    if (m && !m.stale && Date.now() - m.checkedAt < this.recheckMs) return m;
    // A graph being built: answer from what is loaded (possibly nothing) rather than wait.
    if (this.building.has(modelId)) return m ?? null;
    let p = this.loading.get(modelId);
    if (!p) {
      p = this.catchUp(modelId, m ?? null).finally(() => this.loading.delete(modelId));
      this.loading.set(modelId, p);
    }
    const next = await p;
    if (next) this.models.set(modelId, next);
    return next ?? m ?? null;
  }

  /** The model's index caught up with the store, or null when a graph build had to start (it runs in the background). */
  private async catchUp(modelId: string, m: Loaded | null): Promise<Loaded | null> {
    const stats = await this.store.vectorStats(modelId);
    if (stats.count >= this.annThreshold) await loadUsearch();
    const model = await this.store.getModel(modelId);
    const dim = model?.dim ?? 0;
    if (m && m.dim === dim && stats.maxKey >= m.maxKey) {
      // Only new rows since: append them (a row removed since shows up as a count mismatch).
      const wantAnn = stats.count >= this.annThreshold;
      if (!!m.ann === wantAnn) {
        await this.appendFrom(modelId, m);
        if (m.count === stats.count) {
          m.stale = false;
          m.checkedAt = Date.now();
          return m;
        }
      }
    }
    if (!m && stats.count >= this.annThreshold) {
      const fromDisk = this.loadSaved(modelId, dim, stats);
      if (fromDisk) {
        await this.appendFrom(modelId, fromDisk);
        if (fromDisk.count === stats.count) return fromDisk;
      }
    }
    const ann = stats.count >= this.annThreshold;
    if (!ann) return this.build(modelId, dim, false);
    this.buildInBackground(modelId, dim);
    return null;
  }

  private buildInBackground(modelId: string, dim: number): void {
    if (this.building.has(modelId)) return;
    this.stats.builds++;
    const m = this.newLoaded(Math.max(1, dim), true);
    const run = (async () => {
      for (;;) {
        if (this.closed) return;
        const rows = dim > 0 ? await this.store.scanVectors(modelId, m.maxKey, BUILD_PAGE) : [];
        if (rows.length) this.add(m, rows);
        if (rows.length < BUILD_PAGE) break;
        await new Promise((r) => setImmediate(r));
      }
      m.checkedAt = Date.now();
      m.stale = false;
      this.models.set(modelId, m);
      await this.flush();
    })()
      .catch(() => {
        // The next search starts over (a store that went away meanwhile).
      })
      .finally(() => this.building.delete(modelId));
    this.building.set(modelId, run);
  }

  private newLoaded(dim: number, ann: boolean): Loaded {
    return {
      dim,
      count: 0,
      maxKey: 0,
      keys: ann ? null : [],
      matrix: ann ? null : new Float32Array(0),
      ann: ann
        ? new usearch!.Index({
            dimensions: dim,
            metric: usearch!.MetricKind.Cos,
            quantization: usearch!.ScalarKind.I8,
            connectivity: GRAPH.connectivity,
            expansion_add: GRAPH.expansionAdd,
            expansion_search: GRAPH.expansionSearch,
            multi: false,
          })
        : null,
      dirty: false,
      checkedAt: Date.now(),
      stale: false,
    };
  }

  private async build(modelId: string, dim: number, ann: boolean): Promise<Loaded> {
    if (ann) this.stats.builds++;
    const m = this.newLoaded(Math.max(1, dim), ann);
    if (dim > 0) await this.appendFrom(modelId, m);
    return m;
  }

  private async appendFrom(modelId: string, m: Loaded): Promise<void> {
    for (;;) {
      const rows = await this.store.scanVectors(modelId, m.maxKey, PAGE);
      if (!rows.length) break;
      this.add(m, rows);
      if (rows.length < PAGE) break;
      // Let other work run between pages of a large build.
      await new Promise((r) => setImmediate(r));
    }
    m.checkedAt = Date.now();
    m.stale = false;
  }

  private add(m: Loaded, rows: KeyedVector[]): void {
    const fresh = rows.filter((r) => r.vector.length === m.dim);
    if (m.ann) {
      const keys = new BigUint64Array(fresh.map((r) => BigInt(r.key)));
      const mat = new Float32Array(fresh.length * m.dim);
      fresh.forEach((r, i) => mat.set(r.vector, i * m.dim));
      if (fresh.length) m.ann.add(keys, mat, 2);
      m.dirty = true;
    } else {
      const matrix = new Float32Array((m.keys!.length + fresh.length) * m.dim);
      matrix.set(m.matrix!);
      fresh.forEach((r, i) => matrix.set(r.vector, (m.keys!.length + i) * m.dim));
      m.matrix = matrix;
      for (const r of fresh) m.keys!.push(r.key);
    }
    m.count += fresh.length;
    for (const r of rows) if (r.key > m.maxKey) m.maxKey = r.key;
  }

  private paths(modelId: string): { graph: string; meta: string } | null {
    if (!this.opts.dir) return null;
    const base = join(this.opts.dir, `vectors-${safeName(modelId)}`);
    return { graph: `${base}.usearch`, meta: `${base}.json` };
  }

  private loadSaved(modelId: string, dim: number, stats: { count: number; maxKey: number }): Loaded | null {
    const p = this.paths(modelId);
    if (!p || !existsSync(p.graph) || !existsSync(p.meta)) return null;
    try {
      const meta = JSON.parse(readFileSync(p.meta, 'utf8')) as { modelId: string; dim: number; count: number; maxKey: number; graph?: unknown };
      if (meta.modelId !== modelId || meta.dim !== dim || meta.maxKey > stats.maxKey || meta.count > stats.count) return null;
      if (JSON.stringify(meta.graph) !== JSON.stringify(GRAPH)) return null;
      const m = this.newLoaded(dim, true);
      m.ann!.load(p.graph);
      if (m.ann!.size() !== meta.count) return null;
      m.count = meta.count;
      m.maxKey = meta.maxKey;
      this.stats.loadsFromDisk++;
      return m;
    } catch {
      return null; // unreadable or from another version: rebuild from the store
    }
  }

  async flush(): Promise<void> {
    for (const [modelId, m] of this.models) {
      if (!m.ann || !m.dirty) continue;
      const p = this.paths(modelId);
      if (!p) continue;
      mkdirSync(this.opts.dir!, { recursive: true });
      // Write then rename, graph first: a crash leaves the old pair or a graph the sidecar does not describe (rebuilt).
      m.ann.save(`${p.graph}.tmp`);
      renameSync(`${p.graph}.tmp`, p.graph);
      writeFileSync(`${p.meta}.tmp`, JSON.stringify({ modelId, dim: m.dim, count: m.count, maxKey: m.maxKey, graph: GRAPH }));
      renameSync(`${p.meta}.tmp`, p.meta);
      m.dirty = false;
    }
  }

  async drop(modelId: string): Promise<void> {
    this.models.delete(modelId);
    const p = this.paths(modelId);
    if (p) for (const f of [p.graph, p.meta]) rmSync(f, { force: true });
  }

  async close(): Promise<void> {
    // A build in progress stops at its next page (the next start builds or loads again).
    this.closed = true;
    await Promise.all(this.building.values());
    await this.flush();
    this.models.clear();
  }
}

/** Indices of the k largest scores, best first. */
export function topK(scores: Float32Array, k: number): number[] {
  if (k >= scores.length) return [...scores.keys()].sort((a, b) => scores[b] - scores[a]);
  // A min-heap of size k.
  const heap: number[] = [];
  const less = (a: number, b: number) => scores[a] < scores[b];
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < heap.length && less(heap[l], heap[s])) s = l;
      if (r < heap.length && less(heap[r], heap[s])) s = r;
      if (s === i) break;
      [heap[i], heap[s]] = [heap[s], heap[i]];
      i = s;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    if (heap.length < k) {
      heap.push(i);
      up(heap.length - 1);
    } else if (scores[i] > scores[heap[0]]) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => scores[b] - scores[a]);
}

/** Exact nearest among given rows. */
export function exactTop(rows: KeyedVector[], v: Float32Array, k: number): { key: number; sim: number }[] {
  const scores = new Float32Array(rows.length);
  rows.forEach((r, i) => {
    let s = 0;
    const x = r.vector;
    for (let c = 0; c < x.length; c++) s += x[c] * v[c];
    scores[i] = s;
  });
  return topK(scores, k).map((i) => ({ key: rows[i].key, sim: scores[i] }));
}
