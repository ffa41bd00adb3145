/**
 * The daemon's Prometheus metrics (prom-client), one registry per daemon. Events are
 * recorded where they happen (the engine's searches through `SearchObserver`, the
 * scheduler's runs and events, MCP tool calls); state that already lives elsewhere (the
 * queue, each repository's freshness, the cache's counters, backends' latency, embedding
 * progress) is read from the daemon when scraped (`refresh()`, memoized for a second).
 *
 * Naming: `contextd_` prefix, `_seconds` / `_total` / `_bytes` units, labels from fixed
 * sets (front end, mode, outcome, kind, source, backend, MCP tool name) and the
 * repository's name (bounded by the registered repositories). Never a query or a path.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from '../cache/types.js';
import { runGit } from '../repo/git.js';
import type { DaemonStatus, SearchEvent, SearchFrontEnd, SearchObserver } from '../types.js';
import { SearchFamilies } from './search-families.js';

/** What the metrics read from the daemon at scrape time. */
export interface MetricsSources {
  status(): Promise<DaemonStatus>;
  cacheStats(): CacheStats;
  /** The store's health probe round trip (ms, fractional), null when it does not answer. */
  storeLatencyMs(): Promise<number | null>;
}

export type IndexRunOutcome = 'ok' | 'failed' | 'cancelled' | 'busy';
export type EventSource = 'hook' | 'file' | 'ref';

export interface IndexRunRecord {
  full: boolean;
  outcome: IndexRunOutcome;
  seconds: number;
  parsed: number;
  reused: number;
  deleted: number;
  newChunks: number;
}

/** One search as the dashboard's time series keeps it (no query, no path). */
export interface RecentSearch {
  at: number;
  frontEnd: SearchFrontEnd;
  seconds: number;
}

export interface RecentRun {
  at: number;
  files: number;
  chunks: number;
  seconds: number;
}

const SEARCH_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const LAG_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const RECENT_MAX = 5000;

export class DaemonMetrics implements SearchObserver {
  readonly registry = new Registry();
  private sources: MetricsSources | null = null;
  /** Recent searches and runs for the dashboard's plots (a bounded ring each). */
  readonly recentSearches: RecentSearch[] = [];
  readonly recentRuns: RecentRun[] = [];
  private refreshed: { at: number; done: Promise<DaemonStatus | null> } | null = null;
  private readonly staleSince = new Map<string, number>();
  private readonly behindCache = new Map<string, Promise<number | null>>();
  private lastCache = { hits: 0, misses: 0 };

  private readonly search: SearchFamilies;
  private activeSearches = 0;
  private readonly active: Gauge;
  private readonly cacheHits: Counter;
  private readonly cacheMisses: Counter;
  private readonly cacheRatio: Gauge;
  private readonly runs: Counter<'kind' | 'outcome'>;
  private readonly runSeconds: Histogram<'kind'>;
  private readonly files: Counter<'result'>;
  private readonly chunks: Counter;
  private readonly filesPerSecond: Gauge;
  private readonly chunksPerSecond: Gauge;
  private readonly queueDepth: Gauge<'repo'>;
  private readonly queueRunning: Gauge;
  private readonly lagSeconds: Gauge<'repo'>;
  private readonly commitsBehind: Gauge<'repo'>;
  private readonly repoChunks: Gauge<'repo'>;
  private readonly embedded: Gauge<'state'>;
  private readonly embedRate: Gauge;
  private readonly storeLatency: Gauge;
  private readonly backendLatency: Gauge<'backend'>;
  private readonly backendUp: Gauge<'backend'>;
  private readonly healthy: Gauge;
  private readonly toSearchable: Histogram<'source'>;
  private readonly mcpCalls: Counter<'tool' | 'outcome'>;

  constructor(opts: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'contextd_' });
    this.search = new SearchFamilies(this.registry, SEARCH_BUCKETS);
    const active = () => this.activeSearches;
    this.active = new Gauge({
      name: 'contextd_searches_active',
      help: 'Searches being answered now.',
      registers,
      collect() {
        this.set(active());
      },
    });
    this.cacheHits = new Counter({ name: 'contextd_cache_hits_total', help: 'Query cache hits (searches and symbol lookups).', registers });
    this.cacheMisses = new Counter({ name: 'contextd_cache_misses_total', help: 'Query cache misses (computed answers).', registers });
    this.cacheRatio = new Gauge({ name: 'contextd_cache_hit_ratio', help: 'Query cache hits / lookups since start (0 before any lookup).', registers });
    this.runs = new Counter({
      name: 'contextd_index_runs_total',
      help: 'Index runs, by kind (full reconcile or paths) and outcome (ok, failed, cancelled, busy).',
      labelNames: ['kind', 'outcome'],
      registers,
    });
    this.runSeconds = new Histogram({
      name: 'contextd_index_run_duration_seconds',
      help: 'Duration of successful index runs.',
      labelNames: ['kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers,
    });
    this.files = new Counter({
      name: 'contextd_index_files_total',
      help: 'Files handled by index runs: parsed, reused (content already parsed) or deleted.',
      labelNames: ['result'],
      registers,
    });
    this.chunks = new Counter({ name: 'contextd_index_chunks_total', help: 'New chunks stored by index runs.', registers });
    this.filesPerSecond = new Gauge({ name: 'contextd_index_files_per_second', help: 'Files (parsed + reused) per second of the last index run.', registers });
    this.chunksPerSecond = new Gauge({ name: 'contextd_index_chunks_per_second', help: 'New chunks per second of the last index run.', registers });
    this.queueDepth = new Gauge({ name: 'contextd_queue_depth', help: 'Queued index jobs per repository.', labelNames: ['repo'], registers });
    this.queueRunning = new Gauge({ name: 'contextd_queue_running', help: 'Repositories being indexed now.', registers });
    this.lagSeconds = new Gauge({
      name: 'contextd_index_lag_seconds',
      help: 'How long the repository has not been up to date with HEAD and its working tree (0 when it is).',
      labelNames: ['repo'],
      registers,
    });
    this.commitsBehind = new Gauge({
      name: 'contextd_index_commits_behind',
      help: 'Commits HEAD is ahead of the indexed commit (-1 when not an ancestor).',
      labelNames: ['repo'],
      registers,
    });
    this.repoChunks = new Gauge({ name: 'contextd_repo_chunks', help: 'Chunks in the repository view.', labelNames: ['repo'], registers });
    this.embedded = new Gauge({
      name: 'contextd_embedding_chunks',
      help: 'Distinct chunks with a vector for the target model (state=embedded) and in total (state=total).',
      labelNames: ['state'],
      registers,
    });
    this.embedRate = new Gauge({ name: 'contextd_embedding_rate_chunks_per_second', help: 'Embedding throughput of the current or last run.', registers });
    this.storeLatency = new Gauge({ name: 'contextd_store_latency_seconds', help: "Round trip of the store's health probe.", registers });
    this.backendLatency = new Gauge({
      name: 'contextd_backend_latency_seconds',
      help: 'Last round trip to a network backend (cache, vectors, llm).',
      labelNames: ['backend'],
      registers,
    });
    this.backendUp = new Gauge({ name: 'contextd_backend_up', help: 'Backend healthy (1) or not (0).', labelNames: ['backend'], registers });
    this.healthy = new Gauge({ name: 'contextd_healthy', help: 'The verdict of `contextd status` (1 healthy, 0 degraded).', registers });
    this.toSearchable = new Histogram({
      name: 'contextd_hook_to_searchable_seconds',
      help: 'From a git hook, file or ref event to the end of the index run that made it searchable.',
      labelNames: ['source'],
      buckets: LAG_BUCKETS,
      registers,
    });
    this.mcpCalls = new Counter({
      name: 'contextd_mcp_tool_calls_total',
      help: 'MCP tool calls, by tool and outcome.',
      labelNames: ['tool', 'outcome'],
      registers,
    });
  }

  /** Where scrape-time state comes from (the daemon, once its engine is open). */
  bind(sources: MetricsSources): void {
    this.sources = sources;
  }

  searchStarted(): void {
    this.activeSearches++;
  }

  searchEnded(e: SearchEvent): void {
    this.activeSearches--;
    this.search.record(e);
    push(this.recentSearches, { at: Date.now(), frontEnd: e.frontEnd, seconds: e.seconds });
  }

  indexRun(r: IndexRunRecord): void {
    const kind = r.full ? 'full' : 'paths';
    this.runs.inc({ kind, outcome: r.outcome });
    if (r.outcome !== 'ok') return;
    this.runSeconds.observe({ kind }, r.seconds);
    this.files.inc({ result: 'parsed' }, r.parsed);
    this.files.inc({ result: 'reused' }, r.reused);
    this.files.inc({ result: 'deleted' }, r.deleted);
    this.chunks.inc(r.newChunks);
    // The throughput of the last run that handled files (a no-op reconcile says nothing about speed).
    const secs = Math.max(r.seconds, 1e-3);
    if (r.parsed + r.reused) this.filesPerSecond.set((r.parsed + r.reused) / secs);
    if (r.newChunks) this.chunksPerSecond.set(r.newChunks / secs);
    push(this.recentRuns, { at: Date.now(), files: r.parsed + r.reused, chunks: r.newChunks, seconds: r.seconds });
  }

  /** An event's work is searchable now: `seconds` after the event arrived. */
  madeSearchable(source: EventSource, seconds: number): void {
    this.toSearchable.observe({ source }, seconds);
  }

  mcpCall(tool: string, failed: boolean): void {
    this.mcpCalls.inc({ tool, outcome: failed ? 'error' : 'ok' });
  }

  /** Sets the scrape-time gauges from the daemon's state (read at most once per `maxAgeMs`); the status it read. */
  refresh(maxAgeMs = 1000): Promise<DaemonStatus | null> {
    const now = Date.now();
    if (this.refreshed && now - this.refreshed.at < maxAgeMs) return this.refreshed.done;
    this.refreshed = { at: now, done: this.readSources().catch(() => null) };
    return this.refreshed.done;
  }

  private async readSources(): Promise<DaemonStatus | null> {
    const src = this.sources;
    if (!src) return null;
    const cache = src.cacheStats();
    // The cache keeps its own totals: the counters move by what changed since the last scrape.
    this.cacheHits.inc(Math.max(0, cache.hits - this.lastCache.hits));
    this.cacheMisses.inc(Math.max(0, cache.misses - this.lastCache.misses));
    this.lastCache = { hits: cache.hits, misses: cache.misses };
    this.cacheRatio.set(cache.hits + cache.misses ? cache.hits / (cache.hits + cache.misses) : 0);
    const [status, storeMs] = await Promise.all([src.status(), src.storeLatencyMs()]);
    if (storeMs !== null) this.storeLatency.set(storeMs / 1000);
    this.healthy.set(status.healthy ? 1 : 0);
    this.queueRunning.set(status.queue.running);
    this.embedded.set({ state: 'embedded' }, status.embedding.embedded);
    this.embedded.set({ state: 'total' }, status.embedding.total);
    this.embedRate.set(status.embedding.rate);
    for (const b of status.backends) {
      this.backendUp.set({ backend: b.name }, b.healthy ? 1 : 0);
      if (typeof b.latencyMs === 'number') this.backendLatency.set({ backend: b.name }, b.latencyMs / 1000);
    }
    this.queueDepth.reset();
    this.lagSeconds.reset();
    this.commitsBehind.reset();
    this.repoChunks.reset();
    const names = repoLabels(status.repos.map((r) => r.name));
    const now = Date.now();
    await Promise.all(
      status.repos.map(async (r, i) => {
        const repo = names[i];
        this.queueDepth.set({ repo }, r.pendingJobs);
        this.repoChunks.set({ repo }, r.chunks);
        if (r.upToDate) this.staleSince.delete(r.root);
        else if (!this.staleSince.has(r.root)) this.staleSince.set(r.root, now);
        const since = this.staleSince.get(r.root);
        this.lagSeconds.set({ repo }, since === undefined ? 0 : (now - since) / 1000);
        const behind = await this.behind(r.root, r.indexedCommit, r.head);
        if (behind !== null) this.commitsBehind.set({ repo }, behind);
      }),
    );
    return status;
  }

  /** Seconds the repository at `root` has not been up to date (as of the last refresh); 0 when it is. */
  lagSecondsOf(root: string): number {
    const since = this.staleSince.get(root);
    return since === undefined ? 0 : (Date.now() - since) / 1000;
  }

  /** The oldest event still waiting for a repository's run: lag counts from there (earlier than a scrape noticed). */
  eventQueued(root: string, at: number): void {
    const known = this.staleSince.get(root);
    if (known === undefined || at < known) this.staleSince.set(root, at);
  }

  private behind(root: string, indexed: string | null, head: string | null): Promise<number | null> {
    if (!head) return Promise.resolve(null);
    if (indexed === head) return Promise.resolve(0);
    const key = `${root}\0${indexed}\0${head}`;
    let known = this.behindCache.get(key);
    if (!known) {
      const range = indexed ? [`${indexed}..${head}`] : [head];
      known = runGit(root, ['rev-list', '--count', ...range], { timeoutMs: 5000 }).then(
        (r) => Number(r.stdout.trim()),
        () => -1,
      );
      if (this.behindCache.size > 200) this.behindCache.clear();
      this.behindCache.set(key, known);
    }
    return known;
  }

  /** The Prometheus text exposition (after a refresh). */
  async text(): Promise<string> {
    // A scrape sees the state as it is now (the dashboard's samples share the memo).
    await this.refresh(0);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The search duration histogram's cumulative buckets over every label (the dashboard's histogram). */
  async searchHistogram(): Promise<{ le: number; count: number }[]> {
    return this.search.histogram();
  }
}

/** Repository names as labels; a name two repositories share gets a number. */
export function repoLabels(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}#${k}`;
  });
}

function push<T>(ring: T[], item: T): void {
  ring.push(item);
  // Trimmed in steps, not per push: a search pays a push.
  if (ring.length > RECENT_MAX * 1.25) ring.splice(0, ring.length - RECENT_MAX);
}
