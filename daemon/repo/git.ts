/**
 * A small typed wrapper around the git CLI.
 *
 * Git is always spawned directly (never through a shell) with an argument
 * array, so paths and user input are never interpreted by a shell. Callers put
 * paths after `--`. Output is collected as chunks without a size cap: a large
 * repository's `ls-files -s -z` is tens of MB and a fixed maxBuffer would make
 * exactly the biggest repositories fail.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ContextdError } from '../errors.js';

export interface GitRunOptions {
  /** Bytes written to git's stdin (e.g. `hash-object --stdin`). */
  input?: string | Buffer;
  /** Exit codes that are not errors (some commands use 1 as "no"/"differs"). Default: [0]. */
  okExitCodes?: readonly number[];
  /** Extra environment variables (merged over the sanitized process env). */
  env?: Record<string, string | undefined>;
  /** Kill git after this many milliseconds (SIGKILL) and reject with a GitError. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface GitResult<T extends Buffer | string> {
  stdout: T;
  stderr: string;
  exitCode: number;
}

/** git exited with an unexpected code, was killed, or could not be started. */
export class GitError extends Error {
  override name = 'GitError';
  constructor(
    readonly args: readonly string[],
    readonly cwd: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly signal: NodeJS.Signals | null = null,
    options?: { cause?: unknown },
  ) {
    const why = exitCode !== null ? `exit code ${exitCode}` : signal !== null ? `killed by ${signal}` : 'failed to start';
    const detail = stderr.trim() ? `: ${stderr.trim().split('\n').slice(0, 5).join(' | ')}` : '';
    super(`git ${args.join(' ')} (in ${cwd}) ${why}${detail}`, options);
  }
}

/** The path does not exist or is not inside a git work tree. */
export class NotAGitRepoError extends ContextdError {
  override name = 'NotAGitRepoError';
  constructor(
    readonly path: string,
    readonly reason: 'missing' | 'not-a-repo' | 'no-work-tree',
    options?: { cause?: unknown },
  ) {
    const text = {
      missing: 'does not exist',
      'not-a-repo': 'is not inside a git repository',
      'no-work-tree': 'is inside a git directory or a bare repository, not a work tree',
    }[reason];
    super(reason === 'missing' ? 'path-missing' : 'not-a-git-repo', `${path} ${text}`, {
      cause: options?.cause,
      hint: reason === 'not-a-repo' ? 'contextd indexes git repositories: run `git init` there, or point at a repository' : undefined,
    });
  }
}

/**
 * Variables that redirect git to another repository or index. Hooks export
 * some of them (GIT_DIR, GIT_INDEX_FILE in pre-commit…); if the daemon or CLI
 * inherited them, every command would silently act on the wrong repository
 * whatever its cwd, so they are removed and the cwd alone decides.
 */
const REPO_LOCATING_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
];

export function gitEnv(extra: GitRunOptions['env']): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of REPO_LOCATING_ENV) delete env[k];
  // Read-only commands must never take index.lock: a background daemon that
  // opportunistically refreshes the index would make the user's own
  // `git commit` fail with "index.lock exists".
  env.GIT_OPTIONAL_LOCKS = '0';
  // Never block on a credential prompt (clone/fetch of a private remote).
  env.GIT_TERMINAL_PROMPT = '0';
  // Stable English messages, so error classification below does not depend on the user's locale.
  env.LC_ALL = 'C';
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Options every invocation gets. quotepath=off keeps non-ASCII paths readable in any non -z output. */
export const BASE_ARGS: readonly string[] = ['-c', 'core.quotepath=off'];

export function runGit(cwd: string, args: readonly string[], opts: GitRunOptions & { encoding: 'buffer' }): Promise<GitResult<Buffer>>;
export function runGit(cwd: string, args: readonly string[], opts?: GitRunOptions & { encoding?: 'utf8' }): Promise<GitResult<string>>;
export function runGit(cwd: string, args: readonly string[], opts: GitRunOptions & { encoding?: 'buffer' | 'utf8' } = {}): Promise<GitResult<Buffer | string>> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [...BASE_ARGS, ...args], {
      cwd,
      env: gitEnv(opts.env),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      signal: opts.signal,
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL',
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let spawnError: Error | null = null;
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => {
      // ENOENT for git itself or for cwd, or an abort. 'close' still follows.
      spawnError = e;
    });
    if (opts.input !== undefined && child.stdin) {
      // EPIPE when git exits before reading all input is reported through the exit code instead.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      const ok = opts.okExitCodes ?? [0];
      if (spawnError !== null || code === null || !ok.includes(code)) {
        reject(new GitError(args, cwd, code, stderr || (spawnError?.message ?? ''), signal, { cause: spawnError }));
        return;
      }
      const buf = Buffer.concat(out);
      resolve({ stdout: opts.encoding === 'buffer' ? buf : buf.toString('utf8'), stderr, exitCode: code });
    });
  });
}

/** Split NUL-terminated `-z` output into records (the trailing empty record is dropped). */
export function splitNul(out: Buffer | string): string[] {
  const s = typeof out === 'string' ? out : out.toString('utf8');
  if (s === '') return [];
  const parts = s.split('\0');
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * The top-level directory of the work tree containing `p` (a directory or a
 * file). Throws NotAGitRepoError for a missing path, a path outside any
 * repository, or a path inside `.git` / a bare repository.
 */
export async function findRepoRoot(p: string): Promise<string> {
  const abs = path.resolve(p);
  let dir: string;
  try {
    dir = (await stat(abs)).isDirectory() ? abs : path.dirname(abs);
  } catch (e) {
    throw new NotAGitRepoError(abs, 'missing', { cause: e });
  }
  try {
    const { stdout } = await runGit(dir, ['rev-parse', '--show-toplevel']);
    const top = stdout.replace(/\n$/, '');
    // Empty output happens inside a bare repository's git dir.
    if (top === '') throw new NotAGitRepoError(abs, 'no-work-tree');
    return top;
  } catch (e) {
    if (e instanceof NotAGitRepoError) throw e;
    if (e instanceof GitError) {
      if (/not a git repository/i.test(e.stderr)) throw new NotAGitRepoError(abs, 'not-a-repo', { cause: e });
      if (/must be run in a work tree/i.test(e.stderr)) throw new NotAGitRepoError(abs, 'no-work-tree', { cause: e });
    }
    throw e;
  }
}

/**
 * The work tree around a path and the git directory it shares with its other
 * worktrees (`--git-common-dir`: the main repository's .git for a linked worktree),
 * both real paths. Null when the path is in no work tree.
 */
export async function workTreeOf(p: string): Promise<{ top: string; commonDir: string } | null> {
  const abs = path.resolve(p);
  try {
    const dir = (await stat(abs)).isDirectory() ? abs : path.dirname(abs);
    const { stdout } = await runGit(dir, ['rev-parse', '--show-toplevel', '--git-common-dir'], { timeoutMs: 5000 });
    const [top, common] = stdout.split('\n');
    if (!top || !common) return null;
    return { top, commonDir: await realpath(path.resolve(dir, common)) };
  } catch {
    return null;
  }
}

/** The commit id HEAD points to, or null when the current branch has no commits yet. */
export async function headCommit(root: string): Promise<string | null> {
  // -q --verify: exit 1 and no message for an unborn branch, instead of a fatal "ambiguous argument".
  const { stdout, exitCode } = await runGit(root, ['rev-parse', '-q', '--verify', 'HEAD^{commit}'], {
    okExitCodes: [0, 1],
  });
  return exitCode === 0 ? stdout.trim() : null;
}

export type ObjectFormat = 'sha1' | 'sha256';

export interface RepoState {
  /** HEAD's commit id, null on an unborn branch. */
  head: string | null;
  /** A shallow clone: history (blame, log) stops at the graft point. */
  shallow: boolean;
  /** Hash used for object ids (and so for gitBlobId). */
  objectFormat: ObjectFormat;
}

/** head, shallowness and object format in one git process (a scan needs all three). */
export async function repoState(root: string): Promise<RepoState> {
  // The option queries print before --verify is evaluated, so an unborn HEAD still yields them (exit 1).
  const { stdout, exitCode } = await runGit(root, ['rev-parse', '--is-shallow-repository', '--show-object-format', '-q', '--verify', 'HEAD^{commit}'], {
    okExitCodes: [0, 1],
  });
  const [shallow, format, head] = stdout.split('\n');
  return {
    head: exitCode === 0 && head ? head : null,
    shallow: shallow === 'true',
    objectFormat: format === 'sha256' ? 'sha256' : 'sha1',
  };
}

/**
 * Git's object id for a blob with this content, computed in-process: the hash
 * of `blob <len>\0` followed by the bytes. Equal to `git hash-object`, so a
 * dirty or untracked file gets the same cache key it will have once committed.
 */
export function gitBlobId(buf: Uint8Array, format: ObjectFormat = 'sha1'): string {
  return createHash(format).update(`blob ${buf.length}\0`).update(buf).digest('hex');
}
