/**
 * The monitoring endpoint of a real daemon: after searches through the CLI, MCP (real SDK
 * client) and LSP (vscode-jsonrpc client on lsp.sock), a commit made through the
 * installed git hooks and the index runs, `/metrics` shows every metric family with
 * non-zero values where work happened; `contextd metrics` prints the same families;
 * `/health` answers 200; a foreign Host, a foreign Origin, a missing or wrong token are
 * refused; the token in the URL becomes a cookie; `contextd searches` lists the searches of
 * all three front ends with the get_code after search_code linked as opened. With
 * PostgreSQL as the store, `/health` answers 503 once the server is stopped.
 */
import t from 'tap';
import { request } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { daemonWithRepo, eventually } from './helpers/daemon.js';
import { runCli, runJson } from './helpers/cli.js';
import { dialLsp } from './helpers/lsp-client.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { killablePg, pgSchemaUrl } from './helpers/services.js';
import type { DaemonStatus, SearchLogEntry } from '../daemon/types.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Prometheus text → family name → samples (labels, value). */
function parseMetrics(text: string): Map<string, { name: string; labels: Record<string, string>; value: number }[]> {
  const out = new Map<string, { name: string; labels: Record<string, string>; value: number }[]>();
  let family = '';
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type) {
      family = type[1];
      out.set(family, []);
      continue;
    }
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.get(family)?.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

t.test('metrics, health, dashboard access and search history across CLI, MCP and LSP', async (t) => {
  const { repo, daemon, env } = await daemonWithRepo(t, 'basic', { CONTEXTD_HTTP_LISTEN: '127.0.0.1:0', CONTEXTD_HTTP_SAMPLE_MS: '200' });
  const st = await daemon.call<DaemonStatus>('status');
  const base = st.paths.http!;
  t.match(base, /^http:\/\/127\.0\.0\.1:\d+$/, 'the endpoint listens on loopback, as configured');
  const port = new URL(base).port;
  t.match((await runCli(['status'], { env })).stdout, `http     ${base}`, '`contextd status` shows it');

  // CLI: searches in their own process, recorded in the store and forwarded to the daemon's metrics.
  const cli = await runJson<{ path: string }[]>(['search', 'json config', '--repo', repo, '--json'], { env });
  t.ok(cli.length > 0, 'the CLI search found something');
  await runJson(['search', 'zzzznotthere', '--repo', repo, '--mode', 'lexical', '--json'], { env });

  // MCP: search_code, the same again (a cache hit), then get_code of its second hit.
  const client = new Client({ name: 'metrics-test', version: '1' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());
  const search = (await client.callTool({ name: 'search_code', arguments: { query: 'parse json config', repo } })) as CallToolResult;
  const hits = (search.structuredContent as { hits: { path: string; startLine: number; endLine: number }[] }).hits;
  t.ok(hits.length >= 2, 'search_code found at least two hits');
  await client.callTool({ name: 'search_code', arguments: { query: 'parse json config', repo } });
  const opened = hits[1];
  const code = (await client.callTool({
    name: 'get_code',
    arguments: { path: opened.path, start: opened.startLine, end: opened.endLine, repo },
  })) as CallToolResult;
  t.notOk(code.isError, 'get_code answered');

  // LSP: the contextd.search command from an editor on lsp.sock.
  const lsp = await dialLsp(st.paths.lspSocket);
  t.teardown(() => lsp.close());
  await lsp.initialize([repo]);
  const located = await lsp.conn.sendRequest<unknown[]>('workspace/executeCommand', {
    command: 'contextd.search',
    arguments: ['cache invalidation', { limit: 3 }],
  });
  t.ok(located.length > 0, 'the LSP search found something');

  // A commit through the installed hooks: an event that becomes searchable.
  writeFileSync(join(repo, 'src', 'metrics_probe.py'), 'def metrics_probe_function():\n    return "probe"\n');
  await fixtureGit(repo, ['add', 'src/metrics_probe.py']);
  await fixtureGit(repo, ['commit', '-q', '-m', 'add a probe']);
  const head = (await fixtureGit(repo, ['rev-parse', 'HEAD'])).trim();
  await eventually(async () => (await daemon.call<DaemonStatus>('status')).repos[0]?.indexedCommit === head, 60_000);
  await daemon.idle();

  // Every family, with non-zero values where work happened.
  const scraped = await get(`${base}/metrics`);
  t.equal(scraped.status, 200, '/metrics needs no token');
  t.match(String(scraped.headers['content-type']), /^text\/plain; version=0\.0\.4/, 'Prometheus text format');
  const m = parseMetrics(scraped.body);
  const sum = (family: string, name = family, where: (l: Record<string, string>) => boolean = () => true) =>
    (m.get(family) ?? []).filter((s) => s.name === name && where(s.labels)).reduce((a, s) => a + s.value, 0);
  for (const fe of ['cli', 'mcp', 'lsp']) t.ok(sum('contextd_search_requests_total', undefined, (l) => l.front_end === fe) > 0, `searches counted for ${fe}`);
  t.ok(sum('contextd_search_requests_total', undefined, (l) => l.outcome === 'empty' && l.mode === 'lexical') > 0, 'an empty lexical search has its outcome');
  t.ok(sum('contextd_search_duration_seconds', 'contextd_search_duration_seconds_count') >= 5, 'search durations observed');
  t.ok(m.has('contextd_searches_active'), 'active searches');
  t.ok(sum('contextd_cache_hits_total') > 0 && sum('contextd_cache_misses_total') > 0, 'cache hits and misses');
  t.ok(sum('contextd_cache_hit_ratio') > 0 && sum('contextd_cache_hit_ratio') < 1, 'cache hit ratio');
  t.ok(sum('contextd_index_runs_total', undefined, (l) => l.outcome === 'ok') >= 2, 'index runs');
  t.ok(sum('contextd_index_run_duration_seconds', 'contextd_index_run_duration_seconds_count') >= 2, 'index run durations');
  t.ok(sum('contextd_index_files_total', undefined, (l) => l.result === 'parsed') > 0, 'files parsed');
  t.ok(sum('contextd_index_chunks_total') > 0, 'chunks stored');
  t.ok(sum('contextd_index_files_per_second') > 0, 'indexing files per second');
  t.ok(m.has('contextd_index_chunks_per_second'), 'indexing chunks per second');
  t.same(
    (m.get('contextd_queue_depth') ?? []).map((s) => s.labels),
    [{ repo: 'basic' }],
    'queue depth per repository, labelled by name (never a path)',
  );
  t.ok(
    m.get('contextd_index_lag_seconds')?.some((s) => s.labels.repo === 'basic'),
    'index lag per repository',
  );
  t.same(
    (m.get('contextd_index_commits_behind') ?? []).map((s) => [s.labels.repo, s.value]),
    [['basic', 0]],
    'commits behind HEAD per repository',
  );
  t.ok(sum('contextd_embedding_chunks', undefined, (l) => l.state === 'total') > 0, 'embedding progress');
  t.ok(m.has('contextd_embedding_rate_chunks_per_second'), 'embedding throughput');
  t.ok(sum('contextd_store_latency_seconds') > 0, 'store latency');
  t.ok(m.has('contextd_backend_up'), 'backend health');
  t.equal(sum('contextd_healthy'), 1, 'the status verdict');
  t.ok(sum('contextd_hook_to_searchable_seconds', 'contextd_hook_to_searchable_seconds_count') > 0, 'hook-to-searchable latency observed');
  t.ok(sum('contextd_mcp_tool_calls_total', undefined, (l) => l.tool === 'search_code') >= 2, 'MCP tool calls');
  t.ok(sum('contextd_process_cpu_seconds_total') > 0, 'process CPU');
  t.ok(sum('contextd_process_resident_memory_bytes') > 0, 'process RSS');
  t.ok(m.has('contextd_nodejs_eventloop_lag_seconds'), 'event-loop lag');
  const labelValues = [...m.values()].flat().flatMap((s) => Object.values(s.labels));
  t.notOk(
    labelValues.some((v) => v.includes('/') || v.includes('json config')),
    'no label holds a path or a query',
  );

  const printed = await runCli(['metrics'], { env });
  t.equal(printed.code, 0);
  t.match(printed.stdout, /# TYPE contextd_search_requests_total counter/, '`contextd metrics` prints the families');
  const asJson = JSON.parse((await runCli(['metrics', '--json'], { env })).stdout) as { name: string }[];
  t.ok(
    asJson.some((f) => f.name === 'contextd_search_duration_seconds'),
    '`contextd metrics --json` lists them',
  );

  // Health: 200 with the status verdict.
  const health = await get(`${base}/health`);
  t.equal(health.status, 200);
  t.match(JSON.parse(health.body), { healthy: true });

  // Refused: foreign Host (DNS rebinding), foreign Origin, no token, a wrong token.
  t.equal((await get(`${base}/metrics`, { Host: `evil.example:${port}` })).status, 421, 'a foreign Host header is refused');
  t.equal((await get(`${base}/health`, { Host: 'evil.example' })).status, 421, 'for /health too');
  t.equal((await get(`${base}/api/dashboard`, { Origin: 'https://evil.example' })).status, 403, 'a foreign Origin is refused');
  t.equal((await get(`${base}/dashboard`)).status, 401, 'the dashboard needs the token');
  t.equal((await get(`${base}/api/dashboard`)).status, 401, 'its data too');
  t.equal((await get(`${base}/dashboard?token=wrong`)).status, 401, 'a wrong token is refused');
  t.equal((await get(`${base}/api/dashboard`, { Cookie: `contextd_token_${port}=wrong` })).status, 401, 'a wrong cookie is refused');

  // `contextd dashboard` prints the URL with the token; the token becomes a cookie.
  const dash = JSON.parse((await runCli(['dashboard', '--json'], { env })).stdout) as { url: string; dashboardUrl: string };
  t.equal(dash.url, base, '`contextd dashboard` finds the running endpoint');
  const token = readFileSync(st.paths.httpTokenFile!, 'utf8').trim();
  t.equal(new URL(dash.dashboardUrl).searchParams.get('token'), token, 'its URL carries the token');
  const signIn = await get(dash.dashboardUrl);
  t.equal(signIn.status, 303, 'the token in the URL redirects');
  t.equal(signIn.headers.location, '/dashboard', '... to an address without it');
  const cookie = String(signIn.headers['set-cookie']).split(';')[0];
  t.match(String(signIn.headers['set-cookie']), /HttpOnly; SameSite=Strict/, 'an HttpOnly, SameSite cookie');
  const page = await get(`${base}/dashboard`, { Cookie: cookie });
  t.equal(page.status, 200);
  t.match(page.body, /<svg id="latency"/);
  t.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/, 'no script from anywhere else');
  t.notMatch(page.body, /https?:\/\//, 'no CDN or other remote resource');
  const data = JSON.parse((await get(`${base}/api/dashboard`, { Authorization: `Bearer ${token}` })).body) as { repos: { name: string }[] };
  t.equal(data.repos[0]?.name, 'basic', 'the bearer token works as well');

  // The search history: every front end, with the get_code after search_code linked.
  const listed = await runJson<SearchLogEntry[]>(['searches', '--json'], { env });
  const fronts = new Set(listed.map((e) => e.frontEnd));
  t.same([...fronts].sort(), ['cli', 'lsp', 'mcp'], '`contextd searches` lists CLI, MCP and LSP searches');
  const cliEntry = listed.find((e) => e.frontEnd === 'cli' && e.query === 'json config');
  t.match(cliEntry, { repo, mode: 'hybrid', outcome: 'hits' }, 'a CLI search with its repository, mode and outcome');
  t.ok(cliEntry!.latencyMs > 0 && cliEntry!.hits === cli.length, 'its latency and hit count');
  t.match(
    listed.find((e) => e.query === 'zzzznotthere'),
    { mode: 'lexical', outcome: 'empty', hits: 0 },
  );
  const mcpEntries = listed.filter((e) => e.frontEnd === 'mcp');
  t.equal(mcpEntries.length, 2, 'both MCP searches');
  t.match(mcpEntries[0], { openedPath: opened.path, openedRank: 2 }, 'the get_code after search_code is linked as opened (the second hit)');
  t.match(mcpEntries[1], { openedPath: null }, 'the earlier search was not followed by a read');
  t.match(
    listed.find((e) => e.frontEnd === 'lsp'),
    { query: 'cache invalidation', repo },
    'the LSP search',
  );
  const recent = await runJson<SearchLogEntry[]>(['searches', '--json', '--since', '1h'], { env });
  t.equal(recent.length, listed.length, '--since keeps the recent ones');
  const text = (await runCli(['searches'], { env })).stdout;
  t.match(text, /cli hybrid {3}"json config"/, 'the human listing');

  // A CLI search hands its history entry to the daemon: no write from another process, so the
  // daemon's cached answers stay valid (SQLite's data_version is part of their keys).
  const hitsNow = async () => {
    const parsed = parseMetrics((await get(`${base}/metrics`)).body);
    return (parsed.get('contextd_cache_hits_total') ?? []).reduce((a, s) => a + s.value, 0);
  };
  await client.callTool({ name: 'search_code', arguments: { query: 'slugify text', repo } });
  const before = await hitsNow();
  await runJson(['search', 'another cli query', '--repo', repo, '--json'], { env });
  await client.callTool({ name: 'search_code', arguments: { query: 'slugify text', repo } });
  t.equal(await hitsNow(), before + 1, "a CLI search between two MCP searches leaves the daemon's cache valid");
  t.ok(
    (await runJson<SearchLogEntry[]>(['searches', '--json'], { env })).some((e) => e.query === 'another cli query' && e.frontEnd === 'cli'),
    'and its entry is in the history (written by the daemon)',
  );

  const all = await runJson<SearchLogEntry[]>(['searches', '--json'], { env });
  const cleared = JSON.parse((await runCli(['searches', '--clear', '--json'], { env })).stdout) as { cleared: number };
  t.equal(cleared.cleared, all.length, '--clear deletes them');
  t.same(await runJson(['searches', '--json'], { env }), [], 'and the history is empty');
});

t.test('search history off: nothing is recorded', async (t) => {
  const { repo, env } = await daemonWithRepo(t, 'basic', { CONTEXTD_SEARCH_HISTORY: '0' });
  await runJson(['search', 'json config', '--repo', repo, '--json'], { env });
  t.same(await runJson(['searches', '--json'], { env }), []);
  t.match((await runCli(['searches'], { env })).stdout, /search history is off/);
});

t.test('/health answers 503 when the store is down (PostgreSQL stopped)', async (t) => {
  const pg = await killablePg(t);
  if (!pg) return;
  const url = pgSchemaUrl(t, pg.url, 'health');
  const { daemon } = await daemonWithRepo(t, 'basic', { CONTEXTD_HTTP_LISTEN: '127.0.0.1:0', CONTEXTD_DATABASE_URL: url });
  const base = (await daemon.call<DaemonStatus>('status')).paths.http!;
  t.equal((await get(`${base}/health`)).status, 200, 'healthy first');
  pg.stop();
  const down = await eventually(async () => ((await get(`${base}/health`)).status === 503 ? true : null), 30_000);
  t.ok(down, '503 once PostgreSQL is gone');
  const body = JSON.parse((await get(`${base}/health`)).body) as { healthy: boolean; backends: { name: string; healthy: boolean }[] };
  t.match(body, { healthy: false }, 'the same verdict as status');
  t.match(
    body.backends.find((b) => b.name === 'store'),
    { healthy: false },
    'the store is the reason',
  );
  t.equal((await get(`${base}/metrics`)).status, 200, '/metrics still answers');
  await pg.start();
  let last = '';
  const back = await eventually(async () => {
    const r = await get(`${base}/health`);
    last = r.body;
    return r.status === 200 ? true : null;
  }, 30_000);
  // An embedding run the outage broke is retried by the daemon itself (the verdict would stay 503 otherwise).
  t.ok(back, `200 again when it is back${back ? '' : ` (last answer: ${last.slice(0, 600)})`}`);
});
