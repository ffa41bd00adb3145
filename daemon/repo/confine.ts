/**
 * Every path a client names (MCP tools, LSP requests) is resolved inside a
 * registered repository: no `..` escapes, no absolute paths elsewhere, no symlinks
 * or hard links out, no git internals, no secrets (by name or by content). The one
 * confinement rule of every front end: MCP and LSP both call these.
 */
import { createReadStream, realpathSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ContextdError } from '../errors.js';
import { classifyContent } from './content-filter.js';
import { isSecretPath } from './path-rules.js';
import { runGit } from './git.js';

export interface ConfinedPath {
  root: string;
  /** Repo-relative, forward slashes. */
  rel: string;
  abs: string;
}

/**
 * Whether `path` is `root` or inside it, lexically (resolve symlinks first where they matter).
 * The one "path inside root" test of the code base: every entry point asks this.
 */
export function isInside(root: string, path: string): boolean {
  const r = relative(root, path);
  // `..x` is a name inside root; only `..` itself or a `../` prefix leaves it.
  return r === '' || (r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r));
}

const inside = isInside;

/**
 * Resolves `path` (repo-relative to `defaultRoot`, or absolute) against the
 * registered roots. The real path (symlinks resolved) must stay in the same root.
 */
export function confinePath(path: string, roots: readonly string[], defaultRoot: string | null, opts: { mustExist?: boolean } = {}): ConfinedPath {
  roots = roots.filter((r) => resolve(r) !== resolve('/')); // a registered "/" would confine nothing
  if (typeof path !== 'string' || !path.trim()) throw new ContextdError('bad-path', 'path must be a non-empty string');
  if (path.includes('\0')) throw new ContextdError('bad-path', 'path contains a NUL byte');
  let root: string | undefined;
  let abs: string;
  if (isAbsolute(path)) {
    abs = resolve(path);
    root = roots.filter((r) => inside(r, abs)).sort((a, b) => b.length - a.length)[0];
  } else {
    if (!defaultRoot)
      throw new ContextdError(
        'no-repo',
        `a relative path needs a repository: pass repo, or use an absolute path inside one of: ${roots.join(', ') || '(none registered)'}`,
      );
    root = defaultRoot;
    abs = resolve(root, path);
  }
  if (!root || !inside(root, abs)) {
    throw new ContextdError('path-outside', `${path} is outside the registered repositories`, {
      hint: 'only files inside repositories added with `contextd add` can be read',
    });
  }
  let real: string;
  const realRoot = realpathSync(root);
  try {
    real = realpathSync(abs);
  } catch {
    if (opts.mustExist ?? true) throw new ContextdError('path-missing', `${path} does not exist in ${root}`);
    // A path that is gone (deleted file) can still be named, e.g. to refresh it; it cannot be read.
    real = resolve(realRoot, relative(root, abs));
  }
  if (!inside(realRoot, real)) throw new ContextdError('path-outside', `${path} resolves (through a symlink) outside its repository`);
  const rel = relative(realRoot, real).split(sep).join('/');
  if (rel === '.git' || rel.startsWith('.git/')) throw new ContextdError('path-refused', 'git internals are not served');
  if (isSecretPath(rel)) throw new ContextdError('path-refused', `${rel} looks like a secret (keys, credentials, .env) and is never served`);
  return { root, rel, abs: real };
}

/** Files larger than this are served only by line range (read as a stream, never whole). */
export const MAX_SERVED_BYTES = 4 * 1024 * 1024;

export interface ServedText {
  /** The whole decoded text when the whole file was read, else the lines read joined by `\n`. */
  text: string;
  /** The lines asked for (all, when no range), without their newlines. */
  lines: string[];
  /** 1-based number of the first line in `lines`. */
  firstLine: number;
  /** Whether the file has lines after the last one read. */
  more: boolean;
}

/**
 * Reads a confined file for a client. Refused: a directory, a file with more than
 * one hard link (its content can live outside the repository: git never makes
 * them in a work tree), binary, generated or minified content, and a file whose
 * content holds a credential. A file over MAX_SERVED_BYTES is read only by line
 * range, as a stream; its secret check covers the lines served.
 */
export async function readConfined(target: ConfinedPath, range?: { start?: number; end?: number }): Promise<ServedText> {
  const fail = (err: NodeJS.ErrnoException): never => {
    throw new ContextdError('read-failed', err.code === 'EISDIR' ? `${target.rel} is a directory` : `cannot read ${target.rel}: ${err.message}`);
  };
  const fh = await open(target.abs, 'r').catch(fail);
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new ContextdError('read-failed', `${target.rel} is a directory`);
    if (!st.isFile()) throw new ContextdError('path-refused', `${target.rel} is not a regular file`);
    if (st.nlink > 1)
      throw new ContextdError(
        'path-refused',
        `${target.rel} is a hard link (${st.nlink} names): its content may live outside the repository, so it is not served`,
      );
    if (st.size <= MAX_SERVED_BYTES) {
      const text = decodeServed(target.rel, await fh.readFile());
      const lines = text.split('\n');
      if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
      const from = Math.min(Math.max(1, range?.start ?? 1), Math.max(1, lines.length));
      const to = Math.min(range?.end ?? lines.length, lines.length);
      return { text, lines: lines.slice(from - 1, to), firstLine: from, more: to < lines.length };
    }
    if (range?.start === undefined && range?.end === undefined) {
      throw new ContextdError('too-large', `${target.rel} is larger than ${MAX_SERVED_BYTES} bytes; ask for a line range (start/end)`);
    }
  } finally {
    await fh.close();
  }
  return readRange(target, range.start ?? 1, range.end ?? Number.MAX_SAFE_INTEGER);
}

function decodeServed(rel: string, buf: Buffer): string {
  const content = classifyContent(rel, buf);
  if ('skip' in content) {
    throw new ContextdError(
      'path-refused',
      content.skip === 'secret' ? `${rel} holds what looks like a secret and is never served` : `${rel} is not served (${content.skip})`,
    );
  }
  return content.text;
}

/** Lines start..end of a large file, streamed (at most MAX_SERVED_BYTES of them); checked like a whole file. */
async function readRange(target: ConfinedPath, start: number, end: number): Promise<ServedText> {
  const stream = createReadStream(target.abs);
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  const kept: string[] = [];
  let n = 0;
  let bytes = 0;
  let more = false;
  try {
    for await (const line of rl) {
      if (++n < start) continue;
      if (n > end || bytes + line.length + 1 > MAX_SERVED_BYTES) {
        more = true;
        break;
      }
      kept.push(line);
      bytes += line.length + 1;
    }
  } finally {
    rl.close();
    stream.destroy();
  }
  if (!kept.length) return { text: '', lines: [], firstLine: start, more: false };
  const text = decodeServed(target.rel, Buffer.from(kept.join('\n'), 'utf8'));
  return { text, lines: text.split('\n'), firstLine: start, more };
}

/**
 * Reads a confined path as committed at `rev` (a sha, branch or tag): the same name and
 * content rules as the working tree (secrets, binary, generated); the blob is read by git,
 * so symlinks and hard links of the work tree play no part. Whole blobs up to
 * MAX_SERVED_BYTES only.
 */
export async function readConfinedAt(target: ConfinedPath, rev: string, range?: { start?: number; end?: number }): Promise<ServedText> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(rev) || rev.includes('..'))
    throw new ContextdError('bad-rev', `${rev} is not a commit name (a sha, branch or tag)`);
  const object = `${rev}:${target.rel}`;
  const size = await runGit(target.root, ['cat-file', '-s', object]).then(
    (r) => Number(r.stdout.trim()),
    () => {
      throw new ContextdError('path-missing', `${target.rel} does not exist at ${rev} in ${target.root}`);
    },
  );
  if (size > MAX_SERVED_BYTES) throw new ContextdError('too-large', `${target.rel} at ${rev} is larger than ${MAX_SERVED_BYTES} bytes`);
  const { stdout } = await runGit(target.root, ['cat-file', 'blob', object], { encoding: 'buffer', timeoutMs: 10_000 });
  const text = decodeServed(target.rel, stdout);
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const from = Math.min(Math.max(1, range?.start ?? 1), Math.max(1, lines.length));
  const to = Math.min(range?.end ?? lines.length, lines.length);
  return { text, lines: lines.slice(from - 1, to), firstLine: from, more: to < lines.length };
}
