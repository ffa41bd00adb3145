#!/usr/bin/env node
/**
 * contextd git hook client: tells the daemon that a repository changed.
 *
 * Usage (from the hook wrappers that `contextd hooks install` writes):
 *   node notify.mjs [--socket <control.sock>] <event> [hook args...]
 *
 * Wire format: newline-delimited JSON-RPC 2.0 on the daemon's control socket,
 * one request line, one response line:
 *   -> {"jsonrpc":"2.0","id":1,"method":"notify","params":{
 *         "event":"post-commit"|"post-checkout"|"post-merge"|"post-rewrite",
 *         "worktree":"<git rev-parse --show-toplevel>",
 *         "gitDir":"<git rev-parse --absolute-git-dir>",
 *         "args":["<hook arg>", ...],
 *         "head":"<commit id>"|null,
 *         "at":<epoch ms>}}
 *   <- {"jsonrpc":"2.0","id":1,"result":{"queued":true}}
 *
 * Socket, first match wins: $CONTEXTD_SOCKET_DIR/control.sock,
 * $CONTEXTD_CONTROL_SOCKET, the `--socket` path embedded at install time,
 * $XDG_RUNTIME_DIR/contextd/control.sock, ~/.cache/contextd/run/control.sock.
 * Environment beats the embedded path so a user who moves the daemon's
 * sockets does not have to reinstall hooks in every repository.
 *
 * Contract with git: hooks must never slow or break git. So this script uses
 * Node builtins only (no build step, nothing to resolve at start-up), runs
 * at most one git process, gives up after a hard ~200 ms budget, prints
 * nothing, and always exits 0, whether the daemon is up, down, missing, slow
 * or answers garbage. The daemon's queue is persistent, so a dropped notice
 * costs freshness only until its next scan.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Total wall-clock budget for git + connect + answer. */
const BUDGET_MS = 200;
/** rev-parse is ~5 ms; a hung git (network filesystem, lock) must not eat the whole budget silently. */
const GIT_TIMEOUT_MS = 120;

const EVENTS = new Set(['post-commit', 'post-checkout', 'post-merge', 'post-rewrite']);

function quit() {
  process.exit(0);
}

// Nothing may reach the terminal or change git's exit status, not even a bug here.
process.on('uncaughtException', quit);
process.on('unhandledRejection', quit);
// Unref'd: the timer ends a stuck run but never keeps a finished one alive.
setTimeout(quit, BUDGET_MS).unref();

function parseArgv(argv) {
  let socket;
  let i = 0;
  // Options only before the event name, so hook arguments are never taken for options.
  while (argv[i] === '--socket' && i + 1 < argv.length) {
    socket = argv[i + 1];
    i += 2;
  }
  return { socket, event: argv[i], args: argv.slice(i + 1) };
}

function socketPath(embedded) {
  const env = process.env;
  if (env.CONTEXTD_SOCKET_DIR) return join(env.CONTEXTD_SOCKET_DIR, 'control.sock');
  if (env.CONTEXTD_CONTROL_SOCKET) return env.CONTEXTD_CONTROL_SOCKET;
  if (embedded) return embedded;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'contextd', 'control.sock');
  return join(env.HOME || homedir(), '.cache', 'contextd', 'run', 'control.sock');
}

/**
 * Work tree, git dir and HEAD in one git call. Git runs hooks from the top of
 * the work tree and exports GIT_DIR when it is not the default, so the
 * inherited env and cwd point rev-parse at the right repository. On an unborn
 * branch rev-parse prints "HEAD" back and fails: hence the id check.
 */
function locate(cb) {
  const fallback = {
    worktree: process.cwd(),
    gitDir: resolve(process.env.GIT_DIR || '.git'),
    head: null,
  };
  execFile(
    'git',
    ['rev-parse', '--show-toplevel', '--absolute-git-dir', 'HEAD'],
    { encoding: 'utf8', timeout: GIT_TIMEOUT_MS, killSignal: 'SIGKILL', windowsHide: true },
    (_err, stdout) => {
      const [top, gitDir, head] = String(stdout || '').split('\n');
      cb({
        worktree: top || fallback.worktree,
        gitDir: gitDir || fallback.gitDir,
        head: /^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head || '') ? head : null,
      });
    },
  );
}

function send(path, request) {
  const sock = connect(path);
  sock.on('error', quit); // ENOENT, ECONNREFUSED, EPIPE: the daemon is down; nothing to do
  sock.on('close', quit);
  sock.setEncoding('utf8');
  let buffered = '';
  sock.on('data', (chunk) => {
    buffered += chunk;
    // One line is the whole answer; its content does not matter to git.
    if (buffered.includes('\n') || buffered.length > 65536) {
      sock.destroy();
      quit();
    }
  });
  sock.on('connect', () => sock.write(JSON.stringify(request) + '\n'));
}

function main() {
  const { socket, event, args } = parseArgv(process.argv.slice(2));
  if (!EVENTS.has(event)) quit();
  // post-checkout's third argument is 1 for a branch switch, 0 for `git checkout -- file`:
  // a file checkout moves no ref, and the file watcher already sees the edit.
  if (event === 'post-checkout' && args[2] === '0') quit();
  const at = Date.now();
  locate(({ worktree, gitDir, head }) => {
    send(socketPath(socket), {
      jsonrpc: '2.0',
      id: 1,
      method: 'notify',
      params: { event, worktree, gitDir, args, head, at },
    });
  });
}

try {
  main();
} catch {
  quit();
}
