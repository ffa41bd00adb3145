/**
 * The library's front door: one object that owns the store and the parse pool and
 * offers index/search/symbols. The CLI (in-process commands) and the daemon's
 * servers both go through it; neither touches the store directly.
 */
import type { ParsedFile } from './lang/types.js';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ContextdConfig } from './config/config.js';
import { ContextdError } from './errors.js';
import { indexRepository, type IndexOptions, type IndexSummary } from './index/indexer.js';
import { ParsePool } from './lang/parse-pool.js';
import { indexWorkerUrl } from './index/worker-url.js';
import type { WorkerTask } from './index/prepare.js';
import { PooledEmbedder } from './embed/pooled-embedder.js';
import { StaticCodeEmbedder } from './embed/static-embedder.js';
import { isInside } from './repo/confine.js';
import { findRepoRoot } from './repo/git.js';
import { HISTORY_WEIGHT, HISTORY_WEIGHT_BOOSTED, searchCode, type SearchHit } from './search/search.js';
import {
  fileHistory,
  parseHistoryTarget,
  recentChanges,
  relatedFiles,
  type ChangesReport,
  type HistoryReport,
  type RelatedReport,
} from './search/history-reports.js';
import { parseTimeSpec } from './search/time.js';
import { findSymbols } from './search/symbols.js';
import { openStore, parallelReadsHelp } from './store/open-store.js';
import { PoolUnavailable, SearchPool } from './search/search-pool.js';
import type { PoolSearchOptions } from './search/search-protocol.js';
import { EmbeddingService, type EmbedRunOptions, type EmbedRunSummary } from './embed/service.js';
import type { EmbeddingProgress } from './embed/types.js';
import type { FusionSettings, SemanticRetriever } from './search/semantic.js';
import { fusionFor } from './search/fusion-weights.js';
import { LocalVectorIndex } from './vectors/local-vector-index.js';
import type {
  FileRecord,
  GraphPatternRow,
  HistoryStore,
  JobQueue,
  MetadataStore,
  RangeBlame,
  RepoRecord,
  RepoStore,
  StoreHealth,
  SymbolRow,
  ViewFilter,
} from './store/types.js';
import { computeFreshness, type Freshness } from './index/freshness.js';
import { openQueryCache } from './cache/open.js';
import { storeNamespace } from './cache/keys.js';
import { trackViewWrites } from './cache/track-writes.js';
import { REPOS_SCOPE, REPO_SCOPE, VECTORS_SCOPE, type QueryCache } from './cache/types.js';
import type { EmbeddingStore, VectorIndex } from './store/vector-types.js';
import type { BackendReport } from './backends/health.js';
import type { OllamaProbeTarget } from './backends/probes.js';
import { askCodebase, type AskOptions, type AskResult } from './ask/ask.js';
import { DEFAULT_MIN_CONFIDENCE, GraphQueries, toDefinition } from './graph/queries.js';
import { changedDefinitions, impactOf, type ChangeSpec } from './graph/impact.js';
import type { CallNode, GraphDefinition, ImpactReport, RefSite } from './graph/types.js';
import type { PatternTag, RefKind } from './lang/types.js';
import { buildCorpus, buildFileSide, type LocateCorpus } from './locate/corpus.js';
import { loadFileSide, saveFileSide } from './locate/corpus-cache.js';
import { locateFiles, modelInfo, needsTraining, trainModel, type LocateAnswer } from './locate/locate.js';
import { DEFAULT_WEIGHTS, parseModel, type LocateModel } from './locate/model.js';
import { SIGNAL_SETTINGS, type ChunkSearch, type SignalSettings } from './locate/signals.js';
import type { StoredLocateModel } from './store/locate-types.js';
import type {
  EngineSearchHit,
  EngineSymbolHit,
  FileScope,
  QueryScope,
  RepoStatus,
  SearchLogEntry,
  SearchObserver,
  SearchScope,
  TimeSpec,
  TraceSpan,
  Tracer,
} from './types.js';
import { SearchHistory } from './search/search-history.js';

// The query types live in the neutral types module (front ends and ask use them without the engine).
export type { EngineSearchHit, EngineSymbolHit, FileScope, QueryScope, SearchScope, TimeSpec } from './types.js';
export type { CallNode, GraphDefinition, ImpactReport, RefSite } from './graph/types.js';
export { PATTERN_TAGS, REF_KINDS } from './lang/graph/types.js';
export type { PatternTag, RefKind } from './lang/types.js';
export type { GraphPatternRow } from './store/types.js';

/** Options of the graph queries: the repository and cwd, and the confidence floor. */
export type GraphScope = FileScope & { min?: number; depth?: number; kinds?: RefKind[] };

export type { LocateAnswer, LocatedFile, LocateModelInfo } from './locate/locate.js';

export interface LocateScope {
  /** The repository (a path inside it); default: the current directory's. */
  repo?: string;
  limit?: number;
  /** Retrain the weights now, even when the stored ones are current. */
  retrain?: boolean;
  /** Do not wait for a due training: answer with the stored weights (or the defaults) while it runs (the daemon's front ends). */
  background?: boolean;
}

export interface LocateResult extends LocateAnswer {
  repo: string;
  indexedCommit: string | null;
  /** Weights are being (re)trained in the background: a later call ranks with them. */
  training: boolean;
}

export type BackendEventSink = (level: 'info' | 'warn', message: string, data?: Record<string, unknown>) => void;

/** What the front ends may read and change of repositories and their views (writes bump the query cache, as every store write). */
export type RepoDirectory = Pick<RepoStore, 'getRepo' | 'getRepoById' | 'listRepos' | 'ensureRepo' | 'updateRepo' | 'removeRepo' | 'stats'> &
  Pick<HistoryStore, 'historyStats'>;
/** The persistent job queue, as the daemon's scheduler uses it. */
export type WorkQueue = Pick<JobQueue, 'enqueue' | 'pendingJobs' | 'takeJobs' | 'finishJobs'>;

export class Engine {
  private pool: ParsePool | null = null;
  private embedding!: EmbeddingService;
  /** Search and symbol results, invalidated by generation (see daemon/cache/). */
  cache!: QueryCache;
  /** Identifies the store across daemons (cache keys, vector collections). */
  storeId = '';
  /** Changes when another connection wrote to the store (SQLite's data_version); part of every cache key. */
  private foreignWrites: () => unknown = () => null;
  /** The vector index (embedded, or Qdrant) and the store of vectors it mirrors. */
  private vectorIndex!: VectorIndex;
  private vectorStore!: EmbeddingStore;
  private ollamaReports: { at: number; reports: Promise<BackendReport[]> } | null = null;
  /** The search history (recorded for searches that say who asks: `SearchScope.origin`). */
  private searchHistory!: SearchHistory;
  /** Told about every search (the daemon's metrics); none in one-shot CLI commands. */
  private observer: SearchObserver | null = null;
  /** Spans of searches (the daemon's OTLP tracer when configured; none otherwise). */
  private tracer: Tracer | null = null;

  private constructor(
    readonly config: ContextdConfig,
    /**
     * The store, for the engine's own modules and for tests. Front ends (daemon, MCP, LSP, CLI)
     * use the facets below; .ci/check-layers.ts rejects `engine.store` anywhere else.
     */
    readonly store: MetadataStore,
  ) {}

  /** Repositories and views (the store itself, typed down to what front ends need). */
  get repos(): RepoDirectory {
    return this.store;
  }

  /** The persistent job queue. */
  get jobs(): WorkQueue {
    return this.store;
  }

  /** Which backend holds the index, and where (a path or a redacted URL). */
  get storeInfo(): { backend: string; location: string } {
    return { backend: this.store.backend, location: this.store.location };
  }

  /** A live probe of the store (never throws). */
  storeHealth(): Promise<StoreHealth> {
    return this.store.health();
  }

  /** An integrity check of the stored data (SQLite's quick_check): the problem found, or null. */
  checkIntegrity(): string | null {
    return this.store.checkIntegrity?.() ?? null;
  }

  /** Symbols with exactly these names in the given repositories (LSP go-to-definition), through the query cache. */
  async symbolsNamed(names: string[], repos: RepoRecord[], limit: number): Promise<SymbolRow[]> {
    const { scopes, state, local } = this.cacheScope(repos, false, false);
    const repoIds = repos.map((r) => r.id);
    return (await this.cache.fetch('symbols-named', { names, repoIds, limit, state }, scopes, () => this.store.lookupSymbols({ names, repoIds, limit }), local))
      .value;
  }

  /** Who owns lines start..end of a file now, and the shallow clone's grafts (LSP hover), through the query cache. */
  async rangeBlame(repo: RepoRecord, path: string, startLine: number, endLine: number): Promise<{ blame: RangeBlame; grafts: string[] }> {
    const { scopes, state, local } = this.cacheScope([repo], false, false);
    const { value } = await this.cache.fetch(
      'range-blame',
      { path, startLine, endLine, state },
      scopes,
      async () => {
        const [[blame], history] = await Promise.all([
          this.store.blameForRanges([{ repoId: repo.id, path, startLine, endLine }]),
          this.store.historyState(repo.id),
        ]);
        return { blame, grafts: history?.grafts ?? [] };
      },
      local,
    );
    return value;
  }

  /** Search worker threads (the daemon's; one-shot CLI commands search in-process). */
  private searchPool: SearchPool | null = null;

  /**
   * `onBackendEvent`: Redis and Qdrant going down, coming back, failing to sync (the daemon logs them).
   * `searchWorkers`: answer searches on that many worker threads when the store gains from it (the daemon).
   */
  static async open(
    config: ContextdConfig,
    opts: { onBackendEvent?: BackendEventSink; searchWorkers?: number; observer?: SearchObserver; tracer?: Tracer } = {},
  ): Promise<Engine> {
    const dataDir = config.paths.dataDir;
    try {
      if (!statSync(dataDir).isDirectory()) {
        throw new ContextdError('bad-data-dir', `the data directory ${dataDir} is not a directory`, {
          hint: 'set CONTEXTD_DATA_DIR or XDG_DATA_HOME to a directory',
        });
      }
    } catch (err) {
      if (err instanceof ContextdError) throw err;
      // Missing is fine: the store creates it.
    }
    const { store, embeddings: vectors, dataVersion, searchLog } = await openStore(config);
    const storeId = storeNamespace(`${store.backend}:${store.backend === 'sqlite' ? `${hostname()}:` : ''}${store.location}`);
    const sink = opts.onBackendEvent;
    const cache = await openQueryCache(config.cache, storeId, {
      onEvent:
        sink &&
        ((event, detail) =>
          event === 'error'
            ? undefined
            : sink(event === 'down' ? 'warn' : 'info', `redis ${event === 'down' ? 'unreachable: using the in-memory cache' : 'connected: shared cache on'}`, {
                detail,
              })),
    });
    const engine = new Engine(
      config,
      trackViewWrites(store, (scopes) => cache.bump(scopes)),
    );
    engine.cache = cache;
    engine.storeId = storeId;
    engine.foreignWrites = dataVersion;
    engine.searchHistory = new SearchHistory(searchLog, { enabled: config.history.searches, retentionDays: config.history.searchRetentionDays });
    engine.observer = opts.observer ?? null;
    engine.tracer = opts.tracer?.enabled ? opts.tracer : null;
    // Network backends' client libraries load only when configured (startup time of every CLI call).
    const index: VectorIndex = config.qdrant.url
      ? new (await import('./vectors/qdrant-vector-index.js')).QdrantVectorIndex(vectors, { ...config.qdrant, url: config.qdrant.url, storeId, onEvent: sink })
      : new LocalVectorIndex(vectors, { dir: join(dataDir, 'vectors'), annThreshold: config.embed.annThreshold });
    engine.vectorIndex = index;
    engine.vectorStore = vectors;
    engine.embedding = new EmbeddingService({ store: vectors, index, settings: config.embed, builtin: () => engine.pooledBuiltin() });
    if (opts.searchWorkers && parallelReadsHelp(config)) {
      engine.searchPool = new SearchPool({
        size: opts.searchWorkers,
        config,
        onEvent: sink && ((message, detail) => sink('warn', message, detail)),
      });
    }
    return engine;
  }

  /** The built-in model, embedding documents on the parse workers (idle once the lexical index is written). */
  private pooledBuiltin(): PooledEmbedder {
    const inline = new StaticCodeEmbedder();
    const pool = this.parsePool();
    const remote = (texts: string[]) =>
      pool.task<Float32Array[]>('(embedding)', { kind: 'embed', texts } satisfies WorkerTask, () => inline.embed(texts, 'document'));
    return new PooledEmbedder(inline, remote, Math.max(1, pool.size));
  }

  private parsePool(): ParsePool {
    // Idle workers exit after a minute: between index runs the daemon holds no grammars, wasm heaps or model copies.
    if (!this.pool) this.pool = new ParsePool({ workers: this.config.index.workers, workerUrl: indexWorkerUrl(), idleMs: 60_000 });
    return this.pool;
  }

  async index(path: string, opts: IndexOptions = {}): Promise<IndexSummary> {
    // Daemons sharing a store never index one repository at once (a no-op lock for SQLite).
    const root = await findRepoRoot(resolve(path));
    const lease = await this.store.repoLock.acquire(root);
    if (!lease) {
      throw new ContextdError('repo-busy', `another contextd process is indexing ${root} right now`, {
        hint: 'it shares this store; try again when it is done (the daemon retries by itself)',
      });
    }
    try {
      return await indexRepository({ store: this.store, pool: this.parsePool(), config: this.config.index, history: this.config.history }, root, opts);
    } finally {
      await lease.release();
    }
  }

  /** Every indexed repository (registered with the daemon or not). */
  async listRepos(): Promise<RepoRecord[]> {
    return this.store.listRepos();
  }

  /** The indexed repository containing `path`, or a clear error saying how to index it. */
  async repoFor(path: string): Promise<RepoRecord> {
    const root = await findRepoRoot(resolve(path));
    const repo = await this.store.getRepo(root);
    if (!repo) {
      throw new ContextdError('not-indexed', `${root} is not indexed yet`, { hint: `run: contextd index ${JSON.stringify(root)}` });
    }
    return repo;
  }

  private async scope(scope: QueryScope): Promise<{ repoIds?: number[]; roots: Map<number, string>; repos: RepoRecord[] }> {
    const repos = await this.store.listRepos();
    const roots = new Map(repos.map((r) => [r.id, r.root]));
    if (!scope.repo) return { roots, repos };
    // A repository's own root (what MCP and LSP pass) needs no `git rev-parse` (a process per query).
    const exact = repos.find((r) => r.root === resolve(scope.repo!));
    const repo = exact && existsSync(join(exact.root, '.git')) ? exact : await this.repoFor(scope.repo);
    return { repoIds: [repo.id], roots, repos: repos.filter((r) => r.id === repo.id) };
  }

  /**
   * Cache scopes and key state for a query over `repos`: each repository's generation
   * (bumped by every write to its view), plus what any process can see changed in the
   * store (the last index run of each repository, and writes by other connections).
   */
  private cacheScope(repos: RepoRecord[], unscoped: boolean, vectors: boolean): { scopes: string[]; state: unknown; local: unknown } {
    const scopes = repos.map((r) => REPO_SCOPE(r.id));
    if (unscoped) scopes.push(REPOS_SCOPE);
    if (vectors) scopes.push(VECTORS_SCOPE);
    return { scopes, state: repos.map((r) => [r.id, r.root, r.indexedAt, r.indexedCommit]), local: this.foreignWrites() };
  }

  /**
   * Searches, timed: the observer (metrics) hears of every search; the history records
   * those that say who asks (`scope.origin`). Neither is part of the answer or its cache key.
   */
  async search(query: string, scope: SearchScope = {}): Promise<EngineSearchHit[]> {
    const t0 = performance.now();
    const mode = scope.mode ?? 'hybrid';
    const frontEnd = scope.origin?.frontEnd ?? 'other';
    this.observer?.searchStarted();
    const span = this.tracer?.startSpan('contextd.search', { 'contextd.front_end': frontEnd, 'contextd.mode': mode });
    let hits: EngineSearchHit[] = [];
    let cached = false;
    let repo: string | null = null;
    let failed = false;
    try {
      ({ hits, cached, repo } = scope.tags?.length ? await this.searchTagged(query, scope, scope.tags, span) : await this.searchUntimed(query, scope, span));
      return hits;
    } catch (err) {
      failed = true;
      span?.setAttributes({ 'contextd.error': err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      const ms = performance.now() - t0;
      const outcome = failed ? 'error' : hits.length ? 'hits' : 'empty';
      this.observer?.searchEnded({ frontEnd, mode, outcome, seconds: ms / 1000, hits: hits.length, cached });
      if (scope.origin && this.searchHistory.enabled) {
        repo ??= scope.repo ? resolve(scope.repo) : null;
        const h = span?.child('contextd.search.history-record');
        this.searchHistory.record({ id: scope.origin.id, at: Date.now(), frontEnd, repo, mode, query, hits: hits.length, latencyMs: ms, outcome });
        h?.end();
      }
      // No query or path in a span: what was asked is in the search history, not in traces.
      span?.setAttributes({ 'contextd.outcome': outcome, 'contextd.hits': hits.length, 'contextd.cached': cached });
      span?.end(failed ? 'search failed' : undefined);
    }
  }

  /** The search history: recent searches, what was opened after one, clearing it. */
  get searches(): {
    newId(): number;
    opened(id: number, path: string, rank: number | null): Promise<void>;
    list(opts: { since?: number; limit: number }): Promise<SearchLogEntry[]>;
    clear(): Promise<number>;
    flush(): Promise<void>;
    add(entries: readonly SearchLogEntry[]): void;
    takeBuffered(): SearchLogEntry[];
    restore(entries: readonly SearchLogEntry[]): void;
    readonly enabled: boolean;
  } {
    return this.searchHistory;
  }

  private async searchUntimed(
    query: string,
    scope: SearchScope,
    span: TraceSpan | undefined,
  ): Promise<{ hits: EngineSearchHit[]; cached: boolean; repo: string | null }> {
    const { repoIds, roots, repos } = await this.scope(scope);
    const since = toSeconds(scope.since, 'start', '--since');
    const until = toSeconds(scope.until, 'end', '--until');
    const opts = {
      repoIds,
      languages: scope.languages,
      paths: scope.paths,
      limit: scope.limit ?? this.config.search.defaultLimit,
      history: scope.author || since !== undefined || until !== undefined ? { author: scope.author || undefined, since, until } : undefined,
      historyWeight: scope.historyWeight ?? (scope.history ? HISTORY_WEIGHT_BOOSTED : HISTORY_WEIGHT),
      boosts: { recent: scope.boostRecent, churn: scope.boostChurn },
      maxCommitFiles: this.config.history.maxCommitFiles,
      mode: scope.mode,
      fusion: await this.fusionSettings(scope.semanticWeight),
      testFileFactor: scope.testFileFactor,
    };
    const { scopes, state, local } = this.cacheScope(repos, !repoIds, (scope.mode ?? 'hybrid') === 'hybrid' || scope.mode === 'semantic');
    // An answer computed while semantic search was degraded (embedder stuck, vector index down) is not cached:
    // once the backend is back, the next search must include it.
    let degraded = false;
    const semantic = async (q: string, filter: ViewFilter, limit: number) => {
      const vec = span?.child('contextd.search.vectors');
      const hits = await this.embedding.search(q, filter, limit).finally(() => vec?.end());
      if (
        this.embedding.progress().stalled ||
        this.vectorIndex.partial?.() ||
        (this.vectorIndex as VectorIndex & { report?: () => BackendReport }).report?.().state === 'down'
      )
        degraded = true;
      return hits;
    };
    const { value, hit } = await this.cache.fetch(
      'search',
      { query, opts, state },
      scopes,
      async () => {
        const compute = span?.child('contextd.search.compute');
        const hits = await this.runSearch(query, opts, semantic, compute).finally(() => compute?.end());
        return hits.map((h) => ({ ...h, repo: roots.get(h.repoId) ?? '' }));
      },
      local,
      () => !degraded,
    );
    return { hits: value, cached: hit !== null, repo: repoIds ? repos[0].root : null };
  }

  /**
   * How fresh the index of the repository around `path` is: indexed commit vs HEAD,
   * files changed since they were indexed, queued work. Cheap on a clean tree.
   */
  async freshness(path: string): Promise<Freshness> {
    const repo = await this.repoFor(path);
    let files: Map<string, FileRecord> | null = null;
    const pending = (await this.store.pendingJobs()).get(repo.id) ?? 0;
    return computeFreshness(
      repo.root,
      repo.indexedCommit,
      async (p) => {
        files ??= await this.store.listFiles(repo.id);
        return files.get(p) ?? null;
      },
      pending,
    );
  }

  /** Jobs queued for the indexed repository around `path` (0 when none). */
  async pendingWork(path: string): Promise<number> {
    const repo = await this.repoFor(path);
    return (await this.store.pendingJobs()).get(repo.id) ?? 0;
  }

  /** The files in the index view of the repository around `path`, by path (skipped files included, with their reason). */
  async indexedFiles(path: string): Promise<{ root: string; files: FileRecord[] }> {
    const repo = await this.repoFor(path);
    const files = [...(await this.store.listFiles(repo.id)).values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return { root: repo.root, files };
  }

  /** Parses text as the indexer would (symbols, chunks), on the parse pool; nothing is stored. */
  parseText(path: string, text: string, language: string): Promise<ParsedFile> {
    return this.parsePool().parse(path, text, language);
  }

  async symbols(query: string, scope: QueryScope & { kinds?: string[] } = {}): Promise<EngineSymbolHit[]> {
    const { repoIds, roots, repos } = await this.scope(scope);
    return this.cachedSymbols(query, { repoIds, languages: scope.languages, paths: scope.paths, kinds: scope.kinds, limit: scope.limit ?? 20 }, roots, repos);
  }

  /** Fuzzy symbol search over these repositories (null: all), through the query cache (LSP workspace symbols). */
  async symbolsIn(query: string, repos: RepoRecord[] | null, limit: number): Promise<EngineSymbolHit[]> {
    const all = await this.store.listRepos();
    const roots = new Map(all.map((r) => [r.id, r.root]));
    return this.cachedSymbols(query, { repoIds: repos?.map((r) => r.id), limit }, roots, repos ?? all);
  }

  private async cachedSymbols(
    query: string,
    opts: Parameters<typeof findSymbols>[2],
    roots: Map<number, string>,
    repos: RepoRecord[],
  ): Promise<EngineSymbolHit[]> {
    const repoIds = opts.repoIds;
    const { scopes, state, local } = this.cacheScope(repos, !repoIds, false);
    const { value } = await this.cache.fetch(
      'symbols',
      { query, opts, state },
      scopes,
      async () => {
        const hits = await findSymbols(this.store, query, opts);
        return hits.map((h) => ({ ...h, repo: roots.get(h.repoId) ?? '' }));
      },
      local,
    );
    return value;
  }

  /**
   * A file (relative to `cwd`, or to the repository) as (indexed repository, repo-relative path).
   * The file need not exist any more: history outlives it.
   */
  async resolveFile(file: string, scope: FileScope = {}): Promise<{ repo: RepoRecord; path: string }> {
    const cwd = scope.cwd ?? process.cwd();
    const repo = await this.repoFor(scope.repo ?? nearestExisting(resolve(cwd, file)));
    // A relative path starts at the current directory when it is inside the repository,
    // else at the repository's root (`contextd history src/x.py --repo ~/src/r` from anywhere).
    const base = isInside(realOr(repo.root), realOr(cwd)) ? cwd : repo.root;
    let abs = isAbsolute(file) ? file : resolve(base, file);
    if (!isAbsolute(file) && !existsSync(abs) && existsSync(join(repo.root, file))) abs = join(repo.root, file);
    let real = abs;
    try {
      real = realpathSync(abs);
    } catch {
      // gone from disk: keep the path as given
    }
    const rootReal = realpathSync(repo.root);
    const rel = relative(rootReal, real);
    if (!isInside(rootReal, real)) {
      throw new ContextdError('outside-repo', `${file} is not inside ${repo.root}`, { hint: 'pass --repo for the repository that holds the file' });
    }
    if (rel === '') throw new ContextdError('bad-argument', `${file} is the repository itself; name a file`, { exitCode: 2 });
    return { repo, path: rel.split(sep).join('/') };
  }

  /** A search keeping the hits that hold one of `tags` (patterns on their lines); asks for more hits to fill the page. */
  /** A search kept to hits holding a code pattern of `tags` (inside the timed search: recorded once). */
  private async searchTagged(
    query: string,
    scope: SearchScope,
    tags: PatternTag[],
    span: TraceSpan | undefined,
  ): Promise<{ hits: EngineSearchHit[]; cached: boolean; repo: string | null }> {
    const limit = scope.limit ?? this.config.search.defaultLimit;
    const inner = await this.searchUntimed(query, { ...scope, tags: undefined, limit: limit * 10 }, span);
    const hits = inner.hits;
    const repos = new Map((await this.store.listRepos()).map((r) => [r.root, r.id]));
    const byRepo = new Map<number, Set<string>>();
    for (const h of hits) {
      const id = repos.get(h.repo);
      if (id !== undefined) byRepo.set(id, (byRepo.get(id) ?? new Set()).add(h.path));
    }
    const tagged = new Map<string, number[]>();
    for (const [id, paths] of byRepo)
      for (const p of await this.store.patternsIn(id, { paths: [...paths] }))
        if (tags.includes(p.tag)) tagged.set(`${id}\0${p.path}`, [...(tagged.get(`${id}\0${p.path}`) ?? []), p.line]);
    const kept = hits.filter((h) => (tagged.get(`${repos.get(h.repo)}\0${h.path}`) ?? []).some((l) => l >= h.startLine && l <= h.endLine)).slice(0, limit);
    return { hits: kept, cached: inner.cached, repo: inner.repo };
  }

  /** The code patterns of a repository of one tag (`contextd endpoints`: tag endpoint), in file order. */
  async patterns(tag: PatternTag, scope: FileScope = {}): Promise<{ repo: string; patterns: GraphPatternRow[] }> {
    const repo =
      (await this.store.getRepo(resolve(scope.repo ?? scope.cwd ?? process.cwd()))) ?? (await this.repoFor(scope.repo ?? scope.cwd ?? process.cwd()));
    return { repo: repo.root, patterns: await this.store.patternsIn(repo.id, { tag }) };
  }

  // ---- the code graph (daemon/graph/): references, callers, callees, impact ----

  /** Graph queries over one repository's view (LSP: positions already repo-relative). */
  graphFor(repo: RepoRecord): GraphQueries {
    // The view's paths (module resolution reads them) are kept per index run of the repository.
    const stamp = `${repo.indexedAt}:${repo.indexedCommit}:${String(this.foreignWrites())}`;
    return new GraphQueries(this.store, repo.id, async () => {
      const known = this.graphPaths.get(repo.id);
      if (known?.stamp === stamp) return known.paths;
      const paths = new Set([...(await this.store.listFiles(repo.id)).values()].filter((f) => f.status === 'indexed').map((f) => f.path));
      this.graphPaths.set(repo.id, { stamp, paths });
      return paths;
    });
  }
  private readonly graphPaths = new Map<number, { stamp: string; paths: Set<string> }>();

  /** What a target names: `file:line[:col]` (relative to cwd, or to the repository) or a (dotted) symbol. */
  private async graphTarget(target: string, scope: FileScope): Promise<{ repo: RepoRecord; q: GraphQueries; defs: SymbolRow[] }> {
    const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(target);
    if (m) {
      const { repo, path } = (await this.registeredFile(m[1], scope)) ?? (await this.resolveFile(m[1], scope));
      const q = this.graphFor(repo);
      return { repo, q, defs: await q.definitionsAt(path, Number(m[2]), m[3] ? Number(m[3]) : null) };
    }
    const where = resolve(scope.repo ?? scope.cwd ?? process.cwd());
    const repo = (await this.store.getRepo(where)) ?? (await this.repoFor(where));
    const q = this.graphFor(repo);
    return { repo, q, defs: await q.resolveTarget(target) };
  }

  /**
   * A file inside an indexed repository named by `scope.repo` (its root): found without running
   * git (a graph query in the daemon answers in milliseconds; a git process costs as much).
   * Null when that does not apply; resolveFile then decides (and explains).
   */
  private async registeredFile(file: string, scope: FileScope): Promise<{ repo: RepoRecord; path: string } | null> {
    if (!scope.repo) return null;
    const repo = await this.store.getRepo(resolve(scope.repo));
    if (!repo) return null;
    const abs = isAbsolute(file) ? file : resolve(scope.cwd ?? repo.root, file);
    if (!isInside(repo.root, abs) || !existsSync(abs)) return null;
    let real: string;
    try {
      real = realpathSync(abs);
    } catch {
      return null;
    }
    // A symlink out of the repository (or into another) is resolveFile's to refuse.
    if (!isInside(realpathSync(repo.root), real)) return null;
    const rel = relative(realpathSync(repo.root), real);
    return rel ? { repo, path: rel.split(sep).join('/') } : null;
  }

  private async graphCached<T>(
    kind: string,
    target: string,
    scope: GraphScope,
    compute: (t: Awaited<ReturnType<Engine['graphTarget']>>) => Promise<T>,
  ): Promise<T> {
    const t = await this.graphTarget(target, scope);
    const { scopes, state, local } = this.cacheScope([t.repo], false, false);
    const defs = t.defs.map((d) => [d.path, d.container, d.name, d.startLine]);
    const params = { defs, min: scope.min, depth: scope.depth, kinds: scope.kinds, state };
    return (await this.cache.fetch(kind, params, scopes, () => compute(t), local)).value;
  }

  /** Every use of the definitions a target names, with a confidence (at least `min`, default 0.4). */
  refs(target: string, scope: GraphScope = {}): Promise<{ definitions: GraphDefinition[]; refs: RefSite[] }> {
    return this.graphCached('graph-refs', target, scope, async ({ q, defs }) => ({
      definitions: defs.map(toDefinition),
      refs: await q.refs(defs, { min: scope.min ?? DEFAULT_MIN_CONFIDENCE, kinds: scope.kinds }),
    }));
  }

  /** Who calls the target, to `depth` calls away (default 1). */
  callers(target: string, scope: GraphScope = {}): Promise<{ definitions: GraphDefinition[]; callers: CallNode[] }> {
    return this.graphCached('graph-callers', target, scope, async ({ q, defs }) => ({
      definitions: defs.map(toDefinition),
      callers: await q.callers(defs, scope.depth ?? 1, scope.min ?? DEFAULT_MIN_CONFIDENCE),
    }));
  }

  /** What the target calls, to `depth` calls away (default 1). */
  callees(target: string, scope: GraphScope = {}): Promise<{ definitions: GraphDefinition[]; callees: CallNode[] }> {
    return this.graphCached('graph-callees', target, scope, async ({ q, defs }) => ({
      definitions: defs.map(toDefinition),
      callees: await q.callees(defs, scope.depth ?? 1, scope.min ?? DEFAULT_MIN_CONFIDENCE),
    }));
  }

  /**
   * What a change touches: a target's definitions, or the definitions a diff changes (`diff`: the
   * working tree vs HEAD when true, else a commit or a range `A..B`; `staged`: the index vs HEAD);
   * their callers to `depth` (default 3), the tests among them, and co-change partners from history.
   */
  async impact(spec: { target?: string; diff?: string | true; staged?: boolean }, scope: GraphScope = {}): Promise<ImpactReport> {
    const depth = scope.depth ?? 3;
    const min = scope.min ?? DEFAULT_MIN_CONFIDENCE;
    const deps = (repo: RepoRecord) => ({ store: this.store, repoId: repo.id, root: repo.root, maxCommitFiles: this.config.history.maxCommitFiles });
    if (spec.target) {
      const { repo, defs } = await this.graphTarget(spec.target, scope);
      const withLines = defs.map((d) => ({ ...d, lines: [d.startLine, d.endLine] as [number, number], deleted: false }));
      return impactOf(deps(repo), withLines, [...new Set(defs.map((d) => d.path))], spec.target, depth, min);
    }
    const repo = await this.repoFor(scope.repo ?? scope.cwd ?? process.cwd());
    const change: ChangeSpec = spec.staged ? { kind: 'staged' } : typeof spec.diff === 'string' ? { kind: 'rev', rev: spec.diff } : { kind: 'worktree' };
    const { defs, files, source } = await changedDefinitions(repo.root, change);
    return impactOf(deps(repo), defs, files, source, depth, min);
  }

  /** The commits that shaped a file, a line range or a symbol (`src/a.py`, `src/a.py:10-20`, `src/a.py#Cache.get`). */
  async history(target: string, scope: FileScope = {}): Promise<HistoryReport> {
    const spec = parseHistoryTarget(target);
    const { repo, path } = await this.resolveFile(spec.file, scope);
    return fileHistory(this.store, repo, path, spec);
  }

  /** Files that change in the same commits as `file` (logical coupling). */
  async related(file: string, scope: FileScope & { limit?: number; maxFiles?: number } = {}): Promise<RelatedReport> {
    const { repo, path } = await this.resolveFile(file, scope);
    return relatedFiles(this.store, repo, path, { maxFiles: scope.maxFiles ?? this.config.history.maxCommitFiles, limit: scope.limit ?? 20 });
  }

  /** What changed in a time window, by file and symbol, with commit subjects. */
  async changes(scope: { repo?: string; since?: TimeSpec; until?: TimeSpec; author?: string; limit?: number } = {}): Promise<ChangesReport> {
    const repo = await this.repoFor(scope.repo ?? process.cwd());
    return recentChanges(this.store, repo, {
      since: toSeconds(scope.since ?? '1w', 'start', '--since'),
      until: toSeconds(scope.until, 'end', '--until'),
      author: scope.author,
      maxCommits: 1000,
      limit: scope.limit ?? 100,
    });
  }

  /**
   * Embeds the chunks that have no vector yet for the configured model (the
   * background step after lexical indexing; search works before and improves as
   * vectors arrive). Trains the built-in model first when needed. One run at a
   * time; safe to call after every index run.
   */
  embedPending(opts: EmbedRunOptions = {}): Promise<EmbedRunSummary> {
    return this.embedding.embedPending({
      ...opts,
      onProgress: (p) => {
        // New vectors (or a new serving model) change semantic answers: cached ones must miss.
        this.cache.bump([VECTORS_SCOPE]);
        opts.onProgress?.(p);
      },
    });
  }

  /** Loads or builds the serving model's vector index in the background, so the first semantic search finds it ready (the daemon). */
  async warmVectors(): Promise<void> {
    const serving = await this.embedding.servingModel();
    if (serving) this.vectorIndex.warm?.(serving);
  }

  /** Embedding progress (chunks embedded / total, rate, state, serving model), counts fresh from the store. */
  /** Embedding progress; counts may be up to `maxAgeMs` old (status output passes a few seconds). */
  embeddingProgress(maxAgeMs = 0): Promise<EmbeddingProgress> {
    return this.embedding.refreshProgress(maxAgeMs);
  }

  /**
   * Answers a question about the indexed code with a local model (Ollama), from
   * context the hybrid search retrieves; tokens stream to `opts.onToken`. Citations
   * in the answer are checked against that context.
   */
  ask(question: string, opts: AskOptions = {}): Promise<AskResult> {
    return askCodebase(this, this.config.ask, question, opts);
  }

  /** Change localization corpora per repository, for the indexed state they were built from (see daemon/locate/). */
  private locateCorpora = new Map<number, { key: string; corpus: Promise<LocateCorpus> }>();
  private locateTraining = new Map<number, Promise<{ model: LocateModel; stored: StoredLocateModel }>>();

  /**
   * Which files a described change would touch, ranked, with reasons (`contextd locate`). The weights
   * are learned from the repository's own history (replayed commits, none newer than the indexed one),
   * stored with the index and retrained when the history has grown by a tenth.
   */
  async locate(description: string, scope: LocateScope = {}): Promise<LocateResult> {
    if (!description.trim()) throw new ContextdError('bad-argument', 'describe the change to locate', { exitCode: 2 });
    const repo = (await this.scope({ repo: scope.repo ?? process.cwd() })).repos[0];
    const corpus = await this.locateCorpus(repo);
    const chunkSearch = this.locateChunkSearch(repo);
    let stored = await this.store.getLocateModel(repo.id);
    let model = stored ? parseModel(stored.model) : null;
    let training = false;
    if (scope.retrain || !model || needsTraining(stored, corpus)) {
      const run = this.trainLocate(repo.id, corpus, chunkSearch);
      if (scope.background) {
        // Answer now with what is stored (or the defaults); the next call gets the new weights.
        run.catch(() => {});
        training = true;
      } else {
        ({ model, stored } = await run);
      }
    }
    model ??= {
      version: 1,
      ...DEFAULT_WEIGHTS,
      training: { source: 'defaults', reason: 'not trained yet', queries: 0, train: null, validation: null, newestReplayed: null },
    };
    const files = await locateFiles(corpus, description, model, chunkSearch, scope.limit ?? 10, this.locateSettings());
    return { repo: repo.root, indexedCommit: repo.indexedCommit, files, model: modelInfo(model, stored, corpus.commits.length), training };
  }

  /** The hybrid search for locate's chunk signal: this repository, its history retriever off, no test-file factor. */
  private locateChunkSearch(repo: RepoRecord): ChunkSearch {
    return async (d, limit) =>
      (await this.search(d, { repo: repo.root, limit, historyWeight: 0, testFileFactor: 1 })).map((h) => ({
        path: h.path,
        startLine: h.startLine,
        endLine: h.endLine,
        symbol: h.symbol,
        score: h.score,
      }));
  }

  /**
   * After an index run (the daemon): a repository that uses `locate` gets its corpus rebuilt and,
   * when its history has grown by a tenth, its weights retrained, before the next question.
   */
  async refreshLocate(root: string): Promise<void> {
    const repo = await this.store.getRepo(root);
    if (!repo || !(await this.store.getLocateModel(repo.id))) return;
    const corpus = await this.locateCorpus(repo);
    if (needsTraining(await this.store.getLocateModel(repo.id), corpus)) await this.trainLocate(repo.id, corpus, this.locateChunkSearch(repo));
  }

  /** What `status` shows of a repository's locate weights (null: never used there). */
  async locateStatus(repoId: number): Promise<RepoStatus['locate']> {
    const stored = await this.store.getLocateModel(repoId);
    const model = stored ? parseModel(stored.model) : null;
    if (!stored || !model) return null;
    return {
      source: model.training.source,
      trainedCommit: stored.trainedCommit,
      trainedAt: stored.trainedAt,
      historyCommits: stored.historyCommits,
      replayed: model.training.queries,
      training: this.locateTraining.has(repoId),
    };
  }

  /** One training per repository at a time; stores the weights when done. */
  private trainLocate(repoId: number, corpus: LocateCorpus, chunkSearch: ChunkSearch): Promise<{ model: LocateModel; stored: StoredLocateModel }> {
    let run = this.locateTraining.get(repoId);
    if (!run) {
      run = (async () => {
        const model = await trainModel(corpus, chunkSearch, this.locateSettings());
        const stored: StoredLocateModel = {
          trainedCommit: corpus.commits.at(-1)?.sha ?? '',
          trainedAt: Math.floor(Date.now() / 1000),
          historyCommits: corpus.commits.length,
          model: JSON.stringify(model),
        };
        if (corpus.commits.length) await this.store.putLocateModel(repoId, stored);
        return { model, stored };
      })().finally(() => this.locateTraining.delete(repoId));
      this.locateTraining.set(repoId, run);
    }
    return run;
  }

  /** The signals' settings, with the configured cut-off for commits that explain no file in particular. */
  private locateSettings(): SignalSettings {
    return { ...SIGNAL_SETTINGS, maxCommitFiles: this.config.history.maxCommitFiles };
  }

  private locateCorpus(repo: RepoRecord): Promise<LocateCorpus> {
    const key = `${repo.root}\0${repo.indexedCommit}\0${repo.indexedAt}`;
    const hit = this.locateCorpora.get(repo.id);
    if (hit && hit.key === key) return hit.corpus;
    // The file side is cached on disk (one-shot CLI processes, daemon restarts); the commit side is cheap.
    const cachePath = join(this.config.paths.dataDir, 'locate', `${this.storeId}-${repo.id}.bin`);
    const fileSide = (async () => {
      const cached = loadFileSide(cachePath, key);
      if (cached) return cached;
      const side = buildFileSide(await this.store.locateFileTexts(repo.id));
      saveFileSide(cachePath, key, side);
      return side;
    })();
    const corpus = Promise.all([fileSide, this.store.locateCommits(repo.id)]).then(([side, commits]) => buildCorpus(side, commits, repo.indexedCommit));
    corpus.catch(() => this.locateCorpora.delete(repo.id));
    this.locateCorpora.set(repo.id, { key, corpus });
    return corpus;
  }

  /** Drops content no view references (and the vectors of pruned chunks, wherever the index keeps them). */
  async prune(): Promise<{ parses: number; chunks: number; commits?: number }> {
    const removed = await this.store.prune();
    if (removed.chunks) for (const m of await this.vectorStore.listModels()) this.vectorIndex.invalidate(m.id);
    return removed;
  }

  /**
   * Health of the cache, the vector index and the `ask` model, for `contextd status` (no slow
   * calls: Ollama's answer is cached 30 s). The embedder's health is the embedding progress.
   */
  async backendReports(): Promise<BackendReport[]> {
    const vectors = this.vectorIndex as VectorIndex & { report?: () => BackendReport };
    const out: BackendReport[] = [
      this.cache.report(),
      vectors.report?.() ?? {
        name: 'vectors',
        kind: this.vectorIndex.backend,
        state: 'ok',
        configured: false,
        detail: 'embedded index under the data directory',
      },
    ];
    if (!this.ollamaReports || Date.now() - this.ollamaReports.at > (Number(process.env.CONTEXTD_BACKEND_PROBE_MS) || 30_000)) {
      const { probeOllama } = await import('./backends/probes.js');
      const probes = ollamaTargets(this.config)
        .map(({ host, targets }) => ({ host, targets: targets.filter((t) => t.name === 'llm') }))
        .filter((o) => o.targets.length)
        .map(({ host, targets }) => probeOllama(host, targets, 500).catch(() => []));
      this.ollamaReports = { at: Date.now(), reports: Promise.all(probes).then((r) => r.flat()) };
    }
    return [...out, ...(await this.ollamaReports.reports)];
  }

  /** The search worker threads: how many, how many ready, searches they answered (null: searches run on this thread). */
  searchWorkers(): { size: number; ready: number; served: number } | null {
    return this.searchPool ? { size: this.searchPool.size, ready: this.searchPool.readyWorkers, served: this.searchPool.served } : null;
  }

  /**
   * The fusion settings for the serving model (tuned per model family, fusion-weights.ts), the
   * configured `[search] semanticWeight` or this search's override on top.
   */
  private async fusionSettings(override?: number): Promise<FusionSettings> {
    const tuned = fusionFor(this.config.embed.provider === 'off' ? null : await this.embedding.servingModel());
    const semantic = override ?? this.config.search.semanticWeight;
    return semantic === undefined ? tuned : { ...tuned, semantic };
  }

  /** On a search worker when there is one ready, else here; the same answer either way. */
  private async runSearch(query: string, opts: PoolSearchOptions, semantic: SemanticRetriever, trace?: TraceSpan): Promise<SearchHit[]> {
    try {
      return await this.searchHere(query, opts, semantic, trace);
    } catch (err) {
      // A corrupt database must show in `status`, not only as failing searches.
      this.store.noteError?.(err);
      throw err;
    }
  }

  private async searchHere(query: string, opts: PoolSearchOptions, semantic: SemanticRetriever, trace?: TraceSpan): Promise<SearchHit[]> {
    if (this.searchPool) {
      try {
        return await this.searchPool.search(query, opts, semantic);
      } catch (err) {
        if (!(err instanceof PoolUnavailable)) throw err;
      }
    }
    return searchCode(this.store, query, { ...opts, semantic, trace });
  }

  async close(): Promise<void> {
    await this.searchHistory.close();
    await this.searchPool?.close();
    this.searchPool = null;
    await this.embedding.close();
    await this.cache.close();
    await this.pool?.close();
    this.pool = null;
    await this.store.close();
  }
}

/** What to ask Ollama about, per server: the embedding model (provider ollama) and the `ask` model. */
export function ollamaTargets(config: ContextdConfig): { host: string; targets: OllamaProbeTarget[] }[] {
  const out: { host: string; targets: OllamaProbeTarget[] }[] = [];
  const add = (host: string, t: OllamaProbeTarget) => {
    const entry = out.find((o) => o.host === host);
    if (entry) entry.targets.push(t);
    else out.push({ host, targets: [t] });
  };
  if (config.embed.provider === 'ollama') {
    add(config.embed.ollamaHost, {
      name: 'embedder',
      model: config.embed.model,
      configured: true,
      without: 'semantic search is off (lexical, symbol and history search answer)',
      modelSetting: '[embed] model / CONTEXTD_EMBED_MODEL',
    });
  }
  add(config.ask.ollamaHost, {
    name: 'llm',
    model: config.ask.model,
    configured: config.ask.configured,
    without: '`contextd ask` and ask_codebase are unavailable (search is unaffected)',
    modelSetting: '[ask] model / CONTEXTD_ASK_MODEL',
  });
  return out;
}

function toSeconds(t: TimeSpec | undefined, edge: 'start' | 'end', flag: string): number | undefined {
  if (t === undefined || t === '') return undefined;
  return typeof t === 'number' ? t : parseTimeSpec(t, edge, flag);
}

function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/** The closest existing ancestor of a path (a deleted file's directory may be gone too). */
function nearestExisting(p: string): string {
  let cur = p;
  while (!existsSync(cur)) {
    const parent = resolve(cur, '..');
    if (parent === cur) break;
    cur = parent;
  }
  return cur;
}
