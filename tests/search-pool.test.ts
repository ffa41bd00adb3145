/**
 * Searches on worker threads (the daemon's search pool): the same answers as
 * in-process search for every kind of query, fresh after writes on the main
 * connection, and a worker that hangs, dies or cannot start never costs an answer.
 */
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine, type SearchScope } from '../daemon/engine.js';
import { PoolUnavailable, SearchPool } from '../daemon/search/search-pool.js';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { tempDir } from './helpers/cli.js';
import { eventually } from './helpers/daemon.js';

function env(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, CONTEXTD_DATA_DIR: join(dir, 'data'), CONTEXTD_CONFIG_DIR: join(dir, 'cfg'), CONTEXTD_EMBEDDER: 'builtin', CONTEXTD_WORKERS: '0' };
}

/** What a caller sees of a hit (the cache and the thread it ran on must not change any of it). */
const view = (
  hits: { path: string; startLine: number; endLine: number; symbol: string | null; score: number; snippet: string; retrievers: string[]; history: unknown }[],
) =>
  hits.map((h) => ({
    path: h.path,
    lines: `${h.startLine}-${h.endLine}`,
    symbol: h.symbol,
    score: h.score,
    snippet: h.snippet,
    retrievers: h.retrievers,
    history: h.history,
  }));

/** The basic fixture indexed in-process into a fresh data dir (the engine is closed at teardown). */
async function indexedBasic(t: { teardown: (fn: () => unknown) => void }) {
  const dir = tempDir(t);
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  const config = loadConfig(env(dir));
  const engine = await Engine.open(config);
  t.teardown(() => engine.close());
  await engine.index(repo);
  return { dir, config };
}

t.test('pooled searches answer exactly as in-process ones, and see writes made on the main connection', async (t) => {
  const dir = tempDir(t);
  const repo = join(dir, 'history');
  await buildFixture('history', repo);
  const config = loadConfig(env(dir));
  const pooled = await Engine.open(config, { searchWorkers: 2 });
  t.teardown(() => pooled.close());
  await pooled.index(repo);
  await pooled.embedPending();
  const local = await Engine.open(config);
  t.teardown(() => local.close());
  t.equal(local.searchWorkers(), null, 'no pool unless asked for');
  t.ok(await eventually(async () => pooled.searchWorkers()?.ready === 2), 'both workers ready');

  const cases: [string, SearchScope][] = [
    ['slugify', { repo }],
    ['cache invalidation', { repo }],
    ['where do we evict entries from the cache', { repo }],
    ['expiry', { repo, mode: 'lexical' }],
    ['evict old cache entries', { repo, mode: 'semantic' }],
    ['cache', { repo, mode: 'symbol' }],
    ['cache', { repo, languages: ['python'] }],
    ['store', { repo, paths: ['src/**'] }],
    ['fix race', { repo, history: true }],
    ['cache', { repo, since: '3000w' }],
  ];
  let nonEmpty = 0;
  for (const [query, scope] of cases) {
    // A fresh cache per comparison: each engine computes its own answer.
    const want = view(await local.search(query, { ...scope, limit: 8 }));
    const got = view(await pooled.search(query, { ...scope, limit: 8 }));
    t.same(got, want, `${query} ${JSON.stringify({ ...scope, repo: undefined })}`);
    if (want.length) nonEmpty++;
  }
  t.equal(pooled.searchWorkers()?.served, cases.length, 'every pooled search ran on a worker');
  t.ok(nonEmpty >= 8, `most cases have hits to compare (${nonEmpty}/${cases.length})`);
  t.ok(
    (await pooled.search('evict old cache entries', { repo, mode: 'semantic', limit: 8 })).some((h) => h.retrievers.includes('semantic')),
    'the vector retriever (on the main thread) answered the worker',
  );

  // A write through the main connection is visible to the workers' read connections at once.
  mkdirSync(join(repo, 'src'), { recursive: true });
  writeFileSync(join(repo, 'src', 'ledger.py'), 'def reconcile_ledger_entries(entries):\n    return sorted(entries)\n');
  fixtureGit(repo, ['add', 'src/ledger.py']);
  fixtureGit(repo, ['-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'ledger']);
  await pooled.index(repo);
  const fresh = await pooled.search('reconcile_ledger_entries', { repo, limit: 5 });
  t.equal(fresh[0]?.symbol, 'reconcile_ledger_entries', 'new code found through a worker');
  const words = await pooled.search('reconcile ledger', { repo, limit: 5, mode: 'symbol' });
  t.equal(words[0]?.symbol, 'reconcile_ledger_entries', "the worker's symbol-name cache saw the write too");
});

t.test('a search that outlives the timeout fails clearly and its worker is replaced; a closed pool sends searches back', async (t) => {
  const { config } = await indexedBasic(t);

  const events: string[] = [];
  // Every search "hangs" past a 1 ms budget: it fails with a clear error (not retried on the
  // main thread, where it would stall the daemon) and the worker is replaced.
  const pool = new SearchPool({ size: 1, config, timeoutMs: 1, onEvent: (m) => events.push(m) });
  t.teardown(() => pool.close());
  t.ok(await eventually(async () => pool.readyWorkers === 1), 'worker ready');
  const opts = { repoIds: [1], limit: 5 };
  await t.rejects(pool.search('parseJsonConfig', opts), { code: 'search-timeout', message: /took longer than 0 s and was stopped/ });
  t.match(events, ['search worker too slow; restarting it']);
  t.equal(pool.readyWorkers, 0, 'the slow worker is gone');
  t.ok(await eventually(async () => pool.readyWorkers === 1), 'and replaced');
  for (let i = 0; i < 4; i++) {
    await t.rejects(pool.search('parseJsonConfig', opts), { code: 'search-timeout' });
    t.ok(await eventually(async () => pool.readyWorkers === 1), `replaced again (${i + 1})`);
  }
  t.notOk(events.includes('search workers cannot start; searching on the main thread'), 'slow searches are not failed starts');

  const slow = new SearchPool({ size: 1, config, timeoutMs: 60_000 });
  t.teardown(() => slow.close());
  t.ok(await eventually(async () => slow.readyWorkers === 1));
  const hits = await slow.search('parseJsonConfig', opts);
  t.equal(hits[0]?.symbol, 'parseJsonConfig', 'a healthy worker answers');
  await slow.close();
  await t.rejects(slow.search('parseJsonConfig', opts), PoolUnavailable, 'closed: the caller searches itself');
});

t.test('workers that cannot open the store give up after a few tries; searches still work in-process', async (t) => {
  const { dir, config } = await indexedBasic(t);

  const events: string[] = [];
  const broken = { ...config, paths: { ...config.paths, dataDir: join(dir, 'nowhere') } };
  const pool = new SearchPool({ size: 2, config: broken, onEvent: (m) => events.push(m) });
  t.teardown(() => pool.close());
  t.ok(await eventually(async () => events.includes('search workers cannot start; searching on the main thread'), 15_000), 'gave up, and said so');
  t.equal(pool.readyWorkers, 0);
  await t.rejects(pool.search('parseJsonConfig', { repoIds: [1], limit: 5 }), PoolUnavailable);
});
