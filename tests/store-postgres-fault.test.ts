/**
 * PostgreSQL going away and coming back, on a private throwaway server (stopped with
 * `pg_ctl stop -m immediate`: connections drop, nothing is checkpointed).
 *
 * - mid-index: the run fails with `store-unavailable` (no half-written file, the
 *   indexed commit does not move); after a restart the next run completes, and the
 *   database holds exactly what a clean run stores (same rows, same BM25 statistics,
 *   same search results: nothing lost, nothing duplicated);
 * - under the daemon: status says the store is unhealthy (and does not fail), a CLI
 *   command explains how to fix it, a commit made meanwhile is not lost, and the
 *   daemon catches up by itself once the server is back.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { loadConfig } from '../daemon/config/config.js';
import { Engine } from '../daemon/engine.js';
import { sql } from '../daemon/store/pg-db.js';
import type { PostgresStore } from '../daemon/store/postgres-store.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { eventually, startDaemon } from './helpers/daemon.js';
import { killablePg, pgSchemaUrl } from './helpers/services.js';

type ServiceT = Parameters<typeof killablePg>[0];
const asT = (x: unknown) => x as ServiceT;

/** A repository of `n` small Python modules (several write batches), one commit. */
function syntheticRepo(dir: string, n: number): string {
  mkdirSync(join(dir, 'pkg'), { recursive: true });
  for (let i = 0; i < n; i++) {
    writeFileSync(
      join(dir, 'pkg', `mod_${i}.py`),
      `"""Module ${i}: parsing and caching helpers."""\n\n\ndef parse_record_${i}(line):\n    return line.split(",")[${i % 7}]\n\n\nclass Cache${i}:\n    def get(self, key):\n        return self.items.get(key, ${i})\n`,
    );
  }
  fixtureGit(dir, ['init', '-q']);
  fixtureGit(dir, ['add', '-A']);
  fixtureGit(dir, ['commit', '-q', '-m', 'Add modules']);
  return dir;
}

const TABLES = [
  'repos',
  'files',
  'parses',
  'chunks',
  'parse_chunks',
  'lexical',
  'symbols',
  'commits',
  'commit_lex',
  'commit_files',
  'repo_commits',
  'blame_files',
  'blame_ranges',
];

/** Row counts, FTS statistics and the view of one schema. */
async function snapshot(store: PostgresStore): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const table of TABLES) {
    out[table] = (await store.db.one(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM ${sql.identifier([table])}`)).n;
  }
  out.lexical_stats = await store.db.one(sql.type(z.object({ nrow: z.number(), ntok: z.number() }))`SELECT nrow, ntok FROM lexical_stats`);
  out.view = await store.db.rows(
    sql.type(z.object({ path: z.string(), content_key: z.string(), status: z.string() }))`SELECT path, content_key, status FROM files ORDER BY path`,
  );
  return out;
}

t.test('PostgreSQL stopped mid-index: the run fails cleanly, the next one completes with nothing lost or duplicated', async (t) => {
  const pg = await killablePg(asT(t));
  if (!pg) return;
  const dir = tempDir(t);
  const root = syntheticRepo(join(dir, 'repo'), 400);
  const open = async (name: string) => {
    const engine = await Engine.open(
      loadConfig({
        ...process.env,
        CONTEXTD_DATA_DIR: join(dir, `data-${name}`),
        CONTEXTD_CONFIG_DIR: join(dir, 'cfg'),
        CONTEXTD_WORKERS: '0',
        CONTEXTD_DATABASE_URL: pgSchemaUrl(asT(t), pg.url, name),
        CONTEXTD_MACHINE: 'm',
      }),
    );
    t.teardown(() => engine.close());
    return engine;
  };
  const faulted = await open('faulted');
  let stoppedAt = -1;
  await t.rejects(
    faulted.index(root, {
      onProgress: (p) => {
        if (p.phase === 'index' && p.done >= 150 && stoppedAt < 0) {
          stoppedAt = p.done;
          pg.stop();
        }
      },
    }),
    { code: 'store-unavailable', message: /PostgreSQL at .* is unreachable/ },
    'the run stops with a clear error',
  );
  t.ok(stoppedAt >= 150, `server stopped after ${stoppedAt} of 400 files`);
  const down = await faulted.store.health();
  t.match(down, { healthy: false, error: /unreachable|ECONNREFUSED|connect/ }, 'the store reports itself unhealthy');

  await pg.start();
  t.match(await faulted.store.health(), { healthy: true }, 'reconnects by itself once the server is back');
  const partial = await snapshot(faulted.store as PostgresStore);
  t.ok((partial.files as number) < 400, `some files were stored before the stop (${partial.files}), not all`);
  t.equal(partial.repos as number, 1);
  const repo = await faulted.store.getRepo(root);
  t.equal(repo?.indexedCommit, null, 'the indexed commit did not move');

  const summary = await faulted.index(root);
  t.same(summary.errors, [], 'the next run completes');
  t.equal(summary.files, 400);
  t.equal(summary.parsed + summary.unchanged + summary.reused, 400, 'files stored before the stop are not parsed again');
  t.ok(summary.unchanged > 0, `${summary.unchanged} files were already stored`);

  const clean = await open('clean');
  await clean.index(root);
  const [a, b] = [await snapshot(faulted.store as PostgresStore), await snapshot(clean.store as PostgresStore)];
  t.same(a, b, 'row for row what a clean run stores (counts, FTS statistics, view)');
  t.same((a.lexical_stats as { nrow: number }).nrow, a.lexical, 'every lexical row counted once in the BM25 statistics (a rolled-back batch left nothing)');
  for (const q of ['parse record', 'Cache get', 'parse_record_42', 'caching helpers']) {
    const strip = (hits: Awaited<ReturnType<Engine['search']>>) => hits.map((h) => [h.path, h.startLine, h.score, h.retrievers]);
    t.same(strip(await faulted.search(q, { mode: 'lexical' })), strip(await clean.search(q, { mode: 'lexical' })), `same results for ${q}`);
  }
});

t.test('the daemon with PostgreSQL down: unhealthy status, clear CLI error, no lost commit, catches up by itself', async (t) => {
  const pg = await killablePg(asT(t));
  if (!pg) return;
  const dir = tempDir(t);
  const { env: base } = isolatedEnv(join(dir, 'home'));
  const env = { ...base, CONTEXTD_DATABASE_URL: pgSchemaUrl(asT(t), pg.url, 'daemon'), CONTEXTD_MACHINE: 'm', CONTEXTD_EMBEDDER: 'off' };
  const root = syntheticRepo(join(dir, 'repo'), 20);
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', root, '--wait'], { env });
  await daemon.idle();
  const before = await runJson<{ path: string }[]>(['search', 'parse_record_3', '--repo', root], { env });
  t.equal(before[0]?.path, 'pkg/mod_3.py', 'indexed into PostgreSQL by the daemon');

  pg.stop();
  const status = await daemon.call<{ healthy: boolean; backends: { name: string; healthy: boolean; detail: string }[] }>('status');
  t.equal(status.healthy, false, 'status answers, and says unhealthy');
  t.match(
    status.backends.find((b) => b.name === 'store'),
    { healthy: false, detail: /unreachable|ECONNREFUSED|connect/ },
  );
  const statusCli = await runCli(['status'], { env });
  t.equal(statusCli.code, 1, '`contextd status` exits 1 while the store is down');
  const search = await runCli(['search', 'parse', '--repo', root], { env });
  t.not(search.code, 0);
  // Answered by the daemon (which holds the store) or, without one, by the CLI's own process: one clear line and the fix either way.
  t.match(search.stderr, /(cannot reach PostgreSQL at|PostgreSQL at) postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres\S*( is unreachable)?/, 'one clear line');
  t.match(search.stderr, /hint: start (PostgreSQL|the server)/, 'with the fix');

  // A commit while the store is down: the hook's event cannot be queued in the database yet.
  writeFileSync(join(root, 'pkg', 'late.py'), 'def arrived_while_down():\n    return 1\n');
  fixtureGit(root, ['add', '-A']);
  execFileSync('git', ['commit', '-q', '-m', 'Add a late module'], {
    cwd: root,
    env: { ...env, GIT_AUTHOR_NAME: 'Ann', GIT_AUTHOR_EMAIL: 'ann@example.com', GIT_COMMITTER_NAME: 'Ann', GIT_COMMITTER_EMAIL: 'ann@example.com' },
  });
  // The hook's event reached the daemon, which keeps it until the store answers (and says so).
  const waiting = await eventually(
    async () => {
      const s = await daemon.call<{ stalled: { backend: string; waiting: number }[] }>('status');
      return s.stalled.some((x) => x.backend === 'store' && x.waiting >= 1);
    },
    20_000,
    100,
  );
  t.ok(waiting, 'status shows the commit event waiting for the store');
  t.equal(daemon.child.exitCode, null, 'the daemon is still running');

  await pg.start();
  const caughtUp = await eventually(
    async () => {
      const r = await runCli(['search', 'arrived_while_down', '--repo', root, '--json'], { env });
      return r.code === 0 && (JSON.parse(r.stdout) as { path: string }[])[0]?.path === 'pkg/late.py';
    },
    40_000,
    500,
  );
  t.ok(caughtUp, 'the commit made while PostgreSQL was down is indexed once it is back');
  const healthy = await eventually(async () => (await daemon.call<{ healthy: boolean }>('status')).healthy, 20_000, 500);
  t.ok(healthy, 'status is healthy again');
});
