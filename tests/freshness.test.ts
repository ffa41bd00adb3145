import t from 'tap';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { eventually, startDaemon } from './helpers/daemon.js';
import type { DaemonStatus } from '../daemon/server/status.js';

const git = (cwd: string, ...args: string[]) => fixtureGit(cwd, args);

/** A repository whose commit k adds src/mod_k.py defining fn_k. */
function makeRepo(dir: string, commits: number): string {
  mkdirSync(join(dir, 'src'), { recursive: true });
  git(dir, 'init', '-q', '-b', 'main');
  for (let k = 1; k <= commits; k++) addFunction(dir, `fn_${k}`, `mod_${k}.py`, `add fn_${k}`);
  return dir;
}

function addFunction(repo: string, name: string, file: string, message: string): void {
  writeFileSync(join(repo, 'src', file), `def ${name}(value):\n    return value\n`);
  git(repo, 'add', join('src', file));
  git(repo, 'commit', '-q', '-m', message);
}

/** The fn_* functions the working tree defines now. */
function treeFunctions(repo: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(join(repo, 'src'))) {
    for (const m of readFileSync(join(repo, 'src', f), 'utf8').matchAll(/^def (fn_\w+)/gm)) out.push(m[1]);
  }
  return out.sort();
}

async function indexedFunctions(repo: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const syms = await runJson<{ name: string }[]>(['symbols', 'fn_', '--repo', repo, '--limit', '500'], { env });
  return syms
    .map((s) => s.name)
    .filter((n) => n.startsWith('fn_'))
    .sort();
}

t.test('freshness is reported with every answer, without the daemon', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = makeRepo(join(dir, 'repo'), 2);
  await runJson(['index', repo], { env });
  const clean = await runCli(['search', 'fn_1', '--repo', repo], { env });
  t.match(clean.stdout, /index: [0-9a-f]{10} = HEAD, working tree indexed/);
  writeFileSync(join(repo, 'src/mod_1.py'), '\n\ndef fn_1(value):\n    return value * 2\n');
  const dirty = await runCli(['search', 'fn_1', '--repo', repo], { env });
  t.match(dirty.stdout, /1 file\(s\) changed since indexing/);
  t.match(dirty.stdout, /changed since indexed/);
  const hits = await runJson<{ path: string; stale: boolean; indexedCommit: string }[]>(['search', 'fn_1', '--repo', repo], { env });
  t.equal(hits.find((h) => h.path === 'src/mod_1.py')?.stale, true, 'a hit in a changed file is marked stale');
  t.match(hits[0].indexedCommit, /^[0-9a-f]{40}$/);
  git(repo, 'commit', '-qam', 'double');
  const moved = await runCli(['search', 'fn_1', '--repo', repo], { env });
  t.match(moved.stdout, /HEAD is [0-9a-f]{10}/, 'a commit since indexing is reported');
  await runJson(['index', repo], { env });
  const fresh = await runCli(['search', 'fn_1', '--repo', repo], { env });
  t.match(fresh.stdout, /= HEAD, working tree indexed/);
});

t.test('history rewrites: pull, reset, amend, rebase dropping a commit, gc after a force update', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const upstream = makeRepo(join(dir, 'upstream'), 6);
  const repo = join(dir, 'work');
  git(dir, 'clone', '-q', upstream, repo);
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', repo, '--wait'], { env });

  const settles = async (label: string) => {
    const ok = await eventually(
      async () => {
        const want = treeFunctions(repo);
        const got = await indexedFunctions(repo, env);
        const s = await daemon.call<DaemonStatus>('status');
        const r = s.repos.find((x) => x.root === repo);
        return JSON.stringify(want) === JSON.stringify(got) && r?.upToDate ? { want, got } : null;
      },
      20_000,
      200,
    );
    t.ok(ok, `${label}: the index equals the working tree and HEAD`);
    const hits = await runJson<{ stale: boolean }[]>(['search', 'fn_', '--repo', repo, '--limit', '50'], { env });
    t.ok(
      hits.every((h) => !h.stale),
      `${label}: no hit is marked stale once settled`,
    );
  };
  await settles('initial');

  addFunction(upstream, 'fn_pulled', 'mod_pulled.py', 'upstream work');
  git(repo, 'pull', '-q', '--no-rebase', 'origin', 'main');
  await settles('git pull');

  git(repo, 'reset', '-q', '--hard', 'HEAD~3');
  await settles('reset --hard HEAD~3');

  writeFileSync(join(repo, 'src/mod_2.py'), 'def fn_amended(value):\n    return -value\n');
  git(repo, 'commit', '-q', '-a', '--amend', '-m', 'amended');
  await settles('commit --amend');

  addFunction(repo, 'fn_a', 'mod_a.py', 'a');
  addFunction(repo, 'fn_b', 'mod_b.py', 'b');
  addFunction(repo, 'fn_c', 'mod_c.py', 'c');
  await settles('three commits');
  // Drop the middle one of the last three commits (fn_b), as an interactive rebase would.
  fixtureGit(repo, ['-c', "sequence.editor=sed -i '2s/^pick/drop/'", 'rebase', '-q', '-i', 'HEAD~3']);
  t.notOk(treeFunctions(repo).includes('fn_b'), 'the rebase dropped fn_b');
  await settles('rebase -i dropping a commit');

  // Force the branch back and make the old commits unreachable and gone.
  const before = git(repo, 'rev-parse', 'HEAD').trim();
  git(repo, 'reset', '-q', '--hard', 'HEAD~2');
  git(repo, 'reflog', 'expire', '--expire=now', '--all');
  git(repo, 'gc', '-q', '--prune=now');
  t.throws(() => git(repo, 'cat-file', '-e', before), 'the previously indexed commit is gone');
  await settles('gc --prune=now after a force update');
});
