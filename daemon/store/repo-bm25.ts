/**
 * Lexical scores with per-repository statistics, shared by both store backends.
 *
 * FTS5's `bm25()` takes N, the average length and each phrase's document count
 * over the whole table, that is over every repository in the data directory: the
 * same query on the same repository ranked differently depending on what else
 * was indexed. So both stores first pick candidates with the table-wide score
 * (FTS5's own on SQLite, its exact replica on PostgreSQL) among the rows of the
 * searched views, and then score each candidate with **its own repository's**
 * statistics:
 *
 * - a document is a chunk occurrence in the repository's view (a row of `files`
 *   times a chunk of its parse): N_r = their number, avgdl_r = their mean token
 *   count (both columns, as FTS5 counts them), n_r(p) = the occurrences holding
 *   phrase p (in either column);
 * - the formula and operation order are FTS5's (fts5_bm25 in fts5_aux.c): per
 *   phrase idf * (f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)), k1 = 1.2,
 *   b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6, f = the
 *   column-weighted occurrences (symbol 4, body 1) of the phrase, counted only
 *   when every AND/NOT above it matches the row (as FTS5 reports instances);
 * - the candidate's phrase frequencies and length come from its text, tokenized
 *   here exactly as FTS5 tokenizes it (fts-tokens.ts), and the score is computed
 *   here in JavaScript: both backends give the same number to the last bit.
 *
 * A query over several repositories scores each hit with its own repository's
 * statistics (a repository's hits rank among themselves exactly as they would
 * alone) and merges them by score.
 */
import { indexText } from '../search/tokenize.js';
import { fts5TokensMany } from './fts-tokens.js';
import { countingGates, parseMatch, type MatchNode, type ParsedMatch } from './fts-match.js';
import type { LexicalRow } from './types.js';

/** One repository's lexical statistics for the phrases of a query. */
export interface RepoLexStats {
  /** Chunk occurrences in the repository's view, and their tokens. */
  nrow: number;
  ntok: number;
  /** Occurrences holding each phrase (key: its tokens joined by spaces). */
  hits: Map<string, number>;
}

export const CHUNK_WEIGHTS: readonly [number, number] = [4, 1];
/**
 * Which rows are re-scored: the stores fetch the view's best `fetch` matches by the table-wide
 * score; when that is all of them (fewer came back), every match is re-scored and the ranking
 * is exactly per-repository; otherwise the best `pool` are (a repository with more matches than
 * that can see another repository change which of its lower rows are candidates). Whether a
 * view has more than `fetch` matches never depends on other repositories.
 */
export const EXACT_RESCORE = 300;
export function rescoreWindow(limit: number): { pool: number; fetch: number } {
  const pool = Math.max(limit, 100);
  return { pool, fetch: Math.max(pool, EXACT_RESCORE) };
}

/** The candidates to re-score out of the `fetch` rows a store returned (see rescoreWindow). */
export function candidatesToRescore<T>(rows: T[], limit: number): T[] {
  const { pool, fetch } = rescoreWindow(limit);
  return rows.length < fetch ? rows : rows.slice(0, pool);
}

/**
 * FTS5 tokens of recent candidates' two columns, by chunk hash and symbol: the same large
 * chunks are candidates for many queries, and tokenizing them is most of a re-score.
 */
const TOKEN_CACHE_SIZE = 4000;
const tokenCache = new Map<string, [string[], string[]]>();

function rowTokens(rows: LexicalRow[]): [string[], string[]][] {
  const out: ([string[], string[]] | undefined)[] = rows.map((r) => {
    const key = `${r.chunkHash}\0${r.symbol ?? ''}`;
    const hit = tokenCache.get(key);
    if (hit) {
      tokenCache.delete(key);
      tokenCache.set(key, hit);
    }
    return hit;
  });
  const missing = rows.map((_, i) => i).filter((i) => !out[i]);
  if (missing.length) {
    const toks = fts5TokensMany(missing.flatMap((i) => [rows[i].symbol ? indexText(rows[i].symbol!) : '', indexText(rows[i].text)]));
    missing.forEach((i, k) => {
      const pair: [string[], string[]] = [toks[2 * k], toks[2 * k + 1]];
      out[i] = pair;
      tokenCache.set(`${rows[i].chunkHash}\0${rows[i].symbol ?? ''}`, pair);
    });
    while (tokenCache.size > TOKEN_CACHE_SIZE) tokenCache.delete(tokenCache.keys().next().value!);
  }
  return out as [string[], string[]][];
}

/** The distinct phrases of a MATCH expression as keys (tokens joined by spaces). */
export function matchPhraseKeys(parsed: ParsedMatch): string[] {
  return [...new Set(parsed.phrases.map((p) => p.tokens.join(' ')).filter((k) => k.length > 0))];
}

/** Occurrences of each phrase in one column's tokens (overlapping ones count, as in FTS5). */
function countPhrases(tokens: string[], phrases: { tokens: string[] }[], firsts: Set<string>): number[] {
  const counts = phrases.map(() => 0);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!firsts.has(t)) continue;
    for (let p = 0; p < phrases.length; p++) {
      const ph = phrases[p].tokens;
      if (ph[0] !== t || i + ph.length > tokens.length) continue;
      let j = 1;
      while (j < ph.length && tokens[i + j] === ph[j]) j++;
      if (j === ph.length) counts[p]++;
    }
  }
  return counts;
}

function matchesRow(n: MatchNode, freq: number[]): boolean {
  switch (n.kind) {
    case 'phrase':
      return freq[n.index] > 0;
    case 'and':
      return n.children.every((c) => matchesRow(c, freq));
    case 'or':
      return n.children.some((c) => matchesRow(c, freq));
    case 'not':
      return matchesRow(n.left, freq) && !matchesRow(n.right, freq);
  }
}

/**
 * The candidates scored with their repositories' statistics (`bm25`, higher is better),
 * in the stores' order: score desc, path, start, end, repository. Rows that no longer
 * match the expression (cannot happen for rows the index returned) are dropped.
 */
export function rescoreByRepository(match: string, rows: LexicalRow[], stats: Map<number, RepoLexStats>): LexicalRow[] {
  if (!rows.length) return rows;
  const parsed = parseMatch(match);
  const gates = countingGates(parsed.root);
  const toks = rowTokens(rows);
  const firsts = new Set(parsed.phrases.filter((p) => p.tokens.length).map((p) => p.tokens[0]));
  const out: LexicalRow[] = [];
  rows.forEach((row, i) => {
    const [t0, t1] = toks[i];
    const c0 = countPhrases(t0, parsed.phrases, firsts);
    const c1 = countPhrases(t1, parsed.phrases, firsts);
    const freq = parsed.phrases.map((_, p) => CHUNK_WEIGHTS[0] * c0[p] + CHUNK_WEIGHTS[1] * c1[p]);
    if (!matchesRow(parsed.root, freq)) return;
    const st = stats.get(row.repoId);
    if (!st) throw new Error(`no lexical statistics for repository ${row.repoId}`);
    const n = st.nrow;
    const avgdl = n === 0 || st.ntok === 0 ? 1 : st.ntok / n;
    const d = t0.length + t1.length;
    let score = 0;
    for (const p of parsed.phrases) {
      const g = gates.get(p.index) ?? [];
      const f = g.every((node) => matchesRow(node, freq)) ? freq[p.index] : 0;
      const hits = st.hits.get(p.tokens.join(' ')) ?? 0;
      const raw = Math.log((n - hits + 0.5) / (hits + 0.5));
      const idf = raw > 0 ? raw : 1e-6;
      // FTS5: aIDF[i] * ((aFreq[i] * (k1 + 1.0)) / (aFreq[i] + k1 * (1 - b + b * D / avgdl)))
      score += idf * ((f * (1.2 + 1.0)) / (f + 1.2 * (1 - 0.75 + (0.75 * d) / avgdl)));
    }
    out.push({ ...row, bm25: score });
  });
  return out.sort(
    (a, b) => b.bm25 - a.bm25 || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.startLine - b.startLine || a.endLine - b.endLine || a.repoId - b.repoId,
  );
}

/** An FTS5 MATCH expression for one phrase key (tokens are [a-z0-9] or SQLite's own: quote them). */
export function phraseMatch(key: string): string {
  return `"${key.replace(/"/g, '""')}"`;
}

/** FTS5 `%_docsize.sz`: one SQLite varint per column; the sum is the row's token count. */
export function docsizeTokens(sz: Uint8Array): number {
  let total = 0;
  let i = 0;
  while (i < sz.length) {
    let v = 0;
    for (let k = 0; k < 9 && i < sz.length; k++) {
      const byte = sz[i++];
      if (k === 8) {
        v = v * 256 + byte;
        break;
      }
      v = v * 128 + (byte & 0x7f);
      if (!(byte & 0x80)) break;
    }
    total += v;
  }
  return total;
}

/** Documents and per-token document counts summed over repositories. */
export function sumRepoStats(stats: Map<number, RepoLexStats>, tokens: string[]): { total: number; df: Map<string, number> } {
  let total = 0;
  const df = new Map<string, number>(tokens.map((t) => [t, 0]));
  for (const st of stats.values()) {
    total += st.nrow;
    for (const t of tokens) df.set(t, df.get(t)! + (st.hits.get(t) ?? 0));
  }
  return { total, df };
}
