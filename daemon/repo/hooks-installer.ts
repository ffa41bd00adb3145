/**
 * Installs, removes and inspects contextd's git hooks in one repository.
 *
 * Rules, in order of importance:
 * - never destroy a user's hook: a foreign hook is renamed to
 *   `<hook>.contextd-chained` and our wrapper runs it after notifying;
 *   uninstall renames it back (a rename keeps content, mode and mtime);
 * - the hooks directory is whatever git runs hooks from
 *   (`git rev-parse --git-path hooks`: honours core.hooksPath, husky-style
 *   in-repo directories, and linked worktrees, whose hooks are the main
 *   repository's);
 * - idempotent: installing twice writes nothing the second time.
 */
import { constants } from 'node:fs';
import { access, chmod, lstat, mkdir, readFile, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isInside } from './confine.js';
import { findRepoRoot, runGit } from './git.js';
import { CHAINED_SUFFIX, isContextdHook, MANAGED_HOOKS, renderHookScript, type HookCommand, type ManagedHook } from './hook-script.js';

export { MANAGED_HOOKS, type ManagedHook, type HookCommand } from './hook-script.js';

export type HookInstallOptions = HookCommand;

export interface HooksLocation {
  /** Top of the work tree the request was made for. */
  worktree: string;
  /** Where git runs this repository's hooks from (absolute). */
  hooksDir: string;
  /** core.hooksPath, when set, and the config scope it came from (local, global, system, worktree…). */
  hooksPath: { value: string; scope: string | null } | null;
  /**
   * True when the hooks directory is not private to this repository: core.hooksPath
   * from the global/system config, or pointing outside this work tree and git dir.
   * Hooks installed there fire for every repository that uses the directory.
   */
  shared: boolean;
}

/** State of our `<hook>.contextd-chained` file: absent, present and executable (runs), present but not. */
export type ChainState = 'none' | 'active' | 'inactive';

export type HookInstallAction =
  /** No hook was there; ours was written. */
  | 'created'
  /** A foreign hook was moved to `<hook>.contextd-chained` and ours written in its place. */
  | 'chained'
  /** Ours was there with other paths or mode; rewritten. */
  | 'updated'
  /** Ours was there, byte for byte; nothing written. */
  | 'unchanged'
  /**
   * A hook manager (husky rewrites its stubs on every `npm install`) put back the very
   * script we had chained: it replaces the chained copy (same bytes) and ours goes on top.
   */
  | 'rechained'
  /** A foreign hook is there and `<hook>.contextd-chained` holds a different one: nothing touched. */
  | 'conflict';

export interface HookInstallResult {
  hook: ManagedHook;
  path: string;
  action: HookInstallAction;
  chained: ChainState;
}

export interface HookInstallReport extends HooksLocation {
  /** The hooks directory did not exist and was created. */
  createdHooksDir: boolean;
  hooks: HookInstallResult[];
}

export type HookUninstallAction =
  /** Ours removed; there was no previous hook. */
  | 'removed'
  /** Ours removed and the previous hook renamed back into place. */
  | 'restored'
  /** Neither ours nor a previous hook: nothing to do. */
  | 'absent'
  /** The hook is not ours (never installed, or replaced since): left alone. */
  | 'foreign';

export interface HookUninstallReport extends HooksLocation {
  hooks: { hook: ManagedHook; path: string; action: HookUninstallAction }[];
}

export type HookState =
  | 'missing'
  /** Ours; matches the expected command when one was given to hookStatus. */
  | 'installed'
  /** Ours, but written for another node/notify/socket path than the expected one. */
  | 'outdated'
  | 'foreign';

export interface HookStatusReport extends HooksLocation {
  hooks: { hook: ManagedHook; path: string; state: HookState; chained: ChainState }[];
}

/** Resolve symlinks of the longest existing prefix, so /tmp vs /private/tmp style aliases compare equal. */
async function realpathLoose(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    const parent = path.dirname(p);
    return parent === p ? p : path.join(await realpathLoose(parent), path.basename(p));
  }
}

export async function locateHooks(repoRoot: string): Promise<HooksLocation> {
  const worktree = await findRepoRoot(repoRoot);
  // Run from the top of the work tree: relative answers (".git/hooks", a relative
  // core.hooksPath) are relative to the cwd, and git runs hooks from there too.
  const { stdout } = await runGit(worktree, ['rev-parse', '--git-common-dir', '--git-path', 'hooks']);
  const [commonDirRaw, hooksRaw] = stdout.split('\n');
  const commonDir = path.resolve(worktree, commonDirRaw);
  const hooksDir = path.resolve(worktree, hooksRaw);

  // --show-scope (git >= 2.26) tells a global hooks dir from a per-repo one; older git rejects it with 129.
  let cfg = await runGit(worktree, ['config', '--show-scope', '--get', 'core.hooksPath'], { okExitCodes: [0, 1, 129] });
  if (cfg.exitCode === 129) cfg = await runGit(worktree, ['config', '--get', 'core.hooksPath'], { okExitCodes: [0, 1] });
  let hooksPath: HooksLocation['hooksPath'] = null;
  if (cfg.exitCode === 0) {
    const line = cfg.stdout.replace(/\n$/, '');
    const tab = line.indexOf('\t');
    hooksPath = tab < 0 ? { value: line, scope: null } : { value: line.slice(tab + 1), scope: line.slice(0, tab) };
  }

  let shared = false;
  if (hooksPath) {
    const [realHooks, realTop, realCommon] = await Promise.all([hooksDir, worktree, commonDir].map(realpathLoose));
    const globalScope = hooksPath.scope === 'global' || hooksPath.scope === 'system';
    shared = globalScope || !(isInside(realTop, realHooks) || isInside(realCommon, realHooks));
  }
  return { worktree, hooksDir, hooksPath, shared };
}

type HookFile = { kind: 'missing' } | { kind: 'ours'; text: string; mode: number } | { kind: 'foreign' };

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p); // lstat: a dangling symlink is still a file we must not overwrite
    return true;
  } catch {
    return false;
  }
}

async function readHook(p: string): Promise<HookFile> {
  if (!(await exists(p))) return { kind: 'missing' };
  try {
    const st = await stat(p);
    // Hooks are small scripts; a large or non-regular file is certainly not ours (and not worth reading).
    if (!st.isFile() || st.size > 64 * 1024) return { kind: 'foreign' };
    const text = await readFile(p, 'utf8');
    return isContextdHook(text) ? { kind: 'ours', text, mode: st.mode & 0o777 } : { kind: 'foreign' };
  } catch {
    return { kind: 'foreign' }; // dangling symlink, unreadable file: someone else's
  }
}

async function chainState(hookPath: string): Promise<ChainState> {
  const chained = hookPath + CHAINED_SUFFIX;
  if (!(await exists(chained))) return 'none';
  try {
    await access(chained, constants.X_OK);
    return 'active';
  } catch {
    return 'inactive';
  }
}

/** Two regular files with the same bytes and the same executable bits (symlinks compare as different). */
async function sameFile(a: string, b: string): Promise<boolean> {
  try {
    const [sa, sb] = await Promise.all([lstat(a), lstat(b)]);
    if (!sa.isFile() || !sb.isFile() || sa.size !== sb.size || sa.size > 64 * 1024) return false;
    if ((sa.mode & 0o111) !== (sb.mode & 0o111)) return false;
    const [ta, tb] = await Promise.all([readFile(a), readFile(b)]);
    return ta.equals(tb);
  } catch {
    return false;
  }
}

/** Write via a temp file and rename, so a git running right now never executes half a script. */
async function writeHook(p: string, text: string): Promise<void> {
  const tmp = `${p}.contextd-tmp-${process.pid}`;
  try {
    await writeFile(tmp, text, { mode: 0o755 });
    await chmod(tmp, 0o755); // the umask may have masked writeFile's mode
    await rename(tmp, p);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

async function installOne(hooksDir: string, hook: ManagedHook, cmd: HookCommand): Promise<HookInstallResult> {
  const p = path.join(hooksDir, hook);
  const text = renderHookScript(hook, cmd);
  const cur = await readHook(p);
  let action: HookInstallAction;
  if (cur.kind === 'ours') {
    if (cur.text === text && cur.mode === 0o755) action = 'unchanged';
    else {
      await writeHook(p, text);
      action = 'updated';
    }
  } else if (cur.kind === 'missing') {
    await writeHook(p, text);
    action = 'created';
  } else if (await exists(p + CHAINED_SUFFIX)) {
    // A hook manager rewrote our wrapper after an earlier install. When it wrote back the
    // script we had chained, nothing is lost by chaining it again; otherwise both files may
    // matter to the user, and which one wins is theirs to say.
    if (await sameFile(p, p + CHAINED_SUFFIX)) {
      await rename(p, p + CHAINED_SUFFIX);
      await writeHook(p, text);
      action = 'rechained';
    } else action = 'conflict';
  } else {
    // Kept as is, executable or not: the wrapper runs it only if git would have.
    await rename(p, p + CHAINED_SUFFIX);
    await writeHook(p, text);
    action = 'chained';
  }
  return { hook, path: p, action, chained: await chainState(p) };
}

export async function installHooks(repoRoot: string, opts: HookInstallOptions): Promise<HookInstallReport> {
  for (const [k, v] of [
    ['node', opts.node],
    ['notifyScript', opts.notifyScript],
  ] as const) {
    // The hook runs from the work tree top, with git's PATH: relative paths would resolve elsewhere.
    if (!path.isAbsolute(v)) throw new Error(`installHooks: ${k} must be an absolute path, got ${JSON.stringify(v)}`);
  }
  const loc = await locateHooks(repoRoot);
  const createdHooksDir = !(await exists(loc.hooksDir));
  await mkdir(loc.hooksDir, { recursive: true });
  const hooks: HookInstallResult[] = [];
  for (const hook of MANAGED_HOOKS) hooks.push(await installOne(loc.hooksDir, hook, opts));
  return { ...loc, createdHooksDir, hooks };
}

export async function uninstallHooks(repoRoot: string): Promise<HookUninstallReport> {
  const loc = await locateHooks(repoRoot);
  const hooks: HookUninstallReport['hooks'] = [];
  for (const hook of MANAGED_HOOKS) {
    const p = path.join(loc.hooksDir, hook);
    const cur = await readHook(p);
    const hasChained = await exists(p + CHAINED_SUFFIX);
    let action: HookUninstallAction;
    if (cur.kind === 'foreign') action = 'foreign';
    else if (hasChained) {
      // Also when our wrapper is already gone: the chained file is the user's hook, put it back.
      await rename(p + CHAINED_SUFFIX, p);
      action = 'restored';
    } else if (cur.kind === 'ours') {
      await unlink(p);
      action = 'removed';
    } else action = 'absent';
    hooks.push({ hook, path: p, action });
  }
  return { ...loc, hooks };
}

/** What is installed now; with `expected`, wrappers written for other paths show as 'outdated'. */
export async function hookStatus(repoRoot: string, expected?: HookInstallOptions): Promise<HookStatusReport> {
  const loc = await locateHooks(repoRoot);
  const hooks: HookStatusReport['hooks'] = [];
  for (const hook of MANAGED_HOOKS) {
    const p = path.join(loc.hooksDir, hook);
    const cur = await readHook(p);
    let state: HookState;
    if (cur.kind === 'ours') state = expected && cur.text !== renderHookScript(hook, expected) ? 'outdated' : 'installed';
    else state = cur.kind;
    hooks.push({ hook, path: p, state, chained: await chainState(p) });
  }
  return { ...loc, hooks };
}
