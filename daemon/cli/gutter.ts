/**
 * Line numbers for a search hit's excerpt, as `rg -n` shows them: `12:` marks a
 * line holding a query word, `13-` a line shown for context.
 */
export interface NumberedLine {
  line: number;
  text: string;
  matched: boolean;
}

/** The query's words as they appear in code (lowercase, at least two characters; identifier parts too). */
export function queryWords(query: string): string[] {
  const words = new Set<string>();
  for (const raw of query.split(/[^\p{L}\p{N}_$]+/u)) {
    if (raw.length < 2) continue;
    words.add(raw.toLowerCase());
    for (const part of raw.split(/_|(?<=[a-z0-9])(?=[A-Z])/)) if (part.length >= 2) words.add(part.toLowerCase());
  }
  return [...words];
}

/**
 * Numbers the excerpt's lines: the excerpt is a run of the chunk's lines (dedented), so
 * its first line is found in the chunk text from the hit's start line.
 */
export function numberExcerpt(excerpt: string, chunkText: string, startLine: number, words: readonly string[]): NumberedLine[] {
  const lines = excerpt.split('\n');
  const chunk = chunkText.split('\n');
  const head = lines.find((l) => l.trim() !== '')?.trim() ?? '';
  const headAt = lines.findIndex((l) => l.trim() !== '');
  let offset = head ? chunk.findIndex((l) => l.trim() === head || (head.endsWith('…') && l.trim().startsWith(head.slice(0, -1)))) : 0;
  offset = offset < 0 ? 0 : offset - Math.max(0, headAt);
  return lines.map((text, i) => {
    const lower = text.toLowerCase();
    return { line: startLine + offset + i, text, matched: words.some((w) => lower.includes(w)) };
  });
}

export function formatGutter(lines: readonly NumberedLine[], indent = '    '): string[] {
  const width = Math.max(...lines.map((l) => String(l.line).length));
  return lines.map((l) => `${indent}${String(l.line).padStart(width)}${l.matched ? ':' : '-'} ${l.text}`);
}
