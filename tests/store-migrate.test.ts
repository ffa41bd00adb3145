/**
 * `contextd migrate`: SQLite -> PostgreSQL -> SQLite gives identical search, symbol,
 * history and semantic results, with nothing parsed or embedded again; a non-empty
 * target is refused without --force; an interrupted migration is simply run again;
 * a running daemon blocks it.
 */
import t from 'tap';
import { processState } from '../daemon/server/lock.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { migrateStore } from '../daemon/store/migrate.js';
import { buildFixture } from '../fixtures/repos.js';
import { runCli, tempDir } from './helpers/cli.js';
import { pgForTest, pgSchemaUrl } from './helpers/services.js';

type ServiceT = Parameters<typeof pgForTest>[0];
/** Without repository ids (a replaced repository gets a new one). */
const noIds = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'repoId' || k === 'id' ? undefined : x)));
const asT = (x: unknown) => x as ServiceT;

const QUERIES = [
  'parseJsonConfig',
  'config loader',
  'cache invalidation',
  'thundering herd',
  'slugify',
  'row store',
  'where do we load the configuration file',
  'get',
];

async function answers(engine: Engine, roots: { basic: string; history: string }): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of QUERIES) {
    out.push(await engine.search(q));
    out.push(await engine.search(q, { mode: 'lexical', repo: roots.history }));
    out.push((await engine.search(q, { mode: 'semantic' })).map((h) => [h.path, h.startLine, h.endLine]));
  }
  for (const q of ['pjc', 'Cache', 'get']) out.push(await engine.symbols(q));
  out.push(await engine.history('src/cache.py#invalidate', { repo: roots.history }));
  out.push(await engine.related('src/cache.py', { repo: roots.history }));
  out.push(await engine.changes({ repo: roots.history, since: '2000-01-01' }));
  return out;
}

t.test('sqlite -> postgres -> sqlite: identical results, nothing parsed or embedded again', async (t) => {
  const pg = await pgForTest(asT(t));
  if (!pg) return;
  const dir = tempDir(t);
  const basic = await buildFixture('basic', join(dir, 'basic'));
  const history = await buildFixture('history', join(dir, 'history'));
  const roots = { basic: basic.dir, history: history.dir };
  const url = pgSchemaUrl(asT(t), pg.url, 'migrate');
  const base: NodeJS.ProcessEnv = { ...process.env, CONTEXTD_CONFIG_DIR: join(dir, 'cfg'), CONTEXTD_WORKERS: '0', CONTEXTD_MACHINE: 'box' };
  delete base.CONTEXTD_DATABASE_URL;
  const envA = { ...base, CONTEXTD_DATA_DIR: join(dir, 'a') };
  const envB = { ...base, CONTEXTD_DATA_DIR: join(dir, 'b'), CONTEXTD_DATABASE_URL: url };
  const envC = { ...base, CONTEXTD_DATA_DIR: join(dir, 'c') };

  const a = await Engine.open(loadConfig(envA));
  await a.index(roots.basic);
  await a.index(roots.history);
  // Deleted rows stay in FTS5's statistics: the copy must carry them (scores would differ otherwise).
  await a.store.deleteFiles((await a.store.getRepo(roots.basic))!.id, ['src/config_loader.py']);
  await a.store.prune();
  await a.index(roots.basic);
  const embedded = await a.embedPending();
  t.ok(embedded.embedded > 10, `${embedded.embedded} chunks embedded`);
  const expected = await answers(a, roots);
  await a.close();

  // Into PostgreSQL, with the CLI (the local SQLite store is the default source).
  const up = await runCli(['migrate', '--json'], { env: { ...envA, CONTEXTD_DATABASE_URL: url } });
  t.equal(up.code, 0, up.stderr);
  const upSummary = JSON.parse(up.stdout) as { tables: Record<string, number>; replaced: boolean };
  t.match(upSummary, { tables: { repos: 2, chunk_vectors: embedded.embedded }, replaced: false });

  const b = await Engine.open(loadConfig(envB));
  t.teardown(() => b.close());
  t.equal(b.store.backend, 'postgres');
  t.same(await answers(b, roots), expected, 'PostgreSQL answers exactly as the SQLite source did');
  const noEmbed = await b.embedPending();
  t.equal(noEmbed.added, 0, 'nothing to embed: every vector came along');
  t.equal(noEmbed.trained, false, 'and the learned model too');

  // A target holding this machine's index is refused without --force.
  const again = await runCli(['migrate'], { env: { ...envA, CONTEXTD_DATABASE_URL: url } });
  t.not(again.code, 0);
  t.match(again.stderr, /already holds this machine's index/);
  t.match(again.stderr, /--force/);

  // Back into a fresh SQLite store.
  const down = await runCli(['migrate', '--to', 'sqlite', '--from', url, '--json'], { env: envC });
  t.equal(down.code, 0, down.stderr);
  const c = await Engine.open(loadConfig(envC));
  t.teardown(() => c.close());
  t.same(await answers(c, roots), expected, 'and so does the SQLite copy of the copy');
  t.equal((await c.embedPending()).added, 0);
  const reindex = await c.index(roots.history);
  t.equal(reindex.parsed, 0, 'no file is parsed again');
  t.equal(reindex.newChunks, 0);

  // --force replaces the target's index.
  const forced = await runCli(['migrate', '--json', '--force'], { env: { ...envA, CONTEXTD_DATABASE_URL: url } });
  t.equal(forced.code, 0, forced.stderr);
  const forcedSummary = JSON.parse(forced.stdout) as { replaced: boolean; reused: { parses: number }; tables: { parse_chunks: number } };
  t.equal(forcedSummary.replaced, true);
  t.ok(forcedSummary.reused.parses > 0 && forcedSummary.tables.parse_chunks === 0, 'shared content is reused, not copied twice');
  // Replaced repositories get new ids (in the same order): everything else is the same.
  t.same(noIds(await answers(b, roots)), noIds(expected), 'still the same answers');
});

t.test('an interrupted migration is run again; a running daemon blocks it', async (t) => {
  const pg = await pgForTest(asT(t));
  if (!pg) return;
  const dir = tempDir(t);
  const history = await buildFixture('history', join(dir, 'history'));
  const env: NodeJS.ProcessEnv = { ...process.env, CONTEXTD_DATA_DIR: join(dir, 'a'), CONTEXTD_CONFIG_DIR: join(dir, 'cfg'), CONTEXTD_WORKERS: '0' };
  delete env.CONTEXTD_DATABASE_URL;
  const a = await Engine.open(loadConfig(env));
  await a.index(history.dir);
  const expected = await a.search('cache invalidation');
  await a.close();
  const url = pgSchemaUrl(asT(t), pg.url, 'interrupted');
  const from = { kind: 'sqlite' as const, path: join(dir, 'a', 'index.db') };
  const to = { kind: 'postgres' as const, url };
  await t.rejects(migrateStore({ from, to, machine: 'box', stopAfterBatches: 4 }), { code: 'migration-interrupted' });
  const rerun = await migrateStore({ from, to, machine: 'box' });
  t.equal(rerun.replaced, true, 'the half-done copy is replaced without --force');
  const b = await Engine.open(loadConfig({ ...env, CONTEXTD_DATA_DIR: join(dir, 'b'), CONTEXTD_DATABASE_URL: url, CONTEXTD_MACHINE: 'box' }));
  t.teardown(() => b.close());
  t.same(noIds(await b.search('cache invalidation')), noIds(expected), 'complete and exact after the re-run');

  // The lock a live daemon writes: its pid and its process start time (this test process stands in).
  writeFileSync(join(dir, 'a', 'daemon.lock'), JSON.stringify({ pid: process.pid, start: processState(process.pid).start }));
  const blocked = await runCli(['migrate', '--force'], { env: { ...env, CONTEXTD_DATABASE_URL: url } });
  t.not(blocked.code, 0);
  t.match(blocked.stderr, /daemon .* already uses/);
  t.match(blocked.stderr, /contextd stop/);
});
