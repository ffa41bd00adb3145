/**
 * Output budgets: tool results are bounded by an approximate token count (about
 * 4 characters per token), trimming code before dropping anything, and saying
 * what was trimmed.
 */
export const DEFAULT_MAX_TOKENS = 4000;
export const CHARS_PER_TOKEN = 4;

export function tokensOf(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Keeps the first `maxLines` lines of a code block, marking the cut. */
export function trimLines(code: string, maxLines: number): { text: string; trimmed: boolean } {
  const lines = code.split('\n');
  if (lines.length <= maxLines) return { text: code, trimmed: false };
  return { text: lines.slice(0, Math.max(1, maxLines)).join('\n') + `\n… (${lines.length - maxLines} more lines)`, trimmed: true };
}

/**
 * Renders items with code, shrinking every item's code (longest first) until the
 * whole fits the budget. Items are never dropped; their code may shrink to one line.
 */
export function fitToBudget<T>(
  items: T[],
  render: (item: T, maxCodeLines: number) => string,
  maxTokens: number,
  maxCodeLines = 40,
): { text: string; trimmedItems: number } {
  const limits = items.map(() => maxCodeLines);
  const renderAll = () => items.map((it, i) => render(it, limits[i]));
  let parts = renderAll();
  let total = parts.reduce((n, p) => n + tokensOf(p) + 1, 0);
  while (total > maxTokens) {
    // Shrink the biggest item first: keeps small hits intact as long as possible.
    let biggest = -1;
    for (let i = 0; i < parts.length; i++) if (limits[i] > 1 && (biggest < 0 || parts[i].length > parts[biggest].length)) biggest = i;
    if (biggest < 0) break;
    limits[biggest] = Math.max(1, Math.floor(limits[biggest] / 2));
    parts[biggest] = render(items[biggest], limits[biggest]);
    total = parts.reduce((n, p) => n + tokensOf(p) + 1, 0);
  }
  parts = renderAll();
  return { text: parts.join('\n'), trimmedItems: limits.filter((l) => l < maxCodeLines).length };
}

/**
 * A page of items within the budget: code shrinks first (as fitToBudget); when even
 * one-line code does not fit, the page ends early (never before its first item) and
 * `shown` says where the next page starts.
 */
export function fitPage<T>(
  items: T[],
  render: (item: T, maxCodeLines: number) => string,
  maxTokens: number,
  maxCodeLines = 40,
): { text: string; shown: number; trimmedItems: number } {
  let shown = items.length;
  for (;;) {
    const page = fitToBudget(items.slice(0, shown), render, maxTokens, maxCodeLines);
    if (shown <= 1 || tokensOf(page.text) + shown <= maxTokens) return { ...page, shown };
    // Drop from the end, a share at a time: the answer must stay cheap for 50 hits.
    shown = Math.max(1, Math.min(shown - 1, Math.floor((shown * maxTokens) / Math.max(1, tokensOf(page.text) + shown))));
  }
}
