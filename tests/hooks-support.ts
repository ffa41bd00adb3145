/**
 * Shared by the hooks tests: an isolated git environment, small repositories,
 * and a real control-socket server that records what hooks send.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PACKAGE_ROOT } from '../daemon/version.js';

/** hooks/notify.mjs of this checkout: plain JS, never compiled, so the same file for tsx and dist/. */
export const NOTIFY_SCRIPT = path.join(PACKAGE_ROOT, 'hooks', 'notify.mjs');

const execFileP = promisify(execFile);

/**
 * git ignoring the user's and system config, with a fixed identity, no
 * repo-locating variables inherited from whoever runs the tests, and
 * CONTEXTD_* variables set only by the test.
 */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('GIT_') || k.startsWith('CONTEXTD_')) delete env[k];
  }
  return {
    ...env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    GIT_AUTHOR_NAME: 'Hook Tester',
    GIT_AUTHOR_EMAIL: 'hooks@contextd.invalid',
    GIT_AUTHOR_DATE: '2024-05-01T12:00:00Z',
    GIT_COMMITTER_NAME: 'Hook Tester',
    GIT_COMMITTER_EMAIL: 'hooks@contextd.invalid',
    GIT_COMMITTER_DATE: '2024-05-01T12:00:00Z',
    ...extra,
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a program without a shell; never throws on a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? gitEnv(), stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - started }));
    // A program that exits without reading its input (a hook ignoring stdin) closes the pipe first: not an error.
    child.stdin.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') reject(err);
    });
    child.stdin.end(opts.input ?? '');
  });
}

export async function git(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = gitEnv()): Promise<string> {
  const { stdout } = await execFileP('git', args, { cwd, env });
  return stdout;
}

/** A repository on branch main with one commit (file a.txt). Returns its real path. */
export async function makeRepo(dir: string): Promise<string> {
  await git(path.dirname(dir), ['-c', 'init.defaultBranch=main', 'init', '-q', '--', dir]);
  const real = realpathSync(dir);
  for (const [k, v] of [
    ['commit.gpgsign', 'false'],
    ['core.autocrlf', 'false'],
    ['gc.auto', '0'],
  ]) {
    await git(real, ['config', k, v]);
  }
  await writeAndCommit(real, 'a.txt', 'one\n', 'first');
  return real;
}

export async function writeAndCommit(repo: string, file: string, content: string, subject: string, env: NodeJS.ProcessEnv = gitEnv()): Promise<void> {
  await writeFile(path.join(repo, file), content);
  await git(repo, ['add', '--', file], env);
  await git(repo, ['commit', '-q', '-m', subject], env);
}

/**
 * A short directory for sockets: t.testdir() paths can pass the ~104-byte
 * limit of a UNIX socket path.
 */
export function shortTmpDir(prefix = 'ctxd-'): string {
  return realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
}

export function removeDir(d: string): void {
  rmSync(d, { recursive: true, force: true });
}

export type AnswerMode = 'ok' | 'never' | 'garbage';

export interface ControlServer {
  socketDir: string;
  socketPath: string;
  /** Every request line received, parsed. */
  messages: unknown[];
  /** Raw lines that were not JSON. */
  badLines: string[];
  close(): Promise<void>;
}

/** A real UNIX-socket server speaking the control protocol's notify answer (or misbehaving on purpose). */
export async function startControlServer(mode: AnswerMode = 'ok'): Promise<ControlServer> {
  const socketDir = shortTmpDir();
  const socketPath = path.join(socketDir, 'control.sock');
  const messages: unknown[] = [];
  const badLines: string[] = [];
  const open = new Set<Socket>();
  const server: Server = createServer((sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: { id?: unknown } | null = null;
        try {
          msg = JSON.parse(line) as { id?: unknown };
          messages.push(msg);
        } catch {
          badLines.push(line);
        }
        if (mode === 'ok') sock.write(JSON.stringify({ jsonrpc: '2.0', id: msg?.id ?? null, result: { queued: true } }) + '\n');
        if (mode === 'garbage') sock.write('\u0000not json at all {{{\n');
        // 'never': keep the connection open and silent
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    socketDir,
    socketPath,
    messages,
    badLines,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      removeDir(socketDir);
    },
  };
}

/** Wait until `cond` holds or `ms` pass (for messages that may still be in flight). */
export async function waitFor(cond: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
