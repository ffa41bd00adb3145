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
 *         "worktree":"<the hook's cwd: git runs hooks at the work tree's top>",
 *         "gitDir":"<$GIT_DIR, else ./.git (a gitdir: file is followed)>",
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
 * no git process (HEAD is read from the git directory's files), gives up
 * after a hard ~200 ms budget, prints
 * nothing, and always exits 0, whether the daemon is up, down, missing, slow
 * or answers garbage. The daemon's queue is persistent, so a dropped notice
 * costs freshness only until its next scan.
 */
import { readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Total wall-clock budget for reading HEAD + connect + answer. */
const BUDGET_MS = 200;

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
 * Where we are and what HEAD is, without starting git: git runs hooks in the work
 * tree's top directory, and HEAD is a file (a ref, a loose ref file or packed-refs).
 * A spawn here cost up to the whole budget on a loaded machine.
 */
function locate() {
  const worktree = process.cwd();
  let gitDir = resolve(process.env.GIT_DIR || '.git');
  let head = null;
  try {
    if (statSync(gitDir).isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8'));
      if (m) gitDir = resolve(worktree, m[1].trim());
    }
    const text = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(text)) head = text;
    const ref = /^ref:\s*(refs\/\S+)$/.exec(text)?.[1];
    if (ref) {
      let common = gitDir;
      try {
        common = resolve(gitDir, readFileSync(join(gitDir, 'commondir'), 'utf8').trim());
      } catch {
        // not a linked worktree
      }
      for (const dir of [gitDir, common]) {
        try {
          const sha = readFileSync(join(dir, ref), 'utf8').trim();
          if (/^[0-9a-f]{40}/.test(sha)) {
            head = sha;
            break;
          }
        } catch {
          // not a loose ref here
        }
      }
      if (!head) {
        try {
          for (const line of readFileSync(join(common, 'packed-refs'), 'utf8').split('\n')) {
            const [sha, name] = line.split(' ');
            if (name === ref) head = sha;
          }
        } catch {
          // no packed refs
        }
      }
    }
  } catch {
    // the daemon resolves what we could not
  }
  return { worktree, gitDir, head };
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
  const { worktree, gitDir, head } = locate();
  send(socketPath(socket), {
    jsonrpc: '2.0',
    id: 1,
    method: 'notify',
    params: { event, worktree, gitDir, args, head, at },
  });
}

try {
  main();
} catch {
  quit();
}
