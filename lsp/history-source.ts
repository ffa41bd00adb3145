/**
 * Where hover gets git history: `Engine.history('path:start-end')` (blame of the
 * range from the history index, no git process at request time), reduced to
 * what a hover shows. An interface, so tests can stand in for the index.
 */
import type { Engine } from '../daemon/engine.js';
import { errorMessage, isContextdError } from '../daemon/errors.js';
import type { HistoryReport } from '../daemon/search/history-reports.js';

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
  range(root: string, path: string, start: number, end: number): Promise<RangeHistory>;
}

function unavailable(note: string, status: RangeHistory['status'] = 'unavailable'): RangeHistory {
  return { status, note, ownerOf: () => undefined, lastChange: null, commits: 0, authors: 0, topAuthors: [], uncommittedLines: 0, oldest: null };
}

export function engineHistorySource(engine: Engine): HistorySource {
  return {
    async range(root, path, start, end) {
      let report: HistoryReport;
      try {
        // `path:start-end`, resolved against the repository root (never the daemon's cwd).
        report = await engine.history(`${path}:${start}-${end}`, { repo: root, cwd: root });
      } catch (err) {
        if (isContextdError(err)) return unavailable(err.message);
        return unavailable(`history unavailable: ${errorMessage(err)}`);
      }
      const s = report.summary;
      const owners: { from: number; to: number; commit: CommitRef | null }[] = [];
      for (const c of report.commits) {
        const commit = c.sha ? { sha: c.sha, author: c.author ?? '', email: c.email ?? '', date: c.date ?? '', subject: c.subject } : null;
        for (const [from, to] of c.ranges) owners.push({ from, to, commit });
      }
      const status: RangeHistory['status'] = s.status === 'blamed' ? 'ok' : s.status === 'uncommitted' ? 'uncommitted' : s.status === 'pending' ? 'pending' : 'unavailable';
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
