/**
 * Living with a hook manager that owns core.hooksPath and rewrites its stubs on
 * every `npm install` (husky v9's layout, written here the way husky writes it):
 * the user's husky hooks keep running behind ours, a rewrite is chained again by
 * installHooks, and a restarted daemon repairs the hooks by itself.
 */
import t from 'tap';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hookStatus, installHooks, MANAGED_HOOKS, uninstallHooks } from '../daemon/repo/hooks-installer.js';
import { CHAINED_SUFFIX } from '../daemon/repo/hook-script.js';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { eventually, startDaemon } from './helpers/daemon.js';
import { git, gitEnv, makeRepo, NOTIFY_SCRIPT, startControlServer, waitFor, writeAndCommit } from './hooks-support.js';

process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const HOOK_OPTS = { node: process.execPath, notifyScript: NOTIFY_SCRIPT };

// husky v9: every hook in .husky/_ is the same two-line stub sourcing `h`, which runs
// .husky/<basename of $0> with sh -e, and hooksPath points at .husky/_.
const STUB = '#!/usr/bin/env sh\n. "${0%/*}/h"\n';
const RUNNER = [
  '#!/usr/bin/env sh',
  'n=$(basename "$0")',
  's=$(dirname "$(dirname "$0")")/$n',
  '[ ! -f "$s" ] && exit 0',
  'sh -e "$s" "$@"',
  'c=$?',
  '[ $c != 0 ] && echo "husky - $n script failed (code $c)"',
  'exit $c',
  '',
].join('\n');
const HUSKY_HOOKS = ['pre-commit', ...MANAGED_HOOKS];

/** What `husky` does on `npm install`: (re)write .husky/_ and point core.hooksPath at it. */
function runHusky(repo: string): void {
  const dir = path.join(repo, '.husky', '_');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.gitignore'), '*\n');
  writeFileSync(path.join(dir, 'h'), RUNNER, { mode: 0o755 });
  for (const h of HUSKY_HOOKS) {
    writeFileSync(path.join(dir, h), STUB, { mode: 0o755 });
    chmodSync(path.join(dir, h), 0o755);
  }
  fixtureGit(repo, ['config', 'core.hooksPath', '.husky/_']);
}

/** The user's own husky hooks: each appends a line to a log outside the repository. */
function userHooks(repo: string, log: string): void {
  for (const h of ['post-commit', 'post-checkout']) writeFileSync(path.join(repo, '.husky', h), `echo "${h} $*" >> ${JSON.stringify(log)}\n`);
}

const lines = (log: string) => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []);

t.test('husky: user hooks run behind ours, a husky rewrite is chained again, uninstall leaves husky as it was', async (t) => {
  const root = t.testdir();
  const server = await startControlServer('ok');
  t.teardown(server.close);
  const env = gitEnv({ CONTEXTD_SOCKET_DIR: server.socketDir });
  const repo = await makeRepo(path.join(root, 'app'));
  const log = path.join(root, 'husky.log');
  runHusky(repo);
  userHooks(repo, log);

  await writeAndCommit(repo, 'b.txt', 'b\n', 'before contextd', env);
  t.same(lines(log), ['post-commit '], 'the emulated husky runs the user hook');

  const installed = await installHooks(repo, HOOK_OPTS);
  t.equal(installed.hooksDir, path.join(repo, '.husky', '_'));
  t.same(
    installed.hooks.map((h) => h.action),
    ['chained', 'chained', 'chained', 'chained'],
  );
  await writeAndCommit(repo, 'c.txt', 'c\n', 'with contextd', env);
  t.ok(await waitFor(() => server.messages.length === 1), 'the daemon is told');
  t.same(lines(log), ['post-commit ', 'post-commit '], "the user's husky hook still runs (husky finds it by the hook's name in $0)");

  await git(repo, ['checkout', '-q', '-b', 'topic'], env);
  const checkout = lines(log).at(-1) ?? '';
  t.match(checkout, /^post-checkout [0-9a-f]{40} [0-9a-f]{40} 1$/, 'post-checkout gets its three arguments through both wrappers');

  // `npm install` runs husky again: every stub is rewritten over our wrappers.
  runHusky(repo);
  t.same(
    (await hookStatus(repo)).hooks.map((h) => h.state),
    ['foreign', 'foreign', 'foreign', 'foreign'],
  );
  const again = await installHooks(repo, HOOK_OPTS);
  t.same(
    again.hooks.map((h) => h.action),
    ['rechained', 'rechained', 'rechained', 'rechained'],
  );
  server.messages.length = 0;
  await writeAndCommit(repo, 'd.txt', 'd\n', 'after npm install', env);
  t.ok(await waitFor(() => server.messages.length === 1), 'notified again');
  t.equal(lines(log).at(-1), 'post-commit ', 'and the user hook ran again');

  const removed = await uninstallHooks(repo);
  t.same(
    removed.hooks.map((h) => h.action),
    ['restored', 'restored', 'restored', 'restored'],
  );
  for (const h of MANAGED_HOOKS) {
    t.equal(readFileSync(path.join(repo, '.husky', '_', h), 'utf8'), STUB, `${h} is husky's stub again`);
    t.notOk(existsSync(path.join(repo, '.husky', '_', h + CHAINED_SUFFIX)));
  }
});

t.test('a restarted daemon puts back hooks that husky rewrote', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(path.join(dir, 'home'));
  const repo = path.join(dir, 'basic');
  await buildFixture('basic', repo);
  const log = path.join(dir, 'husky.log');
  runHusky(repo);
  userHooks(repo, log);

  const first = await startDaemon(env);
  t.teardown(() => first.stop());
  await runJson(['add', repo, '--wait'], { env });
  t.same(
    (await hookStatus(repo)).hooks.map((h) => h.state),
    ['installed', 'installed', 'installed', 'installed'],
  );
  t.equal(await first.stop(), 0);

  runHusky(repo); // npm install while the daemon was down
  t.same(
    (await hookStatus(repo)).hooks.map((h) => h.state),
    ['foreign', 'foreign', 'foreign', 'foreign'],
  );

  const second = await startDaemon(env);
  t.teardown(() => second.stop());
  const repaired = await eventually(async () => (await hookStatus(repo)).hooks.every((h) => h.state === 'installed'));
  t.ok(repaired, 'repaired after start (in the background)');
  await second.idle();

  writeFileSync(path.join(repo, 'src', 'husky_era.py'), 'def committed_after_npm_install():\n    return 1\n');
  fixtureGit(repo, ['add', 'src/husky_era.py']);
  fixtureGit(repo, ['commit', '-q', '-m', 'after npm install']);
  t.equal(lines(log).at(-1), 'post-commit ', "the user's husky hook ran");
  const found = await eventually(async () => {
    const hits = await runJson<{ symbol: string | null }[]>(['search', 'committed_after_npm_install', '--repo', repo], { env });
    return hits[0]?.symbol === 'committed_after_npm_install';
  });
  t.ok(found, 'the commit is indexed');

  // A different script where ours was: left alone, and `add` says so and how to settle it.
  writeFileSync(path.join(repo, '.husky', '_', 'post-commit'), '#!/bin/sh\necho someone else\n', { mode: 0o755 });
  const added = await runCli(['add', repo], { env });
  t.equal(added.code, 0);
  t.match(added.stdout, /note: post-commit left as it is: it differs from post-commit\.contextd-chained/);
  t.equal(readFileSync(path.join(repo, '.husky', '_', 'post-commit'), 'utf8'), '#!/bin/sh\necho someone else\n', 'not overwritten');
});
