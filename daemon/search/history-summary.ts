/**
 * What a search hit (or any line range) says about its history, computed from
 * the blame of its lines: the last change, how many authors and commits own
 * its lines now, how old its oldest and newest lines are. Also the history
 * filters (author / since / until) and the optional ranking boosts.
 */
import type { CommitInfo, HistoryFilter, RangeBlame, RangeOwner } from '../store/types.js';
import { isoTime } from './time.js';

export interface HistoryCommitRef {
  sha: string;
  author: string;
  email: string;
  /** Author date, ISO 8601 UTC. */
  date: string;
  subject: string;
}

export interface HistorySummary {
  /** blamed | uncommitted (no commit has these lines) | pending (not computed yet) | too-large | failed (blame skipped). */
  status: 'blamed' | 'uncommitted' | 'pending' | 'too-large' | 'failed';
  /** A sentence for people when something is missing: blame skipped, history truncated… */
  note: string | null;
  /** The newest commit owning any of these lines (uncommitted lines are counted apart). */
  lastChange: HistoryCommitRef | null;
  /** Distinct authors owning lines now. */
  authors: number;
  /** Up to three authors, most lines first. */
  topAuthors: string[];
  /** Distinct commits whose changes survive in these lines. */
  commits: number;
  /** Lines not committed yet. */
  uncommittedLines: number;
  /** Author dates of the oldest and newest committed lines (ISO 8601), and their age in days. */
  oldest: string | null;
  newest: string | null;
  oldestAgeDays: number | null;
  newestAgeDays: number | null;
  /** Some lines belong to a shallow clone's graft commit: they may be older than they look. */
  truncated: boolean;
  /** Commits whose messages matched the query (history retriever), newest first. */
  matched?: { sha: string; subject: string }[];
}

const DAY = 86400;

function ref(c: CommitInfo): HistoryCommitRef {
  return { sha: c.sha, author: c.authorName, email: c.authorEmail, date: isoTime(c.authorTime), subject: c.subject };
}

function authorKey(c: CommitInfo): string {
  return (c.authorEmail || c.authorName).toLowerCase();
}

/** Newest first: author date, then commit date. */
export function byNewest(a: CommitInfo, b: CommitInfo): number {
  return b.authorTime - a.authorTime || b.commitTime - a.commitTime || (a.sha < b.sha ? -1 : 1);
}

export function summarizeBlame(blame: RangeBlame, grafts: ReadonlySet<string>, now = Date.now()): HistorySummary {
  const committed = blame.owners.filter((o): o is RangeOwner & { commit: CommitInfo } => o.commit !== null);
  const uncommittedLines = blame.owners.filter((o) => o.commit === null).reduce((n, o) => n + o.lines, 0);
  const byAuthor = new Map<string, { name: string; lines: number }>();
  for (const o of committed) {
    const k = authorKey(o.commit);
    const a = byAuthor.get(k) ?? { name: o.commit.authorName, lines: 0 };
    a.lines += o.lines;
    byAuthor.set(k, a);
  }
  const sorted = committed.map((o) => o.commit).sort(byNewest);
  const newest = sorted[0];
  const oldest = sorted[sorted.length - 1];
  const nowSec = now / 1000;
  const truncated = committed.some((o) => grafts.has(o.commit.sha));
  const status: HistorySummary['status'] = blame.status === 'blamed' && !committed.length && uncommittedLines ? 'uncommitted' : blame.status;
  const notes: string[] = [];
  if (blame.status === 'pending') notes.push('history not computed yet (run contextd index)');
  else if (blame.status === 'too-large' || blame.status === 'failed') notes.push(blame.detail ?? 'blame skipped');
  else if (status === 'uncommitted') notes.push('not committed yet');
  if (truncated) notes.push('history truncated (shallow clone): some lines are older than shown');
  return {
    status,
    note: notes.length ? notes.join('; ') : null,
    lastChange: newest ? ref(newest) : null,
    authors: byAuthor.size,
    topAuthors: [...byAuthor.values()]
      .sort((a, b) => b.lines - a.lines || (a.name < b.name ? -1 : 1))
      .slice(0, 3)
      .map((a) => a.name),
    commits: committed.length,
    uncommittedLines,
    oldest: oldest ? isoTime(oldest.authorTime) : null,
    newest: newest ? isoTime(newest.authorTime) : null,
    oldestAgeDays: oldest ? Math.max(0, Math.floor((nowSec - oldest.authorTime) / DAY)) : null,
    newestAgeDays: newest ? Math.max(0, Math.floor((nowSec - newest.authorTime) / DAY)) : null,
    truncated,
  };
}

export function hasHistoryFilter(f: HistoryFilter | undefined): f is HistoryFilter {
  return !!f && (!!f.author || f.since !== undefined || f.until !== undefined);
}

/** True when some line is owned by a commit matching every field (uncommitted lines: changed now, by no author). */
export function commitMatches(c: CommitInfo | null, f: HistoryFilter, now = Date.now()): boolean {
  if (c === null) return !f.author && (f.until === undefined || f.until >= Math.floor(now / 1000));
  if (f.author) {
    const needle = f.author.toLowerCase();
    if (!c.authorName.toLowerCase().includes(needle) && !c.authorEmail.toLowerCase().includes(needle)) return false;
  }
  if (f.since !== undefined && c.authorTime < f.since) return false;
  if (f.until !== undefined && c.authorTime > f.until) return false;
  return true;
}

export function blameMatches(blame: RangeBlame, f: HistoryFilter, now = Date.now()): boolean {
  return blame.owners.some((o) => commitMatches(o.commit, f, now));
}

export interface HistoryBoosts {
  /** Favour recently changed code: up to x1.5 for a change today, half that boost after 90 days. */
  recent?: boolean;
  /** Favour frequently changed code: up to x1.5 with the number of commits owning the lines. */
  churn?: boolean;
}

export function boostFactor(s: HistorySummary, boosts: HistoryBoosts): number {
  let f = 1;
  if (boosts.recent) {
    const age = s.uncommittedLines > 0 ? 0 : s.newestAgeDays;
    if (age !== null) f *= 1 + 0.5 * Math.pow(2, -age / 90);
  }
  if (boosts.churn) f *= 1 + 0.5 * Math.min(1, Math.log2(1 + s.commits) / Math.log2(1 + 16));
  return f;
}
