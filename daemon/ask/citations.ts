/**
 * Post-check of an answer's citations against the context the model was given.
 * The model is told to cite `path:line` for every claim; this checks that each
 * citation names a file of the context and lines that were in it, and flags
 * statements that cite nothing. A model can still misread the code it cites;
 * what this guarantees is that every citation points at code the user can open
 * and that the model actually saw.
 */

export interface ContextChunk {
  /** 1-based position in the prompt ([1], [2], …). */
  n: number;
  repo: string;
  path: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  language: string;
  text: string;
  /** Why it was retrieved (entity lookups, hybrid search). */
  via: string[];
}

export interface Citation {
  /** As written in the answer. */
  text: string;
  path: string;
  startLine: number;
  endLine: number;
  /** ok: inside an excerpt; outside: a context file, lines not shown to the model; unknown-path: not in the context. */
  status: 'ok' | 'outside' | 'unknown-path';
  /** The context chunk it points into (ok) or the file's chunks' paths (outside). */
  chunk: number | null;
}

export interface CitationReport {
  citations: Citation[];
  /** Citations that do not point into the context. */
  invalid: Citation[];
  /** Statements about the code with no citation. */
  uncited: string[];
  /** Every claim cited, every citation valid. */
  ok: boolean;
}

// path:line or path:start-end, optionally in brackets/backticks; also `[3]`-style excerpt numbers are not citations.
const CITE_RE = /(?<![\w/.-])((?:[\w.@+-]+\/)*[\w.@+-]+\.[A-Za-z0-9]+|(?:[\w.@+-]+\/)+[\w.@+-]+):(\d+)(?:\s*[-–]\s*(\d+))?/g;

/** Finds `path:line` citations in text (code blocks included: a model may cite inside them). */
export function findCitations(answer: string): { text: string; path: string; startLine: number; endLine: number; index: number }[] {
  const out: { text: string; path: string; startLine: number; endLine: number; index: number }[] = [];
  for (const m of answer.matchAll(CITE_RE)) {
    const start = Number(m[2]);
    const end = m[3] ? Number(m[3]) : start;
    if (!start || end < start) continue;
    out.push({ text: m[0], path: m[1].replace(/^\.\//, ''), startLine: start, endLine: end, index: m.index! });
  }
  return out;
}

function samePath(cited: string, path: string): boolean {
  return cited === path || path.endsWith('/' + cited) || cited.endsWith('/' + path);
}

export function checkCitations(answer: string, context: ContextChunk[]): CitationReport {
  const citations: Citation[] = findCitations(answer).map((c) => {
    const inFile = context.filter((k) => samePath(c.path, k.path));
    if (!inFile.length) return { text: c.text, path: c.path, startLine: c.startLine, endLine: c.endLine, status: 'unknown-path', chunk: null };
    // Inside an excerpt (allow a citation spanning two adjacent excerpts of the same file).
    const hit = inFile.find((k) => c.startLine >= k.startLine && c.endLine <= k.endLine);
    const spanned =
      !hit &&
      inFile.some((k) => c.startLine >= k.startLine && c.startLine <= k.endLine) &&
      inFile.some((k) => c.endLine >= k.startLine && c.endLine <= k.endLine);
    const chunk = hit ?? (spanned ? inFile.find((k) => c.startLine >= k.startLine && c.startLine <= k.endLine) : undefined);
    return {
      text: c.text,
      path: chunk?.path ?? inFile[0].path,
      startLine: c.startLine,
      endLine: c.endLine,
      status: chunk ? 'ok' : 'outside',
      chunk: chunk?.n ?? null,
    };
  });
  const uncited = uncitedStatements(answer);
  const invalid = citations.filter((c) => c.status !== 'ok');
  return { citations, invalid, uncited, ok: !invalid.length && !uncited.length };
}

/**
 * Statements that assert something and cite nothing: sentences and list items
 * outside code blocks, at least six words, not a question, not a heading, not a
 * statement that the context lacks the answer, and with no citation in the
 * sentence (or in the list item / paragraph line it belongs to).
 */
export function uncitedStatements(answer: string): string[] {
  const out: string[] = [];
  let inCode = false;
  for (const rawLine of answer.split('\n')) {
    const line = rawLine.trim();
    if (line.startsWith('```')) {
      inCode = !inCode;
      continue;
    }
    if (inCode || !line || line.startsWith('#') || /^(sources?|references?|citations?)\s*:?$/i.test(line)) continue;
    if (findCitations(line).length) continue; // a cited line covers its sentences
    const body = line.replace(/^([-*+]|\d+[.)])\s+/, '');
    for (const sentence of body.split(/(?<=[.!?])\s+(?=[A-Z`])/)) {
      const s = sentence.trim();
      const words = s.split(/\s+/).filter(Boolean).length;
      if (words < 6 || s.endsWith('?') || s.endsWith(':')) continue;
      if (
        /\b((do|does|did) not (show|contain|include|say)|doesn'?t (show|contain|include|say)|not (shown|included|present|found|in the (excerpts|context|code shown))|no (excerpt|code|context)|cannot (tell|determine|see|find)|can'?t (tell|determine|see|find)|unclear|i (do not|don'?t) (see|know|have))\b/i.test(
          s,
        )
      )
        continue;
      out.push(s);
    }
  }
  return out;
}
