import t from 'tap';
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { buildFixture } from '../fixtures/repos.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { eventually, startDaemon } from './helpers/daemon.js';
import type { DaemonStatus } from '../daemon/server/status.js';

interface Hit {
  path: string;
  symbol: string | null;
}

const git = (cwd: string, args: string[]) => fixtureGit(cwd, args);

t.test('the daemon keeps a registered repository fresh through hooks and file events', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);

  const down = await runCli(['status'], { env });
  t.equal(down.code, 3, 'status exits 3 when the daemon is not running');

  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());

  const second = await runCli(['daemon'], { env });
  t.equal(second.code, 1, 'a second daemon on the same data dir refuses to start');
  t.match(second.stderr, /already uses/);

  const added = await runJson<{ root: string }>(['add', repo, '--wait'], { env });
  t.equal(added.root, repo);
  const status = await runJson<DaemonStatus>(['status'], { env });
  t.equal((await runCli(['status'], { env })).code, 0, 'status exits 0 when healthy');
  const r = status.repos.find((x) => x.root === repo)!;
  t.ok(r, 'repository listed');
  t.equal(r.registered, true);
  t.equal(r.indexedCommit, r.head, 'indexed commit equals HEAD');
  t.equal(r.upToDate, true);
  t.ok(r.files > 5 && r.chunks > 5, 'files and chunks counted');

  // A commit through the installed hook makes the new function searchable.
  writeFileSync(join(repo, 'src/retry.py'), 'def resend_chunk_with_backoff(chunk):\n    return chunk\n');
  git(repo, ['add', 'src/retry.py']);
  git(repo, ['commit', '-q', '-m', 'Add retry']);
  const found = await eventually(async () => {
    const hits = await runJson<Hit[]>(['search', 'resend_chunk_with_backoff', '--repo', repo], { env });
    return hits[0]?.symbol === 'resend_chunk_with_backoff';
  });
  t.ok(found, 'committed function is searchable');
  await daemon.idle();
  const afterCommit = await runJson<DaemonStatus>(['status'], { env });
  const rc = afterCommit.repos.find((x) => x.root === repo)!;
  t.equal(rc.indexedCommit, rc.head, 'indexed commit follows HEAD after the hook');

  // A commit that bypasses every hook (another tool moved HEAD) is noticed through the ref watch.
  writeFileSync(join(repo, 'src/nohook.py'), 'def committed_without_hooks():\n    pass\n');
  git(repo, ['add', 'src/nohook.py']);
  git(repo, ['-c', `core.hooksPath=${join(dir, 'no-hooks')}`, 'commit', '-q', '-m', 'no hooks ran']);
  const head = fixtureGit(repo, ['rev-parse', 'HEAD']).trim();
  const followed = await eventually(async () => {
    const s = await runJson<DaemonStatus>(['status'], { env });
    return s.repos.find((x) => x.root === repo)?.indexedCommit === head;
  });
  t.ok(followed, 'indexed commit follows HEAD without any hook');

  // An uncommitted edit is picked up by the file watcher.
  writeFileSync(join(repo, 'src/draft.py'), 'def draft_only_function():\n    pass\n');
  const watched = await eventually(async () => {
    const hits = await runJson<Hit[]>(['search', 'draft_only_function', '--repo', repo], { env });
    return hits[0]?.path === 'src/draft.py';
  });
  t.ok(watched, 'uncommitted new file is searchable');

  // Branch switch: views follow; content seen before is reused, never parsed again.
  git(repo, ['checkout', '-q', '-b', 'feature']);
  writeFileSync(join(repo, 'src/feature_a.py'), 'def feature_alpha():\n    return "a"\n');
  writeFileSync(join(repo, 'src/feature_b.py'), 'def feature_beta():\n    return "b"\n');
  git(repo, ['add', 'src/feature_a.py', 'src/feature_b.py']);
  git(repo, ['commit', '-q', '-m', 'feature work']);
  await eventually(async () => (await runJson<Hit[]>(['search', 'feature_beta', '--repo', repo], { env })).length > 0);
  await daemon.idle();
  const before = (await runJson<DaemonStatus>(['status'], { env })).totals;
  git(repo, ['checkout', '-q', 'main']);
  const gone = await eventually(async () => (await runJson<Hit[]>(['search', 'feature_beta', '--repo', repo], { env })).length === 0);
  t.ok(gone, 'after checkout main, the feature-only function is gone');
  await daemon.idle();
  git(repo, ['checkout', '-q', 'feature']);
  const back = await eventually(async () => (await runJson<Hit[]>(['search', 'feature_beta', '--repo', repo], { env })).length > 0);
  t.ok(back, 'after checkout feature, it is back');
  await daemon.idle();
  const after = (await runJson<DaemonStatus>(['status'], { env })).totals;
  t.equal(after.parsed - before.parsed, 0, 'switching back and forth parsed nothing: every file was seen before');
  t.equal(after.newChunks - before.newChunks, 0, 'and created no new chunk');
  t.equal(after.reused - before.reused, 2, 'the two feature files came back from their earlier parses');

  // Edits while the daemon is down are picked up after restart.
  t.equal(await daemon.stop(), 0, 'SIGTERM: exit 0');
  t.equal((await runCli(['status'], { env })).code, 3, 'status exits 3 once stopped');
  writeFileSync(join(repo, 'src/offline.py'), 'def edited_while_down():\n    pass\n');
  const again = await startDaemon(env);
  t.teardown(() => again.stop());
  await again.idle();
  const offline = await runJson<Hit[]>(['search', 'edited_while_down', '--repo', repo], { env });
  t.equal(offline[0]?.path, 'src/offline.py', 'edit made while down is indexed after restart');

  // Removing the repository removes our hooks and keeps git working.
  await runJson(['remove', repo], { env });
  t.notOk(readFileSync(join(repo, '.git/hooks/post-commit'), { flag: 'a+' }).toString().includes('contextd-managed-hook'), 'hook removed');
  t.equal((await runJson<DaemonStatus>(['status'], { env })).repos.length, 0, 'repository forgotten');
});

t.test('kill -9 during the first index: the restart completes it consistently', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'many');
  mkdirSync(join(repo, 'pkg'), { recursive: true });
  fixtureGit(repo, ['init', '-q', '-b', 'main']);
  const FILES = 600;
  for (let i = 0; i < FILES; i++) {
    const body = Array.from({ length: 12 }, (_, j) => `def function_${i}_${j}(value):\n    """Doc ${i} ${j}."""\n    return value * ${j}\n`).join('\n\n');
    writeFileSync(join(repo, 'pkg', `module_${i}.py`), body);
  }
  fixtureGit(repo, ['add', '-A']);
  fixtureGit(repo, ['commit', '-q', '-m', 'many modules']);

  const first = await startDaemon(env);
  await runJson(['add', repo], { env });
  const midway = await eventually(
    async () => {
      const s = await first.call<DaemonStatus>('status');
      const p = s.repos[0]?.progress;
      return p && p.phase === 'index' && p.done > 20 && p.done < p.total ? p : null;
    },
    30_000,
    20,
  );
  t.ok(midway, `caught the index midway (${midway ? `${midway.done}/${midway.total}` : 'missed'})`);
  first.child.kill('SIGKILL');
  await first.exited;

  const db = new Database(join(dir, 'home', 'data', 'contextd', 'index.db'), { readonly: true });
  const partial = (db.prepare('SELECT COUNT(*) AS n FROM files').get() as { n: number }).n;
  db.close();
  t.ok(partial < FILES, `the crash left a partial index (${partial} files)`);

  const second = await startDaemon(env);
  t.teardown(() => second.stop());
  await second.idle(120_000);
  const check = new Database(join(dir, 'home', 'data', 'contextd', 'index.db'), { readonly: true });
  const one = (sql: string) => (check.prepare(sql).get() as { n: number }).n;
  t.equal(one('SELECT COUNT(*) AS n FROM files'), FILES, 'every file indexed exactly once');
  t.equal(one('SELECT COUNT(*) AS n FROM (SELECT path FROM files GROUP BY repo_id, path HAVING COUNT(*) > 1)'), 0, 'no duplicate view rows');
  t.equal(one('SELECT COUNT(*) AS n FROM parses p WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.parse_id = p.id)'), 0, 'no orphan parses');
  t.equal(
    one('SELECT COUNT(*) AS n FROM parse_chunks pc WHERE NOT EXISTS (SELECT 1 FROM chunks c WHERE c.hash = pc.chunk_hash)'),
    0,
    'no dangling chunk references',
  );
  t.equal(one('SELECT COUNT(*) AS n FROM chunk_fts'), one('SELECT COUNT(*) AS n FROM parse_chunks'), 'one lexical row per chunk occurrence');
  t.equal(one('SELECT COUNT(*) AS n FROM jobs'), 0, 'queue drained');
  check.close();
  const last = await runJson<Hit[]>(['search', `function_${FILES - 1}_11`, '--repo', repo], { env });
  t.equal(last[0]?.symbol, `function_${FILES - 1}_11`);
});
