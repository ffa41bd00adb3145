/**
 * The prompt for `ask`: instructions (cite `path:line` for every claim, say so
 * when the excerpts do not answer), the intent's guidance, and the retrieved
 * excerpts with their line numbers written in, so the model can cite exact lines.
 */
import type { QueryAnalysis } from './analyze.js';
import type { ContextChunk } from './citations.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

const GUIDANCE: Record<QueryAnalysis['intent'], string> = {
  find: 'The user wants to locate code: list the places that matter, one per line, each with its citation and a few words on what is there.',
  explain: 'The user wants to understand code: explain what it does and how the pieces connect, in the order the code runs.',
  fix: 'The user has a problem: name the most likely cause in the code shown, cite it, and describe the change that would fix it (a short code snippet is welcome).',
  refactor: 'The user wants to improve the code: propose concrete, small steps, each citing the code it changes, and mention what must keep working.',
};

export const SYSTEM_PROMPT = [
  "You are contextd's code assistant. You answer questions about the user's codebase using ONLY the numbered code excerpts in the user's message.",
  'Rules:',
  '1. Every statement about the code must cite where it comes from as path:line or path:start-end, using the exact file paths and the line numbers shown at the left of each excerpt, e.g. (src/cache.py:42) or (src/cache.py:40-48).',
  '2. Cite only lines that appear in the excerpts. Never invent a path or a line number.',
  '3. If the excerpts do not contain the answer, say "The excerpts do not show this" and say what to look for instead. Do not guess.',
  '4. Be concise: short paragraphs or a list. No preamble.',
].join('\n');

/** Writes an excerpt with its line numbers (`  42 | code`). */
export function numberedExcerpt(chunk: ContextChunk): string {
  const lines = chunk.text.split('\n');
  const width = String(chunk.startLine + lines.length - 1).length;
  return lines.map((l, i) => `${String(chunk.startLine + i).padStart(width)} | ${l}`).join('\n');
}

export function buildMessages(question: string, analysis: QueryAnalysis, context: ContextChunk[]): ChatMessage[] {
  const excerpts = context
    .map((c) => {
      const what = [c.symbol, c.language].filter(Boolean).join(', ');
      return `[${c.n}] ${c.path}:${c.startLine}-${c.endLine}${what ? ` (${what})` : ''}\n\`\`\`${c.language}\n${numberedExcerpt(c)}\n\`\`\``;
    })
    .join('\n\n');
  const named = [
    analysis.symbols.length ? `Names in the question: ${analysis.symbols.join(', ')}.` : '',
    analysis.paths.length ? `Files in the question: ${analysis.paths.map((p) => p.path + (p.startLine ? `:${p.startLine}` : '')).join(', ')}.` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return [
    { role: 'system', content: `${SYSTEM_PROMPT}\n\n${GUIDANCE[analysis.intent]}` },
    {
      role: 'user',
      content: `Code excerpts:\n\n${excerpts || '(none: nothing in the index matched the question)'}\n\nQuestion: ${question}${named ? `\n(${named})` : ''}\n\nAnswer with a citation (path:line) for every statement.`,
    },
  ];
}
