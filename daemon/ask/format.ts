/** Shared text rendering of an `ask` result: the sources and the citation check (CLI and MCP). */
import type { AskResult } from './ask.js';

export function sourcesText(r: AskResult): string {
  if (!r.context.length) return '';
  return [
    'Sources:',
    ...r.context.map((c) => `  [${c.n}] ${c.path}:${c.startLine}-${c.endLine}${c.symbol ? `  ${c.symbol}` : ''}  (${c.via.join(', ')})`),
  ].join('\n');
}

/** One line per problem: citations outside the context, statements without one. Empty when all is cited. */
export function citationWarnings(r: AskResult): string[] {
  if (!r.context.length) return [];
  const out: string[] = [];
  for (const c of r.citations.invalid) {
    out.push(
      c.status === 'unknown-path'
        ? `citation ${c.text} names a file that was not in the context: unverified`
        : `citation ${c.text} points at lines the model was not shown (${c.path} excerpts: ${r.context
            .filter((k) => k.path === c.path)
            .map((k) => `${k.startLine}-${k.endLine}`)
            .join(', ')}): unverified`,
    );
  }
  for (const s of r.citations.uncited) out.push(`uncited: "${s.length > 120 ? s.slice(0, 117) + '...' : s}"`);
  if (!r.citations.citations.length && r.answer.trim()) out.unshift('the answer cites no code at all: treat it as unverified');
  return out;
}
