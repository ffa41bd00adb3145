/**
 * Where hover gets git history: the stored blame of a line range (the history
 * index; no git process at request time), summarized the way search hits and
 * `contextd history` summarize it, reduced to what a hover shows. An interface,
 * so tests can stand in for the index.
 */
import type { Engine } from '../daemon/engine.js';
import { errorMessage, isContextdError } from '../daemon/errors.js';
import { summarizeBlame } from '../daemon/search/history-summary.js';
import { isoTime } from '../daemon/search/time.js';
import type { RangeBlame, RepoRecord } from '../daemon/store/types.js';

export interface CommitRef {
  sha: string;
  author: string;
  email: string;
  /** ISO 8601. */
  date: string;
  subject: string;
}

export interface RangeHistory {
  /** 'ok', or why there is no history to show. */
  status: 'ok' | 'pending' | 'uncommitted' | 'unavailable';
  /** A sentence for people when something is missing. */
  note: string | null;
  /** The commit owning each line of the range that some commit owns (1-based line -> commit); null: not committed. */
  ownerOf(line: number): CommitRef | null | undefined;
  lastChange: CommitRef | null;
  commits: number;
  authors: number;
  topAuthors: string[];
  uncommittedLines: number;
  oldest: string | null;
}

export interface HistorySource {
  /** History of lines start..end (1-based, inclusive) of a file as the index holds it. */
  range(repo: RepoRecord, path: string, start: number, end: number): Promise<RangeHistory>;
}

function unavailable(note: string, status: RangeHistory['status'] = 'unavailable'): RangeHistory {
  return { status, note, ownerOf: () => undefined, lastChange: null, commits: 0, authors: 0, topAuthors: [], uncommittedLines: 0, oldest: null };
}

export function engineHistorySource(engine: Engine): HistorySource {
  return {
    async range(repo, path, start, end) {
      let blame: RangeBlame;
      let grafts: ReadonlySet<string>;
      try {
        // One indexed range query on the stored blame: no git process, no whole-file report.
        const r = await engine.rangeBlame(repo, path, start, end);
        blame = r.blame;
        grafts = new Set(r.grafts);
      } catch (err) {
        if (isContextdError(err)) return unavailable(err.message);
        return unavailable(`history unavailable: ${errorMessage(err)}`);
      }
      const s = summarizeBlame(blame, grafts);
      const owners: { from: number; to: number; commit: CommitRef | null }[] = [];
      for (const o of blame.owners) {
        const c = o.commit;
        const commit = c ? { sha: c.sha, author: c.authorName, email: c.authorEmail, date: isoTime(c.authorTime), subject: c.subject } : null;
        for (const [from, to] of o.ranges) owners.push({ from, to, commit });
      }
      const status: RangeHistory['status'] =
        s.status === 'blamed' ? 'ok' : s.status === 'uncommitted' ? 'uncommitted' : s.status === 'pending' ? 'pending' : 'unavailable';
      return {
        status,
        note: s.note,
        ownerOf: (line) => owners.find((o) => o.from <= line && line <= o.to)?.commit,
        lastChange: s.lastChange,
        commits: s.commits,
        authors: s.authors,
        topAuthors: s.topAuthors,
        uncommittedLines: s.uncommittedLines,
        oldest: s.oldest,
      };
    },
  };
}
