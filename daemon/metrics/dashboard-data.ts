/**
 * What the dashboard page plots, as one JSON answer (`/api/dashboard`): time series
 * binned by the sample interval (search latency p50/p95 and searches per minute by
 * front end from the recent-search ring; indexing throughput from the recent runs;
 * queue depth, index lag and the cache hit ratio from samples taken every interval),
 * the search duration histogram, the repositories and the recent searches.
 * Samples are taken only while the HTTP endpoint runs (no cost when it is off).
 */
import type { DaemonStatus, SearchFrontEnd, SearchLogEntry } from '../types.js';
import { repoLabels, type DaemonMetrics } from './metrics.js';

const FRONT_ENDS: readonly SearchFrontEnd[] = ['cli', 'mcp', 'lsp', 'other'];
/** Bins (and samples) kept: an hour at the default 5 s interval, a minute at 100 ms. */
const POINTS = 720;

interface Sample {
  t: number;
  queue: Record<string, number>;
  lag: Record<string, number>;
  cacheHits: number;
  cacheMisses: number;
}

export interface DashboardData {
  now: number;
  sampleMs: number;
  healthy: boolean;
  version: string;
  uptimeMs: number;
  latency: { t: number; p50: number | null; p95: number | null; n: number }[];
  histogram: { le: number | null; count: number }[];
  rate: ({ t: number } & Record<SearchFrontEnd, number>)[];
  throughput: { t: number; files: number; chunks: number }[];
  queue: { t: number; repos: Record<string, number> }[];
  lag: { t: number; repos: Record<string, number> }[];
  cache: { t: number; ratio: number | null }[];
  repos: {
    name: string;
    root: string;
    state: string;
    upToDate: boolean;
    files: number;
    chunks: number;
    pendingJobs: number;
    lastIndexedAt: number | null;
    lastError: string | null;
  }[];
  searches: SearchLogEntry[];
}

export class DashboardSeries {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly metrics: DaemonMetrics,
    private readonly cacheStats: () => { hits: number; misses: number },
    readonly sampleMs: number,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.sampleMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async sample(): Promise<void> {
    const status = await this.metrics.refresh();
    const c = this.cacheStats();
    const queue: Record<string, number> = {};
    const lag: Record<string, number> = {};
    const now = Date.now();
    if (status) {
      const names = repoLabels(status.repos.map((r) => r.name));
      status.repos.forEach((r, i) => {
        queue[names[i]] = r.pendingJobs + (r.state === 'indexing' ? 1 : 0);
        lag[names[i]] = this.metrics.lagSecondsOf(r.root);
      });
    }
    this.samples.push({ t: now, queue, lag, cacheHits: c.hits, cacheMisses: c.misses });
    if (this.samples.length > POINTS) this.samples.splice(0, this.samples.length - POINTS);
  }

  async data(status: DaemonStatus, searches: SearchLogEntry[]): Promise<DashboardData> {
    const now = Date.now();
    const bin = this.sampleMs;
    // Bins end at now; the oldest shown is the first sample's (or the first search's) time.
    const first = Math.min(this.samples[0]?.t ?? now, this.metrics.recentSearches[0]?.at ?? now, this.metrics.recentRuns[0]?.at ?? now);
    const count = Math.max(1, Math.min(POINTS, Math.ceil((now - first) / bin) + 1));
    const start = now - count * bin;
    const binOf = (t: number) => Math.floor((t - start) / bin);
    const lat: number[][] = Array.from({ length: count }, () => []);
    const rate = Array.from({ length: count }, (_, i) => ({ t: start + (i + 1) * bin, cli: 0, mcp: 0, lsp: 0, other: 0 }));
    for (const s of this.metrics.recentSearches) {
      const i = binOf(s.at);
      if (i < 0 || i >= count) continue;
      lat[i].push(s.seconds);
      rate[i][s.frontEnd]++;
    }
    const perMinute = 60_000 / bin;
    for (const r of rate) for (const fe of FRONT_ENDS) r[fe] *= perMinute;
    const throughput = Array.from({ length: count }, (_, i) => ({ t: start + (i + 1) * bin, files: 0, chunks: 0 }));
    for (const r of this.metrics.recentRuns) {
      const i = binOf(r.at);
      if (i < 0 || i >= count) continue;
      throughput[i].files += r.files / (bin / 1000);
      throughput[i].chunks += r.chunks / (bin / 1000);
    }
    const cache = this.samples.map((s, i) => {
      const prev = this.samples[i - 1];
      const hits = s.cacheHits - (prev?.cacheHits ?? 0);
      const lookups = hits + s.cacheMisses - (prev?.cacheMisses ?? 0);
      return { t: s.t, ratio: lookups > 0 ? hits / lookups : null };
    });
    return {
      now,
      sampleMs: bin,
      healthy: status.healthy,
      version: status.version,
      uptimeMs: status.uptimeMs,
      latency: lat.map((xs, i) => ({ t: start + (i + 1) * bin, p50: quantile(xs, 0.5), p95: quantile(xs, 0.95), n: xs.length })),
      histogram: (await this.metrics.searchHistogram()).map((b) => ({ le: Number.isFinite(b.le) ? b.le : null, count: b.count })),
      rate,
      throughput,
      queue: this.samples.map((s) => ({ t: s.t, repos: s.queue })),
      lag: this.samples.map((s) => ({ t: s.t, repos: s.lag })),
      cache,
      repos: status.repos.map((r, i) => ({
        name: repoLabels(status.repos.map((x) => x.name))[i],
        root: r.root,
        state: r.state,
        upToDate: r.upToDate,
        files: r.files,
        chunks: r.chunks,
        pendingJobs: r.pendingJobs,
        lastIndexedAt: r.lastIndexedAt,
        lastError: r.lastError,
      })),
      searches,
    };
  }
}

/** Nearest-rank quantile; null for no values. */
export function quantile(xs: number[], q: number): number | null {
  if (!xs.length) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
