/**
 * The two per-search families (`contextd_search_requests_total`, `contextd_search_duration_seconds`)
 * as plain counters keyed by their label values, exposed to prom-client's registry as
 * metrics of its shape (`get()` at scrape time). Why not prom-client's Counter/Histogram:
 * each of their calls hashes and validates the labels (a few µs, on every search, even for a
 * cached answer that takes 0.2 ms); here a search costs a map lookup and a few additions.
 */
import type { Registry } from 'prom-client';
import type { SearchEvent } from '../types.js';

interface Counted {
  labels: { front_end: string; mode: string; outcome: string };
  value: number;
}

interface Timed {
  labels: { front_end: string; mode: string };
  buckets: number[];
  sum: number;
  count: number;
}

type Value = { labels: Record<string, string | number>; value: number; metricName?: string };

export class SearchFamilies {
  private readonly counts = new Map<string, Counted>();
  private readonly times = new Map<string, Timed>();

  constructor(
    registry: Registry,
    private readonly bounds: readonly number[],
  ) {
    const counts = this.counts;
    const times = this.times;
    const upper = this.bounds;
    registry.registerMetric({
      name: 'contextd_search_requests_total',
      help: 'Searches answered, by front end (cli, mcp, lsp, other), mode and outcome (hits, empty, error).',
      type: 'counter',
      aggregator: 'sum',
      get: async () => ({
        name: 'contextd_search_requests_total',
        help: 'Searches answered, by front end (cli, mcp, lsp, other), mode and outcome (hits, empty, error).',
        type: 'counter',
        aggregator: 'sum',
        values: [...counts.values()].map((c) => ({ labels: { ...c.labels }, value: c.value })),
      }),
      reset: () => counts.clear(),
    } as unknown as Parameters<Registry['registerMetric']>[0]);
    registry.registerMetric({
      name: 'contextd_search_duration_seconds',
      help: 'Time to answer a search (cache hits included).',
      type: 'histogram',
      aggregator: 'sum',
      get: async () => {
        const values: Value[] = [];
        for (const t of times.values()) {
          let cumulative = 0;
          upper.forEach((le, i) => {
            cumulative += t.buckets[i];
            values.push({ labels: { le, ...t.labels }, value: cumulative, metricName: 'contextd_search_duration_seconds_bucket' });
          });
          values.push({ labels: { le: '+Inf', ...t.labels }, value: t.count, metricName: 'contextd_search_duration_seconds_bucket' });
          values.push({ labels: { ...t.labels }, value: t.sum, metricName: 'contextd_search_duration_seconds_sum' });
          values.push({ labels: { ...t.labels }, value: t.count, metricName: 'contextd_search_duration_seconds_count' });
        }
        return {
          name: 'contextd_search_duration_seconds',
          help: 'Time to answer a search (cache hits included).',
          type: 'histogram',
          aggregator: 'sum',
          values,
        };
      },
      reset: () => times.clear(),
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  record(e: SearchEvent): void {
    const ck = `${e.frontEnd}\0${e.mode}\0${e.outcome}`;
    const c = this.counts.get(ck);
    if (c) c.value++;
    else this.counts.set(ck, { labels: { front_end: e.frontEnd, mode: e.mode, outcome: e.outcome }, value: 1 });
    const tk = `${e.frontEnd}\0${e.mode}`;
    let t = this.times.get(tk);
    if (!t) this.times.set(tk, (t = { labels: { front_end: e.frontEnd, mode: e.mode }, buckets: this.bounds.map(() => 0), sum: 0, count: 0 }));
    t.sum += e.seconds;
    t.count++;
    const i = this.bounds.findIndex((b) => e.seconds <= b);
    if (i >= 0) t.buckets[i]++;
  }

  /** Cumulative buckets over every label set (the dashboard's histogram); le = Infinity last. */
  histogram(): { le: number; count: number }[] {
    const out = this.bounds.map((le) => ({ le, count: 0 }));
    let total = 0;
    for (const t of this.times.values()) {
      let cumulative = 0;
      t.buckets.forEach((n, i) => (out[i].count += cumulative += n));
      total += t.count;
    }
    return [...out, { le: Infinity, count: total }];
  }
}
