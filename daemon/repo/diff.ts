/**
 * `git diff -U0` between two commits, parsed: per file, its old and new path and
 * blob, and the changed line ranges. This is the diff git blame computes in its
 * first step (Myers, git's default heuristics, no whitespace options), so moving
 * a blame across one commit with it gives what `git blame` would.
 */
import { gitRecordBatches } from './git-stream.js';

export interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
}

export interface FileDiff {
  oldPath: string | null;
  newPath: string | null;
  oldBlob: string | null;
  newBlob: string | null;
  /** No content diff (binary files). */
  binary: boolean;
  hunks: Hunk[];
}

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/** Undoes git's C-style quoting of a path (`"a\tb"`, octal bytes for non-ASCII when quotepath is on). */
export function unquoteGitPath(s: string): string {
  if (!s.startsWith('"')) return s;
  const bytes: number[] = [];
  for (let i = 1; i < s.length - 1; i++) {
    const ch = s[i];
    if (ch !== '\\') {
      for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
      continue;
    }
    const next = s[++i];
    const simple: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };
    if (next in simple) bytes.push(simple[next]);
    else if (/[0-7]/.test(next)) {
      bytes.push(parseInt(s.slice(i, i + 3), 8));
      i += 2;
    } else bytes.push(next.charCodeAt(0));
  }
  return Buffer.from(bytes).toString('utf8');
}

function stripPrefix(p: string, prefix: string): string | null {
  const path = unquoteGitPath(p);
  if (path === '/dev/null') return null;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}

/** Parser for `git diff -U0 --full-index -M` output, fed line by line. */
export class DiffParser {
  private readonly files: FileDiff[] = [];
  private cur: FileDiff | null = null;

  push(raw: Buffer): void {
    const line = raw.toString('utf8');
    if (line.startsWith('diff --git ')) {
      this.cur = { oldPath: null, newPath: null, oldBlob: null, newBlob: null, binary: false, hunks: [] };
      this.files.push(this.cur);
      return;
    }
    const f = this.cur;
    if (!f) return;
    if (line.startsWith('@@')) {
      const m = HUNK.exec(line);
      if (m)
        f.hunks.push({
          oldStart: Number(m[1]),
          oldCount: m[2] === undefined ? 1 : Number(m[2]),
          newStart: Number(m[3]),
          newCount: m[4] === undefined ? 1 : Number(m[4]),
        });
      return;
    }
    if (f.hunks.length) return; // content lines (+, -, \ No newline…)
    if (line.startsWith('index ')) {
      const m = /^index ([0-9a-f]+)\.\.([0-9a-f]+)/.exec(line);
      if (m) {
        f.oldBlob = /^0+$/.test(m[1]) ? null : m[1];
        f.newBlob = /^0+$/.test(m[2]) ? null : m[2];
      }
    } else if (line.startsWith('--- ')) f.oldPath = stripPrefix(line.slice(4), 'a/');
    else if (line.startsWith('+++ ')) f.newPath = stripPrefix(line.slice(4), 'b/');
    else if (line.startsWith('rename from ')) f.oldPath = unquoteGitPath(line.slice(12));
    else if (line.startsWith('rename to ')) f.newPath = unquoteGitPath(line.slice(10));
    else if (line.startsWith('Binary files ')) f.binary = true;
  }

  finish(): FileDiff[] {
    return this.files;
  }
}

/** The changes from commit `from` to commit `to`, renames detected, every file. */
export async function diffCommits(root: string, from: string, to: string, opts: { timeoutMs?: number } = {}): Promise<FileDiff[]> {
  const args = [
    'diff',
    '-U0',
    '--full-index',
    '-M',
    '--no-color',
    '--no-ext-diff',
    '--no-textconv',
    '--no-relative',
    // What git blame uses: the default algorithm, whatever diff.algorithm the user configured.
    '--diff-algorithm=myers',
    from,
    to,
    '--',
  ];
  const parser = new DiffParser();
  for await (const batch of gitRecordBatches(root, args, 0x0a, { timeoutMs: opts.timeoutMs })) for (const l of batch) parser.push(l);
  return parser.finish();
}

export interface OwnedRange {
  start: number;
  end: number;
  sha: string | null;
}

/**
 * Moves a blame across one commit: lines the diff leaves alone keep their owner (at their
 * new line numbers), lines it adds or changes belong to `sha`. Returns null when the
 * hunks do not fit the old blame (then the caller runs git blame).
 */
export function applyHunks(old: OwnedRange[], oldLines: number, hunks: Hunk[], sha: string): { ranges: OwnedRange[]; lines: number } | null {
  const owner: (string | null)[] = new Array(oldLines + 1);
  for (const r of old) for (let l = r.start; l <= r.end; l++) owner[l] = r.sha;
  const out: (string | null)[] = [];
  let next = 1; // next old line to carry over
  for (const h of [...hunks].sort((a, b) => a.oldStart - b.oldStart)) {
    const first = h.oldCount === 0 ? h.oldStart + 1 : h.oldStart;
    if (first < next || first - 1 > oldLines) return null;
    for (; next < first; next++) out.push(owner[next]);
    if (out.length + 1 !== (h.newCount === 0 ? h.newStart + 1 : h.newStart)) return null;
    for (let i = 0; i < h.newCount; i++) out.push(sha);
    next = first + h.oldCount;
  }
  if (next - 1 > oldLines) return null;
  for (; next <= oldLines; next++) out.push(owner[next]);
  const ranges: OwnedRange[] = [];
  out.forEach((s, i) => {
    const last = ranges[ranges.length - 1];
    if (last && last.sha === s && last.end === i) last.end = i + 1;
    else ranges.push({ start: i + 1, end: i + 1, sha: s === undefined ? null : s });
  });
  return { ranges, lines: out.length };
}
