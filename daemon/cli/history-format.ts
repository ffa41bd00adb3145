/** Shared formatting for the history commands (human output). */
import type { HistorySummary } from '../search/history-summary.js';
import { dim } from './output.js';

/** `2023-05-09T15:20:00Z` -> `2023-05-09`. */
export function day(iso: string | null): string {
  return iso ? iso.slice(0, 10) : '          ';
}

export function shortSha(sha: string | null): string {
  return sha ? sha.slice(0, 8) : '--------';
}

/** [[1,3],[7,7]] -> `1-3, 7`. */
export function formatRanges(ranges: [number, number][]): string {
  return ranges.map(([s, e]) => (s === e ? String(s) : `${s}-${e}`)).join(', ');
}

function ago(days: number | null): string {
  if (days === null) return '';
  if (days < 1) return 'today';
  if (days < 60) return `${days} day${days === 1 ? '' : 's'} ago`;
  if (days < 730) return `${Math.round(days / 30.4)} months ago`;
  return `${(days / 365).toFixed(1)} years ago`;
}

/** One line: last change, then counts and ages. */
export function summaryLines(h: HistorySummary): string[] {
  const out: string[] = [];
  if (h.lastChange) {
    const c = h.lastChange;
    out.push(`last change ${shortSha(c.sha)} ${day(c.date)} ${c.author}: ${c.subject}`);
  }
  const parts: string[] = [];
  if (h.commits) parts.push(`${h.commits} commit${h.commits === 1 ? '' : 's'}`);
  if (h.authors) parts.push(`${h.authors} author${h.authors === 1 ? '' : 's'} (${h.topAuthors.join(', ')}${h.authors > h.topAuthors.length ? ', …' : ''})`);
  if (h.oldest) parts.push(`oldest line ${day(h.oldest)} (${ago(h.oldestAgeDays)})`);
  if (h.newest && h.newest !== h.oldest) parts.push(`newest ${day(h.newest)} (${ago(h.newestAgeDays)})`);
  if (h.uncommittedLines) parts.push(`${h.uncommittedLines} line${h.uncommittedLines === 1 ? '' : 's'} not committed yet`);
  if (parts.length) out.push(parts.join(' · '));
  if (h.note) out.push(`note: ${h.note}`);
  return out.map((l) => dim(l));
}
