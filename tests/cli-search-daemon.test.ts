/**
 * `contextd search` asks the running daemon of its data dir (issue 20: a new process opening a
 * large index costs seconds), and never a daemon of another data dir that shares the socket dir.
 * Real daemon, real CLI processes, real git fixtures.
 */
import t from 'tap';
import { join } from 'node:path';
import { daemonWithRepo } from './helpers/daemon.js';
import { isolatedEnv, runCli, runJson } from './helpers/cli.js';
import { buildFixture } from '../fixtures/repos.js';

interface Status {
  backends: { name: string; detail: string }[];
}
/** Searches the daemon's search workers answered (status: "N searches answered"). */
async function served(env: NodeJS.ProcessEnv): Promise<number> {
  const s = await runJson<Status>(['status'], { env });
  const detail = s.backends.find((b) => b.name === 'search')?.detail ?? '';
  return Number(/(\d+) searches answered/.exec(detail)?.[1] ?? NaN);
}

t.test('the daemon answers contextd search; the same hits as in-process; another data dir is never asked', async (t) => {
  const { dir, env, repo } = await daemonWithRepo(t, 'basic');
  const before = await served(env);
  t.ok(Number.isFinite(before), `the daemon reports its searches (${before})`);

  const viaDaemon = await runJson<{ path: string; startLine: number }[]>(['search', 'parseJsonConfig', '--repo', repo, '--limit', '5'], { env });
  t.ok(viaDaemon.length > 0, `hits through the daemon (${viaDaemon.length})`);
  t.ok((await served(env)) > before, 'answered by the daemon, not by a new process opening the index');

  const inProcess = await runJson<{ path: string; startLine: number }[]>(['search', 'parseJsonConfig', '--repo', repo, '--limit', '5'], {
    env: { ...env, CONTEXTD_NO_DAEMON: '1' },
  });
  t.same(
    viaDaemon.map((h) => `${h.path}:${h.startLine}`),
    inProcess.map((h) => `${h.path}:${h.startLine}`),
    'the same hits in-process',
  );

  const text = await runCli(['search', 'parseJsonConfig', '--repo', repo], { env });
  t.equal(text.code, 0);
  t.match(text.stdout, /index: \w+ = HEAD/, 'the freshness line comes with the daemon answer');

  // Another data dir whose socket dir is the daemon's: its own (other) index answers.
  const other = isolatedEnv(join(dir, 'other')).env;
  const otherEnv = { ...other, XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR };
  const otherRepo = join(dir, 'history-repo');
  await buildFixture('history', otherRepo);
  await runJson(['index', otherRepo, '--no-embed'], { env: otherEnv });
  const seen = await served(env);
  // Without --repo: the repository around the cwd of that data dir; the daemon's repository is not in it.
  const mine = await runJson<{ repo: string }[]>(['search', 'slugify', '--limit', '5'], { env: otherEnv, cwd: otherRepo });
  t.ok(mine.length > 0 && mine.every((h) => h.repo === otherRepo), `hits from its own index only (${mine.length})`);
  const theirs = await runJson<{ repo: string }[]>(['search', 'parseJsonConfig', '--limit', '5'], { env: otherEnv, cwd: dir });
  t.ok(
    theirs.every((h) => h.repo !== repo),
    "the daemon's repository is not searched from the other data dir",
  );
  t.equal(await served(env), seen, 'the other data dir never asked this daemon');
});

t.test('while embeddings lag, the answer says how far they are (lexical hits are complete)', async (t) => {
  // An embedder that cannot be reached: the lexical index is written, no vector ever arrives.
  const { env, repo } = await daemonWithRepo(t, 'basic', { CONTEXTD_EMBEDDER: 'ollama', CONTEXTD_OLLAMA_HOST: 'http://127.0.0.1:9' });
  const text = await runCli(['search', 'parseJsonConfig', '--repo', repo], { env });
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /parseJsonConfig/, 'lexical and symbol hits answer meanwhile');
  t.match(text.stdout, /vectors 0% \(0\/[1-9]\d* chunks; semantic results fill in\)/, 'the freshness line says how far the vectors are');
});
