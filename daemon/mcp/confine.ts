/**
 * Every path an agent names is resolved inside a registered repository: no `..`
 * escapes, no absolute paths elsewhere, no symlinks out, no secrets.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ContextdError } from '../errors.js';
import { isSecretPath } from '../repo/path-rules.js';

export interface ConfinedPath {
  root: string;
  /** Repo-relative, forward slashes. */
  rel: string;
  abs: string;
}

function inside(root: string, abs: string): boolean {
  const r = relative(root, abs);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
}

/**
 * Resolves `path` (repo-relative to `defaultRoot`, or absolute) against the
 * registered roots. The real path (symlinks resolved) must stay in the same root.
 */
export function confinePath(path: string, roots: readonly string[], defaultRoot: string | null, opts: { mustExist?: boolean } = {}): ConfinedPath {
  if (typeof path !== 'string' || !path.trim()) throw new ContextdError('bad-path', 'path must be a non-empty string');
  if (path.includes('\0')) throw new ContextdError('bad-path', 'path contains a NUL byte');
  let root: string | undefined;
  let abs: string;
  if (isAbsolute(path)) {
    abs = resolve(path);
    root = roots.filter((r) => inside(r, abs)).sort((a, b) => b.length - a.length)[0];
  } else {
    if (!defaultRoot) throw new ContextdError('no-repo', `a relative path needs a repository: pass repo, or use an absolute path inside one of: ${roots.join(', ') || '(none registered)'}`);
    root = defaultRoot;
    abs = resolve(root, path);
  }
  if (!root || !inside(root, abs)) {
    throw new ContextdError('path-outside', `${path} is outside the registered repositories`, { hint: 'only files inside repositories added with `contextd add` can be read' });
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
