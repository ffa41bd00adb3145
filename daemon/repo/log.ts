/**
 * `git log --name-status -z`, streamed and parsed here: the commit table's
 * source. One process walks any number of commits (~10k/s); output is split on
 * NUL and decoded field by field (names and messages may not be UTF-8).
 *
 * Record layout with our format (fields NUL-separated, `\x1e` marks a commit):
 *   \x1e<sha> <parents> <an> <ae> <at> <cn> <ce> <ct> <subject> <body>
 * then, for a commit that changed files (merges list none by default):
 *   \n<status> <path> [<new path> for R/C]  <status> <path> …
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { redactSecrets } from '../secrets.js';
import { decodeGitText } from './decode.js';
import { gitRecordBatches } from './git-stream.js';
import { runGit, splitNul } from './git.js';

export interface CommitFileChange {
  /** A, M, D, T, R (renamed), C (copied). */
  status: string;
  /** The path after the commit (the new name for a rename). */
  path: string;
  /** The path before a rename or copy. */
  oldPath: string | null;
}

export interface LogCommit {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  /** Unix seconds. */
  authorTime: number;
  committerName: string;
  committerEmail: string;
  commitTime: number;
  subject: string;
  body: string;
  /** Files changed against the parent; for a merge, only files it changed itself (combined diff: conflict resolutions). */
  files: CommitFileChange[];
}

export const LOG_FORMAT = '%x1e%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%s%x00%b';
const FIELDS = 10;

/** Incremental parser for NUL-separated records of `git log -z --name-status --format=LOG_FORMAT`. */
export class LogParser {
  private fields: Buffer[] = [];
  private files: CommitFileChange[] = [];
  private pendingStatus: string | null = null;
  private pendingOld: string | null = null;
  private open = false;

  /** Feeds one record; returns the previous commit when this record starts a new one. */
  push(rec: Buffer): LogCommit | null {
    if (rec[0] === 0x1e) {
      const done = this.open ? this.build() : null;
      this.fields = [rec.subarray(1)];
      this.files = [];
      this.pendingStatus = null;
      this.pendingOld = null;
      this.open = true;
      return done;
    }
    if (!this.open) return null;
    if (this.fields.length < FIELDS) {
      this.fields.push(Buffer.from(rec)); // copied: the batch's memory is reused
      return null;
    }
    const text = rec.toString('utf8');
    if (this.pendingStatus === null) {
      const status = text.replace(/^\n+/, '');
      if (status === '') return null;
      this.pendingStatus = status;
      return null;
    }
    const letter = this.pendingStatus[0];
    if ((letter === 'R' || letter === 'C') && this.pendingOld === null) {
      this.pendingOld = text;
      return null;
    }
    this.files.push({ status: letter, path: text, oldPath: this.pendingOld });
    this.pendingStatus = null;
    this.pendingOld = null;
    return null;
  }

  /** The last commit, if any. */
  finish(): LogCommit | null {
    const done = this.open ? this.build() : null;
    this.open = false;
    return done;
  }

  private build(): LogCommit {
    const f = this.fields;
    const s = (i: number): string => (f[i] ? f[i].toString('latin1') : '');
    // Commit messages and names are indexed and shown as they are: credentials in them are redacted here, before anything stores them.
    const d = (i: number): string => (f[i] ? redactSecrets(decodeGitText(f[i])) : '');
    return {
      sha: s(0),
      parents: s(1) ? s(1).split(' ') : [],
      authorName: d(2),
      authorEmail: d(3),
      authorTime: Number(s(4)) || 0,
      committerName: d(5),
      committerEmail: d(6),
      commitTime: Number(s(7)) || 0,
      subject: d(8),
      body: d(9).replace(/\s+$/, ''),
      files: this.files,
    };
  }
}

export interface LogOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/**
 * Streams the commits selected by `revs` (e.g. `['HEAD']`, `['HEAD', '^<old tip>']`),
 * newest first, in batches.
 */
export async function* streamLog(root: string, revs: readonly string[], opts: LogOptions = {}): AsyncGenerator<LogCommit[]> {
  const args = [
    '-c',
    'log.showSignature=false',
    'log',
    '-z',
    '--name-status',
    // Merges list the files they changed themselves (conflict resolutions), against all parents.
    '--cc',
    '-M',
    '--no-color',
    '--no-relative',
    `--format=${LOG_FORMAT}`,
    ...revs,
    '--',
  ];
  const parser = new LogParser();
  for await (const batch of gitRecordBatches(root, args, 0x00, opts)) {
    const out: LogCommit[] = [];
    for (const rec of batch) {
      const c = parser.push(rec);
      if (c) out.push(c);
    }
    if (out.length) yield out;
  }
  const last = parser.finish();
  if (last) yield [last];
}

/** Commit ids reachable from `include` but not from `exclude` (`git rev-list A ^B`), or null when a rev is unknown. */
export async function revList(root: string, include: string, exclude: string): Promise<string[] | null> {
  const r = await runGit(root, ['rev-list', include, `^${exclude}`, '--'], { okExitCodes: [0, 128] });
  if (r.exitCode !== 0) return null;
  return r.stdout.split('\n').filter(Boolean);
}

/** A commit object exists in the repository (it may have been gc'd after a rewrite). */
export async function commitExists(root: string, sha: string): Promise<boolean> {
  const r = await runGit(root, ['cat-file', '-e', `${sha}^{commit}`], { okExitCodes: [0, 1, 128] });
  return r.exitCode === 0;
}

/** The commits a shallow clone's history stops at (its grafts); empty for a full clone. */
export async function shallowGrafts(root: string): Promise<string[]> {
  const { stdout } = await runGit(root, ['rev-parse', '--git-path', 'shallow']);
  const file = path.resolve(root, stdout.trim());
  try {
    return (await readFile(file, 'utf8')).split('\n').filter((l) => /^[0-9a-f]{40,64}$/.test(l));
  } catch {
    return [];
  }
}

/** Blob id of each path in a commit's tree (`ls-tree -r`), restricted to `paths` when given. */
export async function treeBlobs(root: string, rev: string, paths?: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const lists = paths === undefined ? [undefined] : chunk(paths, 400);
  for (const list of lists) {
    if (list && !list.length) continue;
    // Literal pathspecs: a file name may hold glob characters.
    const { stdout } = await runGit(root, ['ls-tree', '-r', '-z', '--full-tree', rev, '--', ...(list ?? [])], {
      encoding: 'buffer',
      env: { GIT_LITERAL_PATHSPECS: '1' },
    });
    for (const rec of splitNul(stdout)) {
      // <mode> SP <type> SP <object> TAB <path>
      const tab = rec.indexOf('\t');
      const meta = rec.slice(0, tab).split(' ');
      if (meta[1] === 'blob') out.set(rec.slice(tab + 1), meta[2]);
    }
  }
  return out;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
