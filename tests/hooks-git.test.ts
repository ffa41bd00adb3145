/**
 * End to end: hooks installed by installHooks, fired by real git commands,
 * received by a real server on a temporary control.sock.
 */
import t from 'tap';

/** A subtest's `t` (the last overload of t.test takes just the callback). */
type Tap = Parameters<Parameters<typeof t.test>[0]>[0];
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installHooks } from '../daemon/repo/hooks-installer.js';
import { git, gitEnv, makeRepo, NOTIFY_SCRIPT, run, startControlServer, writeAndCommit, type ControlServer } from './hooks-support.js';

// runGit (used by the installer) inherits this process's env: keep the user's git config out.
process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const root = t.testdir();
const HOOK_OPTS = { node: process.execPath, notifyScript: NOTIFY_SCRIPT };

interface Notify {
  jsonrpc: string;
  id: number;
  method: string;
  params: { event: string; worktree: string; gitDir: string; args: string[]; head: string | null; at: number };
}

const head = async (repo: string): Promise<string> => (await git(repo, ['rev-parse', 'HEAD'])).trim();

/** Drain what the server received since the last call. */
function take(server: ControlServer): Notify[] {
  return server.messages.splice(0) as Notify[];
}

function expectMessage(
  t: Tap,
  msg: Notify | undefined,
  want: { event: string; args: string[]; worktree: string; gitDir: string; head: string | null },
  before: number,
): void {
  t.ok(msg, `a ${want.event} message`);
  if (!msg) return;
  t.same(Object.keys(msg).sort(), ['id', 'jsonrpc', 'method', 'params']);
  t.equal(msg.jsonrpc, '2.0');
  t.equal(msg.method, 'notify');
  t.type(msg.id, 'number');
  t.same(Object.keys(msg.params).sort(), ['args', 'at', 'event', 'gitDir', 'head', 'worktree']);
  t.strictSame({ ...msg.params, at: 0 }, { ...want, at: 0 }, `${want.event} params`);
  t.ok(msg.params.at >= before && msg.params.at <= Date.now(), 'at is the time of the event');
}

t.test('every git operation that moves HEAD sends exactly one notify, with the right fields', async (t) => {
  const server = await startControlServer('ok');
  t.teardown(server.close);
  const env = gitEnv({ CONTEXTD_SOCKET_DIR: server.socketDir });
  const repo = await makeRepo(path.join(root, 'e2e'));
  const gitDir = path.join(repo, '.git');
  await installHooks(repo, HOOK_OPTS);
  const where = { worktree: repo, gitDir };

  let before = Date.now();
  await writeAndCommit(repo, 'a.txt', 'two\n', 'second', env);
  let msgs = take(server);
  t.equal(msgs.length, 1, 'commit: one message');
  expectMessage(t, msgs[0], { event: 'post-commit', args: [], head: await head(repo), ...where }, before);

  const main1 = await head(repo);
  before = Date.now();
  await git(repo, ['checkout', '-q', '-b', 'x'], env);
  msgs = take(server);
  t.equal(msgs.length, 1, 'checkout -b: one message');
  expectMessage(t, msgs[0], { event: 'post-checkout', args: [main1, main1, '1'], head: main1, ...where }, before);

  await writeAndCommit(repo, 'b.txt', 'b\n', 'on x', env);
  const x1 = await head(repo);
  t.equal(take(server).length, 1, 'commit on x');

  before = Date.now();
  await git(repo, ['checkout', '-q', 'main'], env);
  msgs = take(server);
  t.equal(msgs.length, 1, 'checkout main: one message');
  expectMessage(t, msgs[0], { event: 'post-checkout', args: [x1, main1, '1'], head: main1, ...where }, before);

  before = Date.now();
  await git(repo, ['merge', '-q', '--no-ff', '-m', 'merge x', 'x'], env);
  const merged = await head(repo);
  msgs = take(server);
  t.equal(msgs.length, 1, 'merge: one message');
  expectMessage(t, msgs[0], { event: 'post-merge', args: ['0'], head: merged, ...where }, before);

  before = Date.now();
  await git(repo, ['commit', '-q', '--amend', '-m', 'merge x, reworded'], env);
  const amended = await head(repo);
  msgs = take(server);
  t.equal(msgs.length, 2, 'amend: post-commit then post-rewrite');
  expectMessage(t, msgs[0], { event: 'post-commit', args: [], head: amended, ...where }, before);
  expectMessage(t, msgs[1], { event: 'post-rewrite', args: ['amend'], head: amended, ...where }, before);

  writeFileSync(path.join(repo, 'a.txt'), 'dirty\n');
  const r = await run('git', ['checkout', '--', 'a.txt'], { cwd: repo, env });
  t.equal(r.code, 0);
  t.same(take(server), [], 'git checkout -- file sends nothing');
  t.same(server.badLines, [], 'every line was JSON');
});

t.test('a linked worktree reports its own work tree and git dir', async (t) => {
  const server = await startControlServer('ok');
  t.teardown(server.close);
  const env = gitEnv({ CONTEXTD_SOCKET_DIR: server.socketDir });
  const repo = await makeRepo(path.join(root, 'wt-main'));
  await installHooks(repo, HOOK_OPTS);
  const wtPath = path.join(root, 'wt-linked');
  await git(repo, ['worktree', 'add', '-q', '-b', 'side', '--', wtPath], gitEnv());
  const wt = realpathSync(wtPath);
  take(server); // worktree add's own checkout went to no server (env without socket dir)

  const before = Date.now();
  await writeAndCommit(wt, 'w.txt', 'w\n', 'in worktree', env);
  const msgs = take(server);
  t.equal(msgs.length, 1);
  expectMessage(
    t,
    msgs[0],
    {
      event: 'post-commit',
      args: [],
      head: await head(wt),
      worktree: wt,
      gitDir: path.join(repo, '.git', 'worktrees', path.basename(wt)),
    },
    before,
  );
});

t.test('with no daemon, git works and our hook is silent', async (t) => {
  const repo = await makeRepo(path.join(root, 'down'));
  await installHooks(repo, HOOK_OPTS);
  const env = gitEnv({ CONTEXTD_SOCKET_DIR: path.join(root, 'no-such-dir') });
  writeFileSync(path.join(repo, 'a.txt'), 'changed\n');
  await git(repo, ['add', 'a.txt'], env);
  const c = await run('git', ['commit', '-q', '-m', 'daemon down'], { cwd: repo, env });
  t.equal(c.code, 0, 'commit succeeds');
  t.equal(c.stdout, '', 'nothing on stdout');
  t.equal(c.stderr, '', 'nothing on stderr');

  // The hook alone, as git runs it (sh, from the work tree top), a few times: the latency is
  // reported, not asserted (its budget is a benchmark's business: bench/daemon-bench.ts).
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const h = await run('sh', [path.join('.git', 'hooks', 'post-commit')], { cwd: repo, env });
    t.equal(h.code, 0);
    t.equal(h.stdout + h.stderr, '');
    times.push(h.ms);
  }
  const worst = Math.max(...times);
  t.comment(`hook latency with the daemon down: min ${Math.min(...times).toFixed(0)} ms, max ${worst.toFixed(0)} ms`);
});

t.test('a daemon that accepts but never answers cannot hold git up', async (t) => {
  const server = await startControlServer('never');
  t.teardown(server.close);
  const repo = await makeRepo(path.join(root, 'silent'));
  await installHooks(repo, HOOK_OPTS);
  const env = gitEnv({ CONTEXTD_SOCKET_DIR: server.socketDir });
  const h = await run('sh', [path.join('.git', 'hooks', 'post-commit')], { cwd: repo, env });
  t.equal(h.code, 0);
  t.equal(h.stdout + h.stderr, '');
  t.comment(`hook with a mute daemon: ${h.ms.toFixed(0)} ms`);
  // Liveness, not speed: that it returned at all shows a mute daemon cannot hold git (a hang
  // would be this test's timeout; the ~200 ms budget is measured in bench/).
  t.equal(server.messages.length, 1, 'the request was delivered before giving up');

  const c = await run('git', ['commit', '-q', '--allow-empty', '-m', 'mute daemon'], { cwd: repo, env });
  t.equal(c.code, 0);
  t.equal(c.stdout + c.stderr, '');
});

t.test('a daemon answering garbage changes nothing for git', async (t) => {
  const server = await startControlServer('garbage');
  t.teardown(server.close);
  const repo = await makeRepo(path.join(root, 'garbage'));
  await installHooks(repo, HOOK_OPTS);
  const env = gitEnv({ CONTEXTD_SOCKET_DIR: server.socketDir });
  const c = await run('git', ['commit', '-q', '--allow-empty', '-m', 'garbage daemon'], { cwd: repo, env });
  t.equal(c.code, 0);
  t.equal(c.stdout + c.stderr, '');
  t.equal(server.messages.length, 1);
});

t.test('core.hooksPath (husky style, relative to the work tree) is where hooks land and fire', async (t) => {
  const server = await startControlServer('ok');
  t.teardown(server.close);
  const repo = await makeRepo(path.join(root, 'hookspath'));
  await git(repo, ['config', 'core.hooksPath', '.husky/_']);
  const report = await installHooks(repo, HOOK_OPTS);
  t.equal(report.hooksDir, path.join(repo, '.husky', '_'));
  t.ok(report.createdHooksDir);
  t.same(report.hooksPath, { value: '.husky/_', scope: 'local' });
  t.equal(report.shared, false, 'inside the work tree: this repository only');

  const env = gitEnv({ CONTEXTD_SOCKET_DIR: server.socketDir });
  // Commit from a subdirectory: git still runs hooks from the top, and a relative hooksPath from there.
  const sub = path.join(repo, 'src');
  mkdirSync(sub);
  await writeAndCommit(sub, 'x.txt', 'x\n', 'from a subdirectory', env);
  const msgs = take(server);
  t.equal(msgs.length, 1);
  t.equal(msgs[0]?.params.worktree, repo);
  t.equal(msgs[0]?.params.event, 'post-commit');
});
