/**
 * hooks/notify.mjs on its own: which socket it dials, what it sends, and that
 * it is silent and exits 0 in every failure mode.
 */
import t from 'tap';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installHooks } from '../daemon/repo/hooks-installer.js';
import { git, gitEnv, makeRepo, NOTIFY_SCRIPT, removeDir, run, shortTmpDir, startControlServer, type ControlServer } from './hooks-support.js';

process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const root = t.testdir();
const repo = await makeRepo(path.join(root, 'repo'));
const HEAD = (await git(repo, ['rev-parse', 'HEAD'])).trim();

/** The hook's environment, minus anything that would pick a socket for it, minus tap's preloads. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e = gitEnv();
  for (const k of ['NODE_OPTIONS', 'XDG_RUNTIME_DIR']) delete e[k];
  e.HOME = path.join(root, 'no-home');
  return { ...e, ...extra };
}

function notify(args: string[], extra: Record<string, string> = {}, cwd = repo) {
  return run(process.execPath, [NOTIFY_SCRIPT, ...args], { cwd, env: env(extra) });
}

type Params = { event: string; worktree: string; gitDir: string; args: string[]; head: string | null; at: number };
const params = (s: ControlServer, i = 0): Params | undefined => (s.messages[i] as { params?: Params } | undefined)?.params;

const servers: ControlServer[] = [];
async function server(mode: 'ok' | 'never' | 'garbage' = 'ok'): Promise<ControlServer> {
  const s = await startControlServer(mode);
  servers.push(s);
  return s;
}
t.teardown(async () => {
  for (const s of servers) await s.close();
});

t.test('sends the request and exits 0 without a word', async (t) => {
  const s = await server();
  const r = await notify(['post-merge', '1'], { CONTEXTD_SOCKET_DIR: s.socketDir });
  t.same([r.code, r.stdout, r.stderr], [0, '', '']);
  t.equal(s.messages.length, 1);
  t.same(
    { ...params(s), at: 0 },
    {
      event: 'post-merge',
      worktree: repo,
      gitDir: path.join(repo, '.git'),
      args: ['1'],
      head: HEAD,
      at: 0,
    },
  );
});

t.test('ignores what is not a branch-moving hook', async (t) => {
  const s = await server();
  const e = { CONTEXTD_SOCKET_DIR: s.socketDir };
  for (const args of [[], ['pre-commit'], ['--socket'], ['post-commitx'], ['post-checkout', HEAD, HEAD, '0']]) {
    const r = await notify(args, e);
    t.same([r.code, r.stdout, r.stderr], [0, '', ''], `args ${JSON.stringify(args)}`);
  }
  t.same(s.messages, [], 'nothing sent');
  await notify(['post-checkout', HEAD, HEAD, '1'], e);
  t.equal(params(s)?.event, 'post-checkout', 'a branch checkout is sent');
});

t.test('socket precedence: SOCKET_DIR, CONTROL_SOCKET, --socket, XDG_RUNTIME_DIR, HOME', async (t) => {
  const [dirS, ctlS, argS, xdgS] = await Promise.all([server(), server(), server(), server()]);
  // XDG_RUNTIME_DIR/contextd/control.sock and HOME/.cache/contextd/run/control.sock: symlinks to real servers.
  const xdg = shortTmpDir();
  const home = shortTmpDir();
  t.teardown(() => {
    removeDir(xdg);
    removeDir(home);
  });
  mkdirSync(path.join(xdg, 'contextd'));
  symlinkSync(xdgS.socketPath, path.join(xdg, 'contextd', 'control.sock'));
  const homeS = await server();
  mkdirSync(path.join(home, '.cache', 'contextd', 'run'), { recursive: true });
  symlinkSync(homeS.socketPath, path.join(home, '.cache', 'contextd', 'run', 'control.sock'));

  const all = {
    CONTEXTD_SOCKET_DIR: dirS.socketDir,
    CONTEXTD_CONTROL_SOCKET: ctlS.socketPath,
    XDG_RUNTIME_DIR: xdg,
    HOME: home,
  };
  const arg = ['--socket', argS.socketPath, 'post-commit'];
  const without = (...keys: (keyof typeof all)[]) => Object.fromEntries(Object.entries(all).filter(([k]) => !keys.includes(k as keyof typeof all)));

  await notify(arg, all);
  await notify(arg, without('CONTEXTD_SOCKET_DIR'));
  await notify(arg, without('CONTEXTD_SOCKET_DIR', 'CONTEXTD_CONTROL_SOCKET'));
  await notify(['post-commit'], without('CONTEXTD_SOCKET_DIR', 'CONTEXTD_CONTROL_SOCKET'));
  await notify(['post-commit'], without('CONTEXTD_SOCKET_DIR', 'CONTEXTD_CONTROL_SOCKET', 'XDG_RUNTIME_DIR'));
  t.same(
    [dirS, ctlS, argS, xdgS, homeS].map((s) => s.messages.length),
    [1, 1, 1, 1, 1],
    'each source chosen exactly when the ones before it are unset',
  );
});

t.test('silent exit 0 when the socket is missing, not a socket, or the daemon misbehaves', async (t) => {
  const odd = shortTmpDir();
  t.teardown(() => removeDir(odd));
  writeFileSync(path.join(odd, 'control.sock'), 'a plain file\n');
  const dirAsSocket = shortTmpDir();
  t.teardown(() => removeDir(dirAsSocket));
  mkdirSync(path.join(dirAsSocket, 'control.sock'));
  const mute = await server('never');
  const garbage = await server('garbage');
  for (const [name, dir] of [
    ['missing dir', path.join(odd, 'nope')],
    ['regular file', odd],
    ['directory', dirAsSocket],
    ['never answers', mute.socketDir],
    ['answers garbage', garbage.socketDir],
  ]) {
    const r = await notify(['post-commit'], { CONTEXTD_SOCKET_DIR: dir });
    t.same([r.code, r.stdout, r.stderr], [0, '', ''], name);
    // Liveness, not speed (the ~200 ms budget is a benchmark's business): returning at all shows
    // the hook never waits for a daemon that does not answer (a hang is this test's timeout).
    t.comment(`${name}: returned after ${r.ms.toFixed(0)} ms`);
  }
  t.equal(mute.messages.length, 1);
  t.equal(garbage.messages.length, 1);
});

t.test('unborn branch: head is null; outside a repository: cwd-based fallbacks', async (t) => {
  const s = await server();
  const e = { CONTEXTD_SOCKET_DIR: s.socketDir };
  const unborn = path.join(root, 'unborn');
  await git(root, ['-c', 'init.defaultBranch=main', 'init', '-q', '--', unborn]);
  const unbornReal = realpathSync(unborn);
  await notify(['post-checkout', '0'.repeat(40), '0'.repeat(40), '1'], e, unbornReal);
  t.same(
    { ...params(s, 0), at: 0 },
    {
      event: 'post-checkout',
      worktree: unbornReal,
      gitDir: path.join(unbornReal, '.git'),
      args: ['0'.repeat(40), '0'.repeat(40), '1'],
      head: null,
      at: 0,
    },
  );

  const plain = shortTmpDir(); // t.testdir() is inside this project's own work tree
  t.teardown(() => removeDir(plain));
  const r = await notify(['post-commit'], e, plain);
  t.same([r.code, r.stdout, r.stderr], [0, '', '']);
  t.same(
    { ...params(s, 1), at: 0 },
    {
      event: 'post-commit',
      worktree: plain,
      gitDir: path.join(plain, '.git'),
      args: [],
      head: null,
      at: 0,
    },
  );
});

t.test('the wrapper passes arguments through verbatim, and an embedded --socket is used', async (t) => {
  const s = await server();
  const fresh = await makeRepo(path.join(root, 'verbatim'));
  await installHooks(fresh, { node: process.execPath, notifyScript: NOTIFY_SCRIPT, socketPath: s.socketPath });
  const odd = ['a b', '$HOME', "it's", '"q"', '`id`', '\\n', '-', '--socket'];
  const r = await run('sh', ['.git/hooks/post-merge', ...odd], { cwd: fresh, env: env() });
  t.same([r.code, r.stdout, r.stderr], [0, '', '']);
  t.same(params(s)?.args, odd, 'every argument arrives unchanged');
});
