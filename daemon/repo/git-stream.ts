/**
 * Streams a git command's stdout as records split on one byte (`\n` for blame,
 * NUL for `log -z`), as raw Buffers. Records stay bytes until a parser decodes
 * the fields it needs: author names and messages are not always UTF-8, and a
 * line reader that decodes first (readline) would have already replaced the
 * bytes a Latin-1 fallback needs. Spawned without a shell, same sanitized
 * environment as runGit; the child is killed if the consumer stops early.
 */
import { spawn } from 'node:child_process';
import { BASE_ARGS, GitError, gitEnv, type GitRunOptions } from './git.js';

export interface GitStreamOptions extends Pick<GitRunOptions, 'env' | 'timeoutMs' | 'signal' | 'okExitCodes'> {
  /** Bytes written to git's stdin (e.g. `blame --contents -`). */
  input?: Buffer;
}

/**
 * Yields batches of records (one batch per stdout chunk, so the per-record cost is a
 * loop iteration, not an await). Throws a GitError after the last batch when git
 * fails. The Buffers are views into git's output: decode them before the next batch.
 */
export async function* gitRecordBatches(cwd: string, args: readonly string[], separator: number, opts: GitStreamOptions = {}): AsyncGenerator<Buffer[]> {
  const child = spawn('git', [...BASE_ARGS, ...args], {
    cwd,
    env: gitEnv(opts.env),
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    signal: opts.signal,
    timeout: opts.timeoutMs,
    killSignal: 'SIGKILL',
    windowsHide: true,
  });
  const err: Buffer[] = [];
  let spawnError: Error | null = null;
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  child.on('error', (e) => {
    spawnError = e;
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  if (opts.input !== undefined && child.stdin) {
    child.stdin.on('error', () => {}); // EPIPE when git exits early: reported by the exit code
    child.stdin.end(opts.input);
  }
  let finished = false;
  try {
    let rest: Buffer | null = null;
    for await (const chunk of child.stdout! as AsyncIterable<Buffer>) {
      const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
      const batch: Buffer[] = [];
      let start = 0;
      for (let i = buf.indexOf(separator, start); i !== -1; i = buf.indexOf(separator, start)) {
        batch.push(buf.subarray(start, i));
        start = i + 1;
      }
      rest = start < buf.length ? buf.subarray(start) : null;
      if (batch.length) yield batch;
    }
    if (rest?.length) yield [rest];
    const { code, signal } = await closed;
    finished = true;
    const ok = opts.okExitCodes ?? [0];
    if (spawnError !== null || code === null || !ok.includes(code)) {
      const stderr = Buffer.concat(err).toString('utf8');
      throw new GitError(args, cwd, code, stderr || ((spawnError as Error | null)?.message ?? ''), signal, { cause: spawnError });
    }
  } finally {
    if (!finished && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
