/** Compact text an LLM reads well. */

/** One line of history for a hit, when the hit carries a history summary (see the history retriever). */
export function formatHistoryLine(hit: object): string {
  type Ref = { sha: string; author: string; date: string | number; subject: string };
  // `lastChange` is the HistorySummary field (daemon/search/history-summary.ts).
  const h = (hit as { history?: { lastChange?: Ref | null; lastCommit?: Ref | null; commits?: number; authors?: number } | null }).history;
  const c = h?.lastChange ?? h?.lastCommit;
  if (!h || !c) return '';
  const date = typeof c.date === 'number' ? new Date(c.date).toISOString().slice(0, 10) : String(c.date).slice(0, 10);
  return `last change ${c.sha.slice(0, 8)} ${date} ${c.author}: "${c.subject}"${h.commits ? ` · ${h.commits} commit${h.commits === 1 ? '' : 's'}` : ''}${h.authors ? ` · ${h.authors} author${h.authors === 1 ? '' : 's'}` : ''}`;
}
