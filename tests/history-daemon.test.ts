import t from 'tap';
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { isolatedEnv, runJson, tempDir } from './helpers/cli.js';
import { eventually, startDaemon } from './helpers/daemon.js';

interface Report {
  summary: { status: string; uncommittedLines: number; lastChange: { sha: string; author: string; subject: string } | null };
  commits: { sha: string | null; lines: number }[];
}

t.test('the daemon keeps history fresh: first index, uncommitted edits, commits through the hook', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const h = await buildFixture('history', join(dir, 'repo'));
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());

  await runJson(['add', h.dir, '--wait'], { env });
  await daemon.idle();
  const first = await runJson<Report>(['history', 'src/cache.py#invalidate', '--repo', h.dir], { env });
  t.equal(first.summary.lastChange?.subject, 'Stop the thundering herd when entries expire', 'history computed by the daemon');

  // An uncommitted edit reaches history through the file watcher.
  appendFileSync(join(h.dir, 'src/store.py'), '\n\ndef height():\n    return 0\n');
  const dirty = await eventually(async () => {
    const r = await runJson<Report>(['history', 'src/store.py#height', '--repo', h.dir], { env });
    return r.summary.status === 'uncommitted' && r.summary.uncommittedLines === 2;
  });
  t.ok(dirty, 'the new lines show as not committed yet');

  // A commit (the installed post-commit hook notifies the daemon): the lines become the commit's.
  fixtureGit(h.dir, ['add', 'src/store.py']);
  execFileSync('git', ['commit', '-q', '-m', 'Add a height helper'], {
    cwd: h.dir,
    env: {
      ...env,
      GIT_AUTHOR_NAME: 'Dana Reyes',
      GIT_AUTHOR_EMAIL: 'dana@example.com',
      GIT_COMMITTER_NAME: 'Dana Reyes',
      GIT_COMMITTER_EMAIL: 'dana@example.com',
    },
  });
  const head = fixtureGit(h.dir, ['rev-parse', 'HEAD']).trim();
  const committed = await eventually(async () => {
    const r = await runJson<Report>(['history', 'src/store.py#height', '--repo', h.dir], { env });
    return r.summary.lastChange?.sha === head;
  });
  t.ok(committed, 'history follows the commit');
  await daemon.idle();
  const byDana = await runJson<{ path: string; symbol: string | null }[]>(['search', 'height', '--author', 'dana', '--repo', h.dir], { env });
  t.same(
    byDana.map((x) => [x.path, x.symbol]),
    [['src/store.py', 'height']],
    '--author finds the new code',
  );
});
