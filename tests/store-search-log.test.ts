/**
 * The search history store (store/search-log.ts) on both engines, and its buffered
 * recorder (search/search-history.ts): rows written in batches read back identically on
 * SQLite and PostgreSQL (newest first, --since, limit), an "opened" mark reaches a row
 * still in the buffer and one already written (the first mark wins), clear and retention
 * delete only this machine's rows, and `contextd migrate` copies the table.
 */
import t from 'tap';
import { join } from 'node:path';
import { SqliteStore } from '../daemon/store/sqlite-store.js';
import { PostgresStore } from '../daemon/store/postgres-store.js';
import { sqlitePort } from '../daemon/store/sql-port.js';
import { SqlSearchLog, type SearchLogEntry, type SearchLogStore } from '../daemon/store/search-log.js';
import { SearchHistory } from '../daemon/search/search-history.js';
import { TABLES } from '../daemon/store/tables.js';
import { tempDir } from './helpers/cli.js';
import { pgForTest, pgSchemaUrl } from './helpers/services.js';

type ServiceT = Parameters<typeof pgForTest>[0];
const asT = (x: unknown) => x as ServiceT;

const entry = (i: number, over: Partial<SearchLogEntry> = {}): SearchLogEntry => ({
  id: 1_000_000 + i,
  at: 1_700_000_000_000 + i * 1000,
  frontEnd: (['cli', 'mcp', 'lsp'] as const)[i % 3],
  repo: i % 4 === 0 ? null : '/home/me/src/app',
  mode: i % 2 ? 'lexical' : 'hybrid',
  query: `query ${i} with "quotes" and ünïcode`,
  hits: i,
  latencyMs: 1.25 + i,
  outcome: i ? 'hits' : 'empty',
  openedPath: null,
  openedRank: null,
  ...over,
});

/** The same script on either engine; returns what it read, to compare engines with each other. */
async function exercise(t: Tap.Test, log: SearchLogStore, other: SearchLogStore): Promise<unknown[]> {
  const seen: unknown[] = [];
  await log.append(Array.from({ length: 12 }, (_, i) => entry(i)));
  await other.append([entry(100, { id: 2_000_000 })]);
  const all = await log.list({ limit: 100 });
  t.equal(all.length, 12, "this machine's rows only");
  t.same(
    all.map((e) => e.id),
    Array.from({ length: 12 }, (_, i) => entry(11 - i).id),
    'newest first',
  );
  t.same(all[11], entry(0), 'a row reads back as written (null repo, latency to the microsecond)');
  t.same(all[0].latencyMs, 12.25);
  seen.push(all);
  const since = await log.list({ since: entry(8).at, limit: 100 });
  t.same(
    since.map((e) => e.id),
    [1_000_011, 1_000_010, 1_000_009, 1_000_008],
    'since is inclusive',
  );
  t.equal((await log.list({ limit: 3 })).length, 3, 'limit');
  await log.markOpened(1_000_005, 'src/a.py', 2);
  await log.markOpened(1_000_005, 'src/b.py', 1);
  await other.markOpened(1_000_006, 'src/c.py', 1);
  const five = (await log.list({ limit: 100 })).find((e) => e.id === 1_000_005);
  t.match(five, { openedPath: 'src/a.py', openedRank: 2 }, 'the first opened mark wins');
  t.match(
    (await log.list({ limit: 100 })).find((e) => e.id === 1_000_006),
    { openedPath: null },
    "another machine cannot mark this machine's rows",
  );
  await log.append([entry(5, { query: 'again' })]);
  t.equal((await log.list({ limit: 100 })).find((e) => e.id === 1_000_005)?.query, entry(5).query, 'a row written twice (a retried flush) stays one row');
  t.equal(await log.clear(entry(3).at), 3, 'retention deletes rows before the cut');
  t.equal((await log.list({ limit: 100 })).length, 9);
  seen.push(await log.list({ limit: 100 }));
  t.equal(await log.clear(), 9, 'clear deletes the rest');
  t.same(await log.list({ limit: 100 }), []);
  t.equal((await other.list({ limit: 100 })).length, 1, "another machine's history is left alone");

  // The recorder: buffered until flushed; opened marks reach buffered and written rows.
  const history = new SearchHistory(log, { enabled: true, retentionDays: 30, flushMs: 60_000 });
  history.record({ id: 3_000_001, at: Date.now(), frontEnd: 'mcp', repo: null, mode: 'hybrid', query: 'buffered', hits: 3, latencyMs: 2, outcome: 'hits' });
  t.same(await log.list({ limit: 10 }), [], 'nothing written before a flush');
  await history.opened(3_000_001, 'src/x.py', 1);
  await history.flush();
  t.match(await log.list({ limit: 10 }), [{ id: 3_000_001, openedPath: 'src/x.py', openedRank: 1 }], 'a mark made while buffered is written with the row');
  history.record({ id: 3_000_002, at: Date.now(), frontEnd: 'cli', repo: '/r', mode: 'symbol', query: 'written', hits: 0, latencyMs: 1, outcome: 'empty' });
  await history.flush();
  await history.opened(3_000_002, 'src/y.py', null);
  t.match((await history.list({ limit: 10 }))[0], { id: 3_000_002, openedPath: 'src/y.py', openedRank: null }, 'a mark after the write updates the row');
  t.equal(await history.clear(), 2);
  const off = new SearchHistory(log, { enabled: false, retentionDays: 30 });
  off.record({ at: Date.now(), frontEnd: 'cli', repo: null, mode: 'hybrid', query: 'not kept', hits: 0, latencyMs: 1, outcome: 'empty' });
  await off.flush();
  t.same(await log.list({ limit: 10 }), [], 'history off records nothing');
  const old = new SearchHistory(log, { enabled: true, retentionDays: 1 });
  await log.append([entry(1, { id: 4_000_000, at: Date.now() - 3 * 86_400_000 })]);
  old.record({ at: Date.now(), frontEnd: 'cli', repo: null, mode: 'hybrid', query: 'new', hits: 1, latencyMs: 1, outcome: 'hits' });
  await old.flush();
  t.same(
    (await log.list({ limit: 10 })).map((e) => e.query),
    ['new'],
    'retention drops entries older than the setting on a flush',
  );
  return seen;
}

t.test('search_log is declared for migrate', async (t) => {
  const decl = TABLES.find((d) => d.name === 'search_log');
  t.ok(decl, 'contextd migrate copies it');
  t.same(decl?.key, ['id']);
});

t.test('sqlite and postgres answer the same', async (t) => {
  const dir = tempDir(t);
  const store = new SqliteStore(join(dir, 'index.db'));
  t.teardown(() => store.close());
  const port = sqlitePort(store.raw);
  const sqliteSeen = await exercise(t, new SqlSearchLog(port, 'machine-a'), new SqlSearchLog(port, 'machine-b'));
  const pg = await pgForTest(asT(t));
  if (!pg) return;
  const url = pgSchemaUrl(asT(t), pg.url, 'searchlog');
  const a = await PostgresStore.open({ url, machine: 'machine-a' });
  const b = await PostgresStore.open({ url, machine: 'machine-b' });
  t.teardown(async () => {
    await a.close();
    await b.close();
  });
  const pgSeen = await exercise(t, a.searchLog(), b.searchLog());
  t.same(pgSeen, sqliteSeen, 'identical rows on both engines');
});

t.test('ids stay unique however fast searches come', async (t) => {
  const dir = tempDir(t);
  const store = new SqliteStore(join(dir, 'index.db'));
  t.teardown(() => store.close());
  const history = new SearchHistory(new SqlSearchLog(sqlitePort(store.raw), 'm'), { enabled: true, retentionDays: 30 });
  // Far more than one per millisecond (2048 ids share a millisecond's range).
  for (let i = 0; i < 10_000; i++)
    history.record({ at: Date.now(), frontEnd: 'mcp', repo: null, mode: 'hybrid', query: `q${i}`, hits: 0, latencyMs: 0, outcome: 'empty' });
  await history.flush();
  t.equal(history.dropped, 0);
  t.equal((await history.list({ limit: 20_000 })).length, 10_000, 'every search is a row');
  const ids = [history.newId(), history.newId()];
  t.ok(ids[1] > ids[0], 'ids grow');
});

t.test("recording a search keeps the SQLite store's per-repository lexical statistics", async (t) => {
  const dir = tempDir(t);
  const store = new SqliteStore(join(dir, 'index.db'));
  t.teardown(() => store.close());
  const log = new SqlSearchLog(sqlitePort(store.raw), 'm');
  // White-box: the cache is keyed by the store's write version; a view write must change it, a history row must not.
  const inner = store as unknown as { repoLexStats(ids: number[], keys: string[]): unknown; lexStatsCache: { key: string } | null };
  inner.repoLexStats([1], []);
  const before = inner.lexStatsCache!.key;
  await log.append([entry(1)]);
  await log.markOpened(entry(1).id, 'src/a.py', 1);
  await log.clear();
  inner.repoLexStats([1], []);
  t.equal(inner.lexStatsCache!.key, before, 'history writes leave the statistics valid');
  await store.ensureRepo('/r', 'r');
  inner.repoLexStats([1], []);
  t.not(inner.lexStatsCache!.key, before, 'a repository write invalidates them');
});
