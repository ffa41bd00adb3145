/**
 * installHooks / uninstallHooks / hookStatus: user hooks survive, chained hooks
 * keep running with their stdin and exit status, core.hooksPath is honoured,
 * and uninstall puts back exactly what was there.
 */
import t from 'tap';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hookStatus, installHooks, MANAGED_HOOKS, uninstallHooks } from '../daemon/repo/hooks-installer.js';
import { CHAINED_SUFFIX, renderHookScript } from '../daemon/repo/hook-script.js';
import { git, gitEnv, makeRepo, NOTIFY_SCRIPT, removeDir, run, shortTmpDir, startControlServer, writeAndCommit } from './hooks-support.js';

process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const root = t.testdir();
const OPTS = { node: process.execPath, notifyScript: NOTIFY_SCRIPT };
let n = 0;
const freshRepo = () => makeRepo(path.join(root, `r${n++}`));
const hooksOf = (repo: string) => path.join(repo, '.git', 'hooks');

/** Every file in a directory: name -> content, mode, mtime, inode (a rename keeps all four). */
function snapshot(dir: string): Record<string, { text: string; mode: number; mtimeMs: number; ino: number }> {
  const out: Record<string, { text: string; mode: number; mtimeMs: number; ino: number }> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    const st = lstatSync(p);
    const text = st.isSymbolicLink() ? `-> ${readFileSync(p, 'utf8')}` : readFileSync(p, 'utf8');
    out[name] = { text, mode: st.mode, mtimeMs: st.mtimeMs, ino: st.ino };
  }
  return out;
}

t.test('fresh repository: four wrappers, 0755, idempotent, status', async (t) => {
  const repo = await freshRepo();
  const before = snapshot(hooksOf(repo));
  const r1 = await installHooks(repo, OPTS);
  t.equal(r1.hooksDir, hooksOf(repo));
  t.equal(r1.createdHooksDir, false);
  t.equal(r1.hooksPath, null);
  t.equal(r1.shared, false);
  t.same(
    r1.hooks.map((h) => [h.hook, h.action, h.chained]),
    MANAGED_HOOKS.map((h) => [h, 'created', 'none']),
  );
  for (const h of MANAGED_HOOKS) {
    const p = path.join(hooksOf(repo), h);
    t.equal(lstatSync(p).mode & 0o777, 0o755, `${h} is 0755`);
    t.equal(readFileSync(p, 'utf8'), renderHookScript(h, OPTS));
  }
  const installed = snapshot(hooksOf(repo));

  const r2 = await installHooks(repo, OPTS);
  t.same(
    r2.hooks.map((h) => h.action),
    ['unchanged', 'unchanged', 'unchanged', 'unchanged'],
  );
  t.same(snapshot(hooksOf(repo)), installed, 'second install touches nothing');

  const status = await hookStatus(repo, OPTS);
  t.same(
    status.hooks.map((h) => h.state),
    ['installed', 'installed', 'installed', 'installed'],
  );

  // Another node (e.g. after an nvm upgrade): ours get rewritten, and status says outdated before that.
  const otherNode = path.join(root, 'other-node');
  symlinkSync(process.execPath, otherNode);
  const moved = { ...OPTS, node: otherNode };
  t.same(
    (await hookStatus(repo, moved)).hooks.map((h) => h.state),
    ['outdated', 'outdated', 'outdated', 'outdated'],
  );
  const r3 = await installHooks(repo, moved);
  t.same(
    r3.hooks.map((h) => h.action),
    ['updated', 'updated', 'updated', 'updated'],
  );
  t.match(readFileSync(path.join(hooksOf(repo), 'post-commit'), 'utf8'), `'${otherNode}'`);
  // A mode drift alone is repaired too.
  chmodSync(path.join(hooksOf(repo), 'post-merge'), 0o644);
  t.same(
    (await installHooks(repo, moved)).hooks.map((h) => h.action),
    ['unchanged', 'unchanged', 'updated', 'unchanged'],
  );

  const u = await uninstallHooks(repo);
  t.same(
    u.hooks.map((h) => h.action),
    ['removed', 'removed', 'removed', 'removed'],
  );
  t.same(snapshot(hooksOf(repo)), before, 'only the samples are left, as before');
  t.same(
    (await uninstallHooks(repo)).hooks.map((h) => h.action),
    ['absent', 'absent', 'absent', 'absent'],
  );
  t.same(
    (await hookStatus(repo)).hooks.map((h) => h.state),
    ['missing', 'missing', 'missing', 'missing'],
  );
});

t.test('user hooks keep running, with stdin and exit status, before and after uninstall', async (t) => {
  const server = await startControlServer('ok');
  t.teardown(server.close);
  const repo = await freshRepo();
  const hooks = hooksOf(repo);
  const log = path.join(root, `user-hooks-${n}.log`);
  // post-commit: writes a marker. post-rewrite: copies its stdin. post-checkout: fails with 3
  // (git checkout exits with post-checkout's status). post-merge: present but not executable.
  writeFileSync(path.join(hooks, 'post-commit'), `#!/bin/sh\necho "post-commit ran $#" >> '${log}'\n`, { mode: 0o755 });
  writeFileSync(path.join(hooks, 'post-rewrite'), `#!/bin/sh\necho "post-rewrite $1" >> '${log}'\ncat >> '${log}'\n`, { mode: 0o755 });
  writeFileSync(path.join(hooks, 'post-checkout'), `#!/bin/sh\necho "post-checkout $3" >> '${log}'\nexit 3\n`, { mode: 0o755 });
  writeFileSync(path.join(hooks, 'post-merge'), `#!/bin/sh\necho "post-merge SHOULD NOT RUN" >> '${log}'\n`, { mode: 0o644 });
  chmodSync(path.join(hooks, 'post-merge'), 0o644);
  const before = snapshot(hooks);
  const env = gitEnv({ CONTEXTD_SOCKET_DIR: server.socketDir });

  /** Commit, amend, checkout (fails with 3), merge; returns the user hooks' log and checkout's status. */
  async function exercise(tag: string): Promise<{ log: string; checkoutCode: number }> {
    rmSync(log, { force: true });
    await writeAndCommit(repo, 'a.txt', `${tag}\n`, `commit ${tag}`, env);
    const old = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    await git(repo, ['commit', '-q', '--amend', '-m', `amended ${tag}`], env);
    const amended = (await git(repo, ['rev-parse', 'HEAD'])).trim();
    const co = await run('git', ['checkout', '-q', '-b', `b-${tag}`], { cwd: repo, env });
    await writeAndCommit(repo, `${tag}.txt`, 'x\n', `side ${tag}`, env);
    await run('git', ['checkout', '-q', 'main'], { cwd: repo, env });
    await git(repo, ['merge', '-q', '--no-ff', '-m', `merge ${tag}`, `b-${tag}`], env);
    const text = existsSync(log) ? readFileSync(log, 'utf8') : '';
    t.match(text, `post-rewrite amend\n${old} ${amended}\n`, `${tag}: post-rewrite got its stdin`);
    return { log: text, checkoutCode: co.code };
  }

  const plain = await exercise('before');
  // git turns a failing post-checkout into checkout's failure (git 2.39 reports it as 1).
  t.not(plain.checkoutCode, 0, 'without contextd: a failing post-checkout fails checkout');
  t.same(server.messages, [], 'nothing installed yet, nothing sent');

  const report = await installHooks(repo, OPTS);
  t.same(
    report.hooks.map((h) => [h.hook, h.action, h.chained]),
    [
      ['post-commit', 'chained', 'active'],
      ['post-checkout', 'chained', 'active'],
      ['post-merge', 'chained', 'inactive'],
      ['post-rewrite', 'chained', 'active'],
    ],
  );
  t.equal(lstatSync(path.join(hooks, 'post-merge' + CHAINED_SUFFIX)).mode & 0o777, 0o644, 'non-executable hook kept as is');
  t.same(
    (await installHooks(repo, OPTS)).hooks.map((h) => h.action),
    ['unchanged', 'unchanged', 'unchanged', 'unchanged'],
  );

  const wrapped = await exercise('with');
  t.equal(wrapped.checkoutCode, plain.checkoutCode, 'with contextd: the chained failure still fails checkout');
  const direct = await run('sh', ['.git/hooks/post-checkout', 'a', 'b', '0'], { cwd: repo, env });
  t.equal(direct.code, 3, "the wrapper's status is exactly the chained hook's");
  t.same(
    wrapped.log.split('\n').filter((l) => !/^[0-9a-f]{40} /.test(l)),
    plain.log.split('\n').filter((l) => !/^[0-9a-f]{40} /.test(l)),
    'the user hooks ran exactly as before',
  );
  t.notMatch(wrapped.log, 'SHOULD NOT RUN');
  const events = (server.messages as { params: { event: string } }[]).map((m) => m.params.event);
  t.same(events, ['post-commit', 'post-commit', 'post-rewrite', 'post-checkout', 'post-commit', 'post-checkout', 'post-merge']);

  const u = await uninstallHooks(repo);
  t.same(
    u.hooks.map((h) => h.action),
    ['restored', 'restored', 'restored', 'restored'],
  );
  t.same(snapshot(hooks), before, 'content, mode, mtime and inode of every file as before');

  server.messages.length = 0;
  const after = await exercise('after');
  t.equal(after.checkoutCode, plain.checkoutCode);
  t.same(server.messages, [], 'uninstalled: nothing sent');
  t.notMatch(after.log, 'SHOULD NOT RUN');
});

t.test('a foreign hook where ours was, with a chained file already there: conflict, nothing touched', async (t) => {
  const repo = await freshRepo();
  const hooks = hooksOf(repo);
  writeFileSync(path.join(hooks, 'post-commit'), '#!/bin/sh\necho mine\n', { mode: 0o755 });
  await installHooks(repo, OPTS);
  // A hook manager overwrites our wrapper afterwards.
  writeFileSync(path.join(hooks, 'post-commit'), '#!/bin/sh\necho manager\n', { mode: 0o755 });
  const before = snapshot(hooks);
  const r = await installHooks(repo, OPTS);
  t.equal(r.hooks[0].action, 'conflict');
  t.same(snapshot(hooks), before);
  const u = await uninstallHooks(repo);
  t.equal(u.hooks[0].action, 'foreign', 'uninstall leaves a foreign hook alone');
  t.equal((await hookStatus(repo)).hooks[0].state, 'foreign');
  t.ok(existsSync(path.join(hooks, 'post-commit' + CHAINED_SUFFIX)), 'and the chained file with it');
});

t.test('a hook manager writing back the very script we chained (husky on npm install): chained again, nothing lost', async (t) => {
  const repo = await freshRepo();
  const hooks = hooksOf(repo);
  const stub = '#!/usr/bin/env sh\n. "${0%/*}/h"\n';
  writeFileSync(path.join(hooks, 'post-commit'), stub, { mode: 0o755 });
  t.equal((await installHooks(repo, OPTS)).hooks[0].action, 'chained');
  // The manager rewrites its stub over our wrapper.
  writeFileSync(path.join(hooks, 'post-commit'), stub, { mode: 0o755 });
  t.equal((await hookStatus(repo)).hooks[0].state, 'foreign', 'our wrapper is gone');
  const r = await installHooks(repo, OPTS);
  t.equal(r.hooks[0].action, 'rechained');
  t.equal(r.hooks[0].chained, 'active');
  t.equal(readFileSync(path.join(hooks, 'post-commit'), 'utf8'), renderHookScript('post-commit', OPTS), 'our wrapper is back');
  t.equal(readFileSync(path.join(hooks, 'post-commit' + CHAINED_SUFFIX), 'utf8'), stub, 'the manager script is still chained');
  t.equal((await installHooks(repo, OPTS)).hooks[0].action, 'unchanged', 'idempotent afterwards');

  // Same bytes but no longer executable is a different hook to git: left for the user to settle.
  writeFileSync(path.join(hooks, 'post-commit'), stub, { mode: 0o644 });
  chmodSync(path.join(hooks, 'post-commit'), 0o644);
  t.equal((await installHooks(repo, OPTS)).hooks[0].action, 'conflict');
  const u = await uninstallHooks(repo);
  t.equal(u.hooks[0].action, 'foreign');
});

t.test('missing hooks directory is created; a symlinked user hook is chained and restored as a link', async (t) => {
  const repo = await freshRepo();
  const hooks = hooksOf(repo);
  rmSync(hooks, { recursive: true });
  const r = await installHooks(repo, OPTS);
  t.equal(r.createdHooksDir, true);
  t.equal(r.hooks.filter((h) => h.action === 'created').length, 4);
  await uninstallHooks(repo);

  const target = path.join(root, `shared-hook-${n}.sh`);
  writeFileSync(target, '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  symlinkSync(target, path.join(hooks, 'post-merge'));
  const before = snapshot(hooks);
  const r2 = await installHooks(repo, OPTS);
  t.same(
    r2.hooks.map((h) => h.action),
    ['created', 'created', 'chained', 'created'],
  );
  t.equal(r2.hooks[2].chained, 'active');
  await uninstallHooks(repo);
  t.ok(lstatSync(path.join(hooks, 'post-merge')).isSymbolicLink());
  t.same(snapshot(hooks), before);
});

t.test('core.hooksPath: local in-tree, absolute shared dir, global config', async (t) => {
  const repo = await freshRepo();
  await git(repo, ['config', 'core.hooksPath', '.githooks']);
  const local = await installHooks(repo, OPTS);
  t.equal(local.hooksDir, path.join(repo, '.githooks'));
  t.same(local.hooksPath, { value: '.githooks', scope: 'local' });
  t.equal(local.shared, false);
  t.same(readdirSync(path.join(repo, '.githooks')).sort(), [...MANAGED_HOOKS].sort());
  t.notOk(existsSync(path.join(hooksOf(repo), 'post-commit')), 'nothing in .git/hooks');
  await uninstallHooks(repo);
  t.same(readdirSync(path.join(repo, '.githooks')), []);

  const sharedDir = shortTmpDir('ctxd-hooks-');
  t.teardown(() => removeDir(sharedDir));
  await git(repo, ['config', 'core.hooksPath', sharedDir]);
  const abs = await installHooks(repo, OPTS);
  t.equal(abs.hooksDir, sharedDir);
  t.equal(abs.shared, true, 'a directory outside the repository may serve others');
  t.equal(abs.createdHooksDir, false);
  await uninstallHooks(repo);

  await git(repo, ['config', '--unset', 'core.hooksPath']);
  const globalCfg = path.join(root, `gitconfig-${n}`);
  writeFileSync(globalCfg, `[core]\n\thooksPath = ${sharedDir}\n`);
  process.env.GIT_CONFIG_GLOBAL = globalCfg;
  t.teardown(() => {
    process.env.GIT_CONFIG_GLOBAL = '/dev/null';
  });
  const status = await hookStatus(repo);
  t.same(status.hooksPath, { value: sharedDir, scope: 'global' });
  t.equal(status.shared, true);
  t.equal(status.hooksDir, sharedDir);
});

t.test('linked worktree: hooks go to the main repository, shared by its worktrees', async (t) => {
  const repo = await freshRepo();
  const wt = path.join(root, `wt-${n}`);
  await git(repo, ['worktree', 'add', '-q', '-b', 'wt', '--', wt]);
  const r = await installHooks(wt, OPTS);
  t.equal(r.hooksDir, hooksOf(repo));
  t.equal(r.shared, false);
  t.same(
    (await hookStatus(repo, OPTS)).hooks.map((h) => h.state),
    ['installed', 'installed', 'installed', 'installed'],
  );
});

t.test('bad input', async (t) => {
  const repo = await freshRepo();
  await t.rejects(installHooks(repo, { node: 'node', notifyScript: OPTS.notifyScript }), /absolute/);
  const plain = shortTmpDir();
  t.teardown(() => removeDir(plain));
  await t.rejects(installHooks(plain, OPTS), { name: 'NotAGitRepoError' });
  mkdirSync(path.join(plain, 'x'));
  await t.rejects(hookStatus(path.join(plain, 'x')), { name: 'NotAGitRepoError' });
});
