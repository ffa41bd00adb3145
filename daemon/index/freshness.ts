/**
 * How fresh an answer is: which commit the index reflects, whether that is HEAD,
 * and which files changed since they were indexed. Cheap enough to run with every
 * search: one `git status` (stat-based, reads nothing for clean files) and a hash
 * of the few files it names.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gitBlobId, headCommit, runGit, splitNul } from '../repo/git.js';
import { classifyPath } from '../repo/path-rules.js';
import type { FileRecord } from '../store/types.js';

export interface Freshness {
  repo: string;
  indexedCommit: string | null;
  head: string | null;
  /** The index reflects HEAD and no file differs from what was indexed. */
  fresh: boolean;
  headMatches: boolean;
  /** Repo-relative paths whose working-tree content differs from the indexed content (capped). */
  changedFiles: string[];
  /** More changed files than listed. */
  changedTruncated: boolean;
  /** Work queued in the daemon for this repository (0 when no daemon answers). */
  pendingJobs: number;
  /** Set while the daemon's embedding lags (chunks with a vector / all live chunks): semantic results fill in behind. */
  vectors?: { embedded: number; total: number };
}

const MAX_CHECKED = 200;
/**
 * Answers within this window reuse the last computation for the same repository,
 * indexed commit and queue length: twenty agents searching at once cost one
 * `git status`, and a change still shows within a second.
 */
const REUSE_MS = 1000;
const recent = new Map<string, { at: number; key: string; value: Promise<Freshness> }>();

/**
 * Compares the working tree with the stored view. `view` maps path -> stored file
 * row (only blob and status are used).
 */
export function computeFreshness(
  root: string,
  indexedCommit: string | null,
  lookup: (path: string) => Promise<Pick<FileRecord, 'blob'> | null>,
  pendingJobs = 0,
): Promise<Freshness> {
  const key = `${indexedCommit}\0${pendingJobs}`;
  const hit = recent.get(root);
  if (hit && hit.key === key && Date.now() - hit.at < REUSE_MS) return hit.value;
  const value = measureFreshness(root, indexedCommit, lookup, pendingJobs);
  recent.set(root, { at: Date.now(), key, value });
  value.catch(() => recent.delete(root));
  return value;
}

async function measureFreshness(
  root: string,
  indexedCommit: string | null,
  lookup: (path: string) => Promise<Pick<FileRecord, 'blob'> | null>,
  pendingJobs: number,
): Promise<Freshness> {
  const [head, status] = await Promise.all([
    headCommit(root).catch(() => null),
    runGit(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames'], { timeoutMs: 5000 }).catch(() => null),
  ]);
  const candidates = new Set<string>();
  if (status) {
    for (const entry of splitNul(status.stdout)) {
      if (entry.length > 3) candidates.add(entry.slice(3));
    }
  }
  if (head && indexedCommit && head !== indexedCommit) {
    const diff = await runGit(root, ['diff', '--name-only', '-z', indexedCommit, head, '--'], { timeoutMs: 5000 }).catch(() => null);
    // An unreachable indexed commit (reset, force-push, gc) gives no list: the reconcile will sort it out.
    if (diff) for (const p of splitNul(diff.stdout)) candidates.add(p);
  }
  const changed: string[] = [];
  let checked = 0;
  for (const path of candidates) {
    if (checked++ >= MAX_CHECKED) break;
    const stored = await lookup(path);
    let current: string | null;
    try {
      current = gitBlobId(await readFile(join(root, path)));
    } catch {
      current = null; // deleted
    }
    if (stored) {
      if (stored.blob !== current) changed.push(path);
    } else if (current !== null && isIndexable(path)) {
      // A new file: news only if the indexer would take it (not vendored, generated or a secret).
      changed.push(path);
    }
  }
  const headMatches = head === indexedCommit;
  return {
    repo: root,
    indexedCommit,
    head,
    headMatches,
    fresh: headMatches && changed.length === 0 && pendingJobs === 0,
    changedFiles: changed,
    changedTruncated: candidates.size > MAX_CHECKED,
    pendingJobs,
  };
}

function isIndexable(path: string): boolean {
  return !path.endsWith('/') && classifyPath(path) === null;
}

/** One short line for text output. */
export function freshnessLine(f: Freshness): string {
  const commit = f.indexedCommit ? f.indexedCommit.slice(0, 10) : 'no commit';
  if (f.fresh) return [`index: ${commit} = HEAD, working tree indexed`, ...vectorsNote(f)].join('; ');
  const parts = [`index: ${commit}${f.headMatches ? ' = HEAD' : ` (HEAD is ${f.head ? f.head.slice(0, 10) : 'unborn'})`}`];
  if (f.changedFiles.length) parts.push(`${f.changedFiles.length}${f.changedTruncated ? '+' : ''} file(s) changed since indexing`);
  if (f.pendingJobs) parts.push(`${f.pendingJobs} pending in the daemon`);
  return [...parts, ...vectorsNote(f)].join('; ');
}

/** How far the embeddings are, when they lag: lexical and symbol hits are complete, semantic ones fill in. */
function vectorsNote(f: Freshness): string[] {
  const v = f.vectors;
  if (!v || v.embedded >= v.total) return [];
  return [`vectors ${Math.floor((v.embedded / Math.max(1, v.total)) * 100)}% (${v.embedded}/${v.total} chunks; semantic results fill in)`];
}

/**
 * HEAD's commit read from the git directory's files (no process): a loose ref,
 * packed-refs, or a detached HEAD; in a linked worktree, refs live in the common
 * dir. Returns undefined when unsure (the caller then asks git). Synchronous reads
 * of a few tiny files: it runs on every answer, and promise-based fs costs several
 * times more CPU than the reads themselves.
 */
export function readHead(root: string): string | null | undefined {
  try {
    let gitDir = join(root, '.git');
    const st = statSync(gitDir, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (st.isFile()) {
      const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(gitDir, 'utf8'));
      if (!m) return undefined;
      gitDir = resolve(root, m[1].trim());
    }
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(head)) return head;
    const ref = /^ref:\s*(refs\/\S+)$/.exec(head)?.[1];
    if (!ref) return undefined;
    const commondir = existsSync(join(gitDir, 'commondir')) ? readSmall(join(gitDir, 'commondir')) : null;
    const common = commondir === null ? gitDir : resolve(gitDir, commondir.trim());
    for (const dir of new Set([gitDir, common])) {
      const loose = readSmall(join(dir, ref))?.trim();
      if (loose && /^[0-9a-f]{40}/.test(loose)) return loose;
    }
    const packed = readSmall(join(common, 'packed-refs')) ?? '';
    for (const line of packed.split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && /^[0-9a-f]{40}/.test(sha)) return sha;
    }
    return null; // an unborn branch: no commits yet
  } catch {
    return undefined;
  }
}

/** The contents of a small file, or null when it is not there. */
function readSmall(p: string): string | null {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Freshness as the daemon knows it, without running git: HEAD read from disk, and
 * the files its watcher and hooks have queued but not indexed yet.
 */
export async function queuedFreshness(
  root: string,
  indexedCommit: string | null,
  queued: { full: boolean; paths: string[] } | null,
  pendingJobs: number,
): Promise<Freshness> {
  const fromDisk = readHead(root);
  const head = fromDisk === undefined ? await headCommit(root).catch(() => null) : fromDisk;
  const headMatches = head === indexedCommit;
  const changed = queued?.paths.slice(0, MAX_CHECKED) ?? [];
  return {
    repo: root,
    indexedCommit,
    head,
    headMatches,
    fresh: headMatches && pendingJobs === 0,
    changedFiles: changed,
    changedTruncated: (queued?.paths.length ?? 0) > MAX_CHECKED || !!queued?.full,
    pendingJobs,
  };
}
