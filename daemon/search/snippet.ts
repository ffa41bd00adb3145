/** A short, readable excerpt of a chunk: the lines that best match the query. */
import { indexText, type QueryTerm } from './tokenize.js';

export interface Snippet {
  text: string;
  /** 1-based line in the file where the excerpt starts. */
  line: number;
}

const MAX_LINES = 3;
const MAX_CHARS = 300;

function lineScore(line: string, terms: QueryTerm[]): number {
  if (!terms.length) return 0;
  // Tokens are lowercased pieces of the line: a line holding none of the terms as text
  // scores 0 without tokenizing it (most lines of most hits). `$` is the exception:
  // indexText writes it as `_`.
  const lower = line.toLowerCase();
  if (!lower.includes('$') && !terms.some((t) => lower.includes(t.whole) || t.parts.every((p) => lower.includes(p)))) return 0;
  const tokens = new Set(indexText(line).split(' '));
  let score = 0;
  for (const t of terms) {
    if (tokens.has(t.whole)) score += 2;
    else if (t.parts.every((p) => tokens.has(p))) score += 1;
  }
  return score;
}

export function makeSnippet(text: string, startLine: number, terms: QueryTerm[]): Snippet {
  const lines = text.split('\n');
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < lines.length; i++) {
    const s = lineScore(lines[i], terms);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  }
  // No line matches (e.g. a symbol-only hit): show the first non-blank lines, the definition's head.
  let from = best >= 0 ? Math.max(0, best - 1) : lines.findIndex((l) => l.trim() !== '');
  if (from < 0) from = 0;
  const picked: string[] = [];
  for (let i = from; i < lines.length && picked.length < MAX_LINES; i++) {
    if (picked.length === 0 && lines[i].trim() === '' && i !== best) {
      from = i + 1;
      continue;
    }
    picked.push(lines[i].replace(/\s+$/, ''));
  }
  while (picked.length > 1 && picked[picked.length - 1].trim() === '') picked.pop();
  let out = dedent(picked).join('\n');
  if (out.length > MAX_CHARS) out = out.slice(0, MAX_CHARS - 1) + '…';
  return { text: out, line: startLine + from };
}

function dedent(lines: string[]): string[] {
  let min = Infinity;
  for (const l of lines) {
    if (!l.trim()) continue;
    const indent = l.length - l.trimStart().length;
    if (indent < min) min = indent;
  }
  if (!Number.isFinite(min) || min === 0) return lines;
  return lines.map((l) => l.slice(Math.min(min, l.length - l.trimStart().length)));
}
