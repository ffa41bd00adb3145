/**
 * `git blame --incremental`, streamed and parsed here. One process per file
 * gives, for every line of the file, the commit that last changed it; git
 * follows whole-file renames on its own. --incremental rather than --porcelain:
 * the same records without a copy of every line's text, so less to read.
 *
 * Format (one entry per group of consecutive lines from one commit, in the
 * order git finds them, not by line):
 *   <sha> <orig line> <final line> <line count>
 *   author <name> / author-mail <<email>> / author-time <unix> / author-tz …
 *   committer … / summary <subject>      (only the first time a commit appears)
 *   [previous <sha> <path>] [boundary]
 *   filename <path as of that commit>    (ends the entry)
 * Lines not committed yet carry the all-zero id.
 */
import { decodeGitText } from './decode.js';
import { gitRecordBatches } from './git-stream.js';

export interface BlameCommit {
  sha: string;
  authorName: string;
  authorEmail: string;
  /** Unix seconds. */
  authorTime: number;
  committerName: string;
  committerEmail: string;
  commitTime: number;
  summary: string;
}

/** Lines start..end (1-based, inclusive) of the file as blamed; sha null = not committed yet. */
export interface BlameRange {
  start: number;
  end: number;
  sha: string | null;
}

export interface BlameResult {
  /** Sorted by line, adjacent lines of one commit merged, covering 1..lines without gaps. */
  ranges: BlameRange[];
  /** What blame said about each commit it names (not the uncommitted pseudo-commit). */
  commits: Map<string, BlameCommit>;
  lines: number;
  /** Commits git marked as the boundary of the walk (a shallow clone's graft, or a root without --root). */
  boundary: Set<string>;
}

const HEADER = /^([0-9a-f]{40}|[0-9a-f]{64}) (\d+) (\d+)(?: (\d+))?$/;
const ZERO = /^0+$/;

/** Incremental parser: feed raw lines (without the newline), then call finish(). */
export class BlameParser {
  private readonly groups: BlameRange[] = [];
  private readonly commits = new Map<string, BlameCommit>();
  private readonly boundary = new Set<string>();
  private current: { sha: string; commit: BlameCommit | null } | null = null;

  push(raw: Buffer): void {
    // Keys are ASCII; only values of author/committer/summary may hold other bytes.
    const space = raw.indexOf(0x20);
    const key = space === -1 ? raw.toString('latin1') : raw.subarray(0, space).toString('latin1');
    if (key.length >= 40 && space !== -1) {
      const m = HEADER.exec(raw.toString('latin1'));
      if (m) {
        const sha = m[1];
        const final = Number(m[3]);
        const count = m[4] === undefined ? 1 : Number(m[4]);
        const uncommitted = ZERO.test(sha);
        this.groups.push({ start: final, end: final + count - 1, sha: uncommitted ? null : sha });
        let commit: BlameCommit | null = null;
        if (!uncommitted) {
          commit = this.commits.get(sha) ?? null;
          if (!commit) {
            commit = { sha, authorName: '', authorEmail: '', authorTime: 0, committerName: '', committerEmail: '', commitTime: 0, summary: '' };
            this.commits.set(sha, commit);
          }
        }
        this.current = { sha, commit };
        return;
      }
    }
    if (raw[0] === 0x09) return; // porcelain line content (not emitted by --incremental)
    const cur = this.current;
    if (!cur) return;
    if (key === 'boundary') {
      if (cur.commit) this.boundary.add(cur.sha);
      return;
    }
    if (key === 'filename') {
      this.current = null;
      return;
    }
    const c = cur.commit;
    if (!c) return;
    const value = (): string => decodeGitText(raw.subarray(space + 1));
    switch (key) {
      case 'author':
        c.authorName = value();
        break;
      case 'author-mail':
        c.authorEmail = stripAngles(value());
        break;
      case 'author-time':
        c.authorTime = Number(raw.subarray(space + 1).toString('latin1')) || 0;
        break;
      case 'committer':
        c.committerName = value();
        break;
      case 'committer-mail':
        c.committerEmail = stripAngles(value());
        break;
      case 'committer-time':
        c.commitTime = Number(raw.subarray(space + 1).toString('latin1')) || 0;
        break;
      case 'summary':
        c.summary = value();
        break;
      default:
        break; // author-tz, committer-tz, previous: not needed
    }
  }

  finish(): BlameResult {
    const sorted = this.groups.sort((a, b) => a.start - b.start);
    const ranges: BlameRange[] = [];
    let expected = 1;
    for (const g of sorted) {
      if (g.start !== expected) throw new Error(`blame output does not cover line ${expected} (next group starts at ${g.start})`);
      expected = g.end + 1;
      const last = ranges[ranges.length - 1];
      if (last && last.sha === g.sha && last.end + 1 === g.start) last.end = g.end;
      else ranges.push({ ...g });
    }
    return { ranges, commits: this.commits, lines: expected - 1, boundary: this.boundary };
  }
}

function stripAngles(s: string): string {
  return s.startsWith('<') && s.endsWith('>') ? s.slice(1, -1) : s;
}

export interface BlameOptions {
  /** Blame the file as of this commit (exact, reads nothing from the work tree). */
  rev?: string;
  /** Blame these bytes as the file's current content (`--contents -`, against HEAD): uncommitted lines show as such. */
  contents?: Buffer;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** One `git blame --incremental` of `path` (repo-relative), parsed while it streams. */
export async function blameFile(root: string, path: string, opts: BlameOptions = {}): Promise<BlameResult> {
  const args = ['blame', '--incremental'];
  // git < 2.41 refuses --contents together with a revision: --contents is always against HEAD.
  if (opts.contents !== undefined) args.push('--contents', '-');
  else if (opts.rev) args.push(opts.rev);
  args.push('--', path);
  const parser = new BlameParser();
  for await (const batch of gitRecordBatches(root, args, 0x0a, { input: opts.contents, timeoutMs: opts.timeoutMs, signal: opts.signal })) {
    for (const line of batch) parser.push(line);
  }
  return parser.finish();
}
