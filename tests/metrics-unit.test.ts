/**
 * The pieces of the monitoring endpoint and the metrics that need no daemon: `[http] listen`
 * parsing, the Host/Origin rule, repository labels, the dashboard's quantiles and bins, and
 * the registry's families after recorded events (names, labels, values).
 */
import t from 'tap';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { allowedHosts, refuseForeign } from '../daemon/server/http-guard.js';
import { DaemonMetrics, repoLabels } from '../daemon/metrics/metrics.js';
import { DashboardSeries, quantile } from '../daemon/metrics/dashboard-data.js';
import { isolatedEnv, tempDir } from './helpers/cli.js';
import type { DaemonStatus } from '../daemon/types.js';

t.test('[http] listen', async (t) => {
  const { env } = isolatedEnv(join(tempDir(t), 'home'));
  t.equal(loadConfig(env).http.listen, null, 'off by default');
  t.same(loadConfig({ ...env, CONTEXTD_HTTP_LISTEN: '127.0.0.1:7420' }).http.listen, { host: '127.0.0.1', port: 7420 });
  t.same(loadConfig({ ...env, CONTEXTD_HTTP_LISTEN: '[::1]:0' }).http.listen, { host: '::1', port: 0 });
  t.equal(loadConfig({ ...env, CONTEXTD_HTTP_LISTEN: 'off' }).http.listen, null);
  for (const bad of ['7420', '127.0.0.1', '127.0.0.1:99999', 'host:port'])
    t.throws(() => loadConfig({ ...env, CONTEXTD_HTTP_LISTEN: bad }), { code: 'bad-config' }, `refused: ${bad}`);
  t.equal(loadConfig(env).history.searches, true, 'search history on by default');
  t.equal(loadConfig({ ...env, CONTEXTD_SEARCH_HISTORY: 'false' }).history.searches, false);
  t.equal(loadConfig(env).history.searchRetentionDays, 30);
});

t.test('Host and Origin', async (t) => {
  const hosts = allowedHosts('127.0.0.1', 7420);
  t.same(hosts.slice(0, 3), ['127.0.0.1:7420', 'localhost:7420', '[::1]:7420']);
  t.equal(refuseForeign({ host: '127.0.0.1:7420' }, hosts), null);
  t.equal(refuseForeign({ host: 'localhost:7420', origin: 'http://localhost:7420' }, hosts), null, 'a same-origin browser request');
  t.match(refuseForeign({ host: 'evil.example:7420' }, hosts), { status: 421 }, 'DNS rebinding');
  t.match(refuseForeign({ host: '127.0.0.1:7421' }, hosts), { status: 421 }, 'another port');
  t.match(refuseForeign({}, hosts), { status: 421 }, 'no Host');
  t.match(refuseForeign({ host: '127.0.0.1:7420', origin: 'http://evil.example' }, hosts), { status: 403 }, 'a cross-site request');
  t.same(allowedHosts('::1', 80)[0], '[::1]:80', 'IPv6 in brackets');
  t.equal(allowedHosts('192.168.1.5', 80)[0], '192.168.1.5:80', 'another address: that address');
});

t.test('labels, quantiles', async (t) => {
  t.same(repoLabels(['app', 'lib', 'app', 'app']), ['app', 'lib', 'app#2', 'app#3']);
  t.equal(quantile([], 0.5), null);
  t.equal(quantile([3, 1, 2], 0.5), 2);
  t.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95), 10);
  t.equal(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.5), 5);
});

const status = (over: Partial<DaemonStatus> = {}): DaemonStatus =>
  ({
    healthy: true,
    version: 'x',
    uptimeMs: 1,
    queue: { pending: 2, running: 1 },
    embedding: { embedded: 5, total: 8, rate: 100 },
    backends: [{ name: 'store', kind: 'sqlite', healthy: true, detail: '' }],
    repos: [
      { root: '/src/app', name: 'app', upToDate: false, indexedCommit: null, head: null, pendingJobs: 2, chunks: 40, state: 'queued', lastIndexedAt: null },
      { root: '/other/app', name: 'app', upToDate: true, indexedCommit: 'a', head: 'a', pendingJobs: 0, chunks: 7, state: 'idle', lastIndexedAt: 1 },
    ],
    ...over,
  }) as unknown as DaemonStatus;

t.test('the registry after recorded events', async (t) => {
  const m = new DaemonMetrics({ processMetrics: false });
  let cache = { hits: 3, misses: 1 };
  m.bind({
    status: async () => status(),
    cacheStats: () => ({ ...cache, sharedHits: 0, errors: 0, bumps: 0, remoteBumps: 0, entries: 0, bytes: 0 }),
    storeLatencyMs: async () => 0.5,
  });
  m.searchStarted();
  t.match(await m.text(), /contextd_searches_active 1\n/, 'a search in flight');
  m.searchEnded({ frontEnd: 'mcp', mode: 'hybrid', outcome: 'hits', seconds: 0.003, hits: 4, cached: false });
  m.indexRun({ full: true, outcome: 'ok', seconds: 2, parsed: 10, reused: 30, deleted: 1, newChunks: 50 });
  m.indexRun({ full: false, outcome: 'ok', seconds: 0.1, parsed: 0, reused: 0, deleted: 0, newChunks: 0 });
  m.indexRun({ full: false, outcome: 'failed', seconds: 0.1, parsed: 0, reused: 0, deleted: 0, newChunks: 0 });
  m.madeSearchable('hook', 0.7);
  m.mcpCall('search_code', false);
  m.eventQueued('/src/app', Date.now() - 5000);
  const text = await m.text();
  for (const line of [
    'contextd_searches_active 0',
    'contextd_search_requests_total{front_end="mcp",mode="hybrid",outcome="hits"} 1',
    'contextd_search_duration_seconds_bucket{le="0.005",front_end="mcp",mode="hybrid"} 1',
    'contextd_search_duration_seconds_bucket{le="0.0025",front_end="mcp",mode="hybrid"} 0',
    'contextd_cache_hits_total 3',
    'contextd_cache_misses_total 1',
    'contextd_cache_hit_ratio 0.75',
    'contextd_index_runs_total{kind="full",outcome="ok"} 1',
    'contextd_index_runs_total{kind="paths",outcome="failed"} 1',
    'contextd_index_files_total{result="parsed"} 10',
    'contextd_index_files_total{result="reused"} 30',
    'contextd_index_chunks_total 50',
    'contextd_index_files_per_second 20',
    'contextd_index_chunks_per_second 25',
    'contextd_queue_depth{repo="app"} 2',
    'contextd_queue_depth{repo="app#2"} 0',
    'contextd_queue_running 1',
    'contextd_index_commits_behind{repo="app#2"} 0',
    'contextd_index_lag_seconds{repo="app#2"} 0',
    'contextd_repo_chunks{repo="app"} 40',
    'contextd_embedding_chunks{state="embedded"} 5',
    'contextd_embedding_chunks{state="total"} 8',
    'contextd_embedding_rate_chunks_per_second 100',
    'contextd_store_latency_seconds 0.0005',
    'contextd_backend_up{backend="store"} 1',
    'contextd_healthy 1',
    'contextd_hook_to_searchable_seconds_count{source="hook"} 1',
    'contextd_mcp_tool_calls_total{tool="search_code",outcome="ok"} 1',
  ])
    t.ok(text.includes(line + '\n'), line);
  const lag = /contextd_index_lag_seconds\{repo="app"\} (\S+)/.exec(text);
  t.ok(lag && Number(lag[1]) >= 5, `lag counts from the oldest waiting event (${lag?.[1]} s)`);
  t.notMatch(text, /\/src\/app|\/other\/app/, 'no path in any label');
  t.notMatch(text, /contextd_process_/, 'process metrics only when asked for');

  // Cache counters move by the deltas of the cache's own totals.
  cache = { hits: 10, misses: 4 };
  const again = await m.text();
  t.ok(again.includes('contextd_cache_hits_total 10\n') && again.includes('contextd_cache_misses_total 4\n'), 'counters follow the cache');
  t.equal(m.lagSecondsOf('/other/app'), 0, 'an up-to-date repository has no lag');

  // The dashboard's bins: the search lands in one latency bin with its p50 and p95, and counts per minute.
  const series = new DashboardSeries(m, () => cache, 1000);
  const data = await series.data(status(), []);
  const withSearch = data.latency.filter((b) => b.n > 0);
  t.same(
    withSearch.map((b) => [b.n, b.p50, b.p95]),
    [[1, 0.003, 0.003]],
    'one bin holds the search',
  );
  t.equal(
    data.rate.reduce((a, r) => a + r.mcp, 0),
    60,
    'one search in a 1 s bin is 60 per minute',
  );
  t.equal(
    data.throughput.reduce((a, r) => a + r.files, 0),
    40,
    'indexing throughput per second of bin',
  );
  t.same(data.histogram.map((b) => b.count).slice(-1), [1], 'the histogram is cumulative up to +Inf');
  t.same(
    data.repos.map((r) => r.name),
    ['app', 'app#2'],
  );
});
