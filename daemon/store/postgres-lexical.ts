/**
 * FTS5's BM25 on PostgreSQL, to the bit.
 *
 * The SQLite store ranks lexical hits with FTS5: `bm25(table, w0, w1)` over two
 * columns, unicode61 tokens, boolean MATCH expressions of quoted phrases. This module
 * gives the PostgreSQL store the same numbers, so both backends return the same hits
 * in the same order:
 *
 * - each row keeps its tokens exactly as FTS5 cuts them (fts-tokens.ts): a stripped
 *   `tsvector` of the distinct tokens (GIN: which rows can match), a `jsonb` map
 *   token -> weighted frequency (w0 x count in column 0 + w1 x count in column 1) and
 *   the token strings of both columns (for phrases of several tokens);
 * - the MATCH expression is parsed here (phrases, AND, OR, NOT, parentheses, implicit
 *   AND) and evaluated row by row in SQL, phrase occurrences counted within one column;
 * - a phrase's occurrences count towards a row's score only when every AND/NOT above it
 *   matches that row (FTS5 reports a phrase's instances only when its expression node
 *   sits on the row);
 * - the statistics are FTS5's: rows and tokens ever inserted (a contentless_delete FTS5
 *   table does not subtract deleted rows), and per phrase the number of live rows that
 *   contain it;
 * - the score is computed with FTS5's formula and operation order in float8:
 *   sum over phrases of idf * (f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)),
 *   k1 = 1.2, b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6.
 */
import { createHash } from 'node:crypto';
import { fts5TokensMany } from './fts-tokens.js';
import { sql } from './pg-db.js';

type Fragment = ReturnType<typeof sql.fragment>;

// ---- documents ----

/** A row of a lexical table, ready for `unnest`. */
export interface LexicalDoc {
  tsv: string;
  tf: string;
  ntok: number;
  c0: string;
  c1: string;
}

/** A JSON object key that needs no escaping. */
const PLAIN_KEY = /^[a-z0-9]*$/;

/** PostgreSQL keeps lexemes under 2 KiB; a longer token is indexed (and looked up) by its hash. */
const MAX_LEXEME_BYTES = 2000;

/** A token as a quoted tsvector/tsquery lexeme. */
export function lexeme(token: string): string {
  // Tokens are letters and digits (never a quote or a backslash): quoting is the common case.
  if (token.length * 3 <= MAX_LEXEME_BYTES || Buffer.byteLength(token) <= MAX_LEXEME_BYTES) {
    return SAFE_LEXEME.test(token) ? `'${token}'` : `'${token.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
  }
  return `'~${createHash('sha1').update(token).digest('hex')}'`;
}

const SAFE_LEXEME = /^[^'\\]*$/;

/**
 * The lexical rows for (column 0, column 1) text pairs, both already `indexText()`ed,
 * with FTS5 column weights. Tokenizes all texts in one go.
 */
export function lexicalDocs(pairs: readonly [string, string][], weights: readonly [number, number]): LexicalDoc[] {
  const toks = fts5TokensMany(pairs.flatMap(([a, b]) => [a, b]));
  return pairs.map((_p, i) => {
    const t0 = toks[2 * i];
    const t1 = toks[2 * i + 1];
    const tf = new Map<string, number>();
    for (const t of t0) tf.set(t, (tf.get(t) ?? 0) + weights[0]);
    for (const t of t1) tf.set(t, (tf.get(t) ?? 0) + weights[1]);
    const json: string[] = [];
    const lex: string[] = [];
    for (const [t, n] of tf) {
      json.push(`${PLAIN_KEY.test(t) ? `"${t}"` : JSON.stringify(t)}:${n}`);
      lex.push(lexeme(t));
    }
    return { tsv: lex.join(' '), tf: `{${json.join(',')}}`, ntok: t0.length + t1.length, c0: t0.join(' '), c1: t1.join(' ') };
  });
}

// ---- MATCH expressions: fts-match.ts ----

export { parseMatch, type MatchNode, type ParsedMatch } from './fts-match.js';
import { countingGates, parseMatch, type MatchNode } from './fts-match.js';
import { batchesFor, valuesList, type SqlPort } from './sql-port.js';

// ---- SQL ----

/** A tsquery (text) that every matching row satisfies, or null when nothing can match. */
function prefilter(n: MatchNode): string | null {
  switch (n.kind) {
    case 'phrase':
      return n.tokens.length ? `(${n.tokens.map(lexeme).join(' & ')})` : null;
    case 'and': {
      const parts = n.children.map(prefilter);
      return parts.some((p) => p === null) ? null : `(${parts.join(' & ')})`;
    }
    case 'or': {
      const parts = n.children.map(prefilter).filter((p): p is string => p !== null);
      return parts.length ? `(${parts.join(' | ')})` : null;
    }
    case 'not':
      return prefilter(n.left);
  }
}

const f = (i: number) => sql.identifier([`f${i}`]);

/** Weighted frequency of phrase i in row `l` of a lexical table. */
function frequency(tokens: string[], weights: readonly [number, number]): Fragment {
  if (!tokens.length) return sql.fragment`0::float8`;
  if (tokens.length === 1) return sql.fragment`COALESCE((l.tf ->> ${tokens[0]})::float8, 0::float8)`;
  // Occurrences of the token sequence in one column: a space followed by the phrase and a
  // space (lookahead, so overlapping occurrences count, as FTS5 counts them).
  const pattern = ` (?=${tokens.map((t) => t.replace(/[^\p{L}\p{N}]/gu, (ch) => `\\${ch}`)).join(' ')} )`;
  const count = (col: Fragment) => sql.fragment`(SELECT count(*) FROM regexp_matches(' ' || ${col} || ' ', ${pattern}, 'g'))::float8`;
  return sql.fragment`CASE WHEN l.tf ?& ${sql.array(tokens, 'text')}
    THEN ${weights[0]}::float8 * ${count(sql.fragment`l.c0`)} + ${weights[1]}::float8 * ${count(sql.fragment`l.c1`)}
    ELSE 0::float8 END`;
}

function matches(n: MatchNode, alias: string): Fragment {
  const a = sql.identifier([alias]);
  switch (n.kind) {
    case 'phrase':
      return sql.fragment`(${a}.${f(n.index)} > 0)`;
    case 'and':
      return sql.fragment`(${sql.join(
        n.children.map((c) => matches(c, alias)),
        sql.fragment` AND `,
      )})`;
    case 'or':
      return sql.fragment`(${sql.join(
        n.children.map((c) => matches(c, alias)),
        sql.fragment` OR `,
      )})`;
    case 'not':
      return sql.fragment`(${matches(n.left, alias)} AND NOT ${matches(n.right, alias)})`;
  }
}

export interface LexicalTable {
  /** The table of rows (lexical or commit_lex) and its statistics row. */
  table: 'lexical' | 'commit_lex';
  stats: 'lexical_stats' | 'commit_lex_stats';
  weights: readonly [number, number];
}

export const CHUNK_LEXICON: LexicalTable = { table: 'lexical', stats: 'lexical_stats', weights: [4, 1] };
export const COMMIT_LEXICON: LexicalTable = { table: 'commit_lex', stats: 'commit_lex_stats', weights: [2, 1] };

/**
 * A subquery `(id, score)` of every row matching `match`, scored exactly as FTS5's
 * `bm25(table, w0, w1)` negated (higher is better); null when nothing can match.
 */
/** The statistics row of a lexical table, and the rows holding some phrases (keys: tokens joined by spaces). */
export interface LexicalKnown {
  nrow: number;
  ntok: number;
  hits: Map<string, number>;
}

/** The distinct phrases of a MATCH expression (tokens joined by spaces; '' for an empty phrase). */
export function phraseKeys(match: string): string[] {
  return [...new Set(parseMatch(match).phrases.map((p) => p.tokens.join(' ')))];
}

/** Rows holding the phrase, over the whole table (FTS5's xQueryPhrase count), as a SQL expression. */
function phraseCount(key: string, lt: LexicalTable): Fragment {
  const tokens = key ? key.split(' ') : [];
  if (!tokens.length) return sql.fragment`0::float8`;
  const table = sql.identifier([lt.table]);
  const q = tokens.map(lexeme).join(' & ');
  if (tokens.length === 1) return sql.fragment`(SELECT count(*) FROM ${table} l WHERE l.tsv @@ ${q}::tsquery)::float8`;
  return sql.fragment`(SELECT count(*) FROM ${table} l WHERE l.tsv @@ ${q}::tsquery AND ${frequency(tokens, lt.weights)} > 0)::float8`;
}

/** One row `{ h0, h1, … }`: rows holding each phrase of `keys`. */
export function phraseCountsQuery(keys: string[], lt: LexicalTable) {
  return sql.unsafe`SELECT ${sql.join(
    keys.map((k, i) => sql.fragment`${phraseCount(k, lt)} AS ${sql.identifier([`h${i}`])}`),
    sql.fragment`, `,
  )}`;
}

/**
 * Per-repository statistics (repo-bm25.ts) in one row: `nrow`, `ntok` over the chunk occurrences
 * of the repository's view that have a lexical row, and `h0, h1, …` the occurrences holding each
 * phrase of `keys` (the same counts the SQLite store takes from FTS5).
 */
export function repoLexStatsQuery(keys: string[], repoId: number, totals = true) {
  const view = sql.fragment`FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id JOIN lexical l ON l.id = pc.id WHERE f.repo_id = ${repoId}`;
  const counts = keys.map((key, i) => {
    const tokens = key.split(' ');
    const q = tokens.map(lexeme).join(' & ');
    const cond =
      tokens.length === 1 ? sql.fragment`l.tsv @@ ${q}::tsquery` : sql.fragment`l.tsv @@ ${q}::tsquery AND ${frequency(tokens, CHUNK_LEXICON.weights)} > 0`;
    return sql.fragment`(SELECT count(*) ${view} AND ${cond})::int8 AS ${sql.identifier([`h${i}`])}`;
  });
  const parts = [
    ...(totals ? [sql.fragment`(SELECT count(*) ${view})::int8 AS nrow`, sql.fragment`(SELECT COALESCE(sum(l.ntok), 0) ${view})::int8 AS ntok`] : []),
    ...counts,
  ];
  return sql.unsafe`SELECT ${parts.length ? sql.join(parts, sql.fragment`, `) : sql.fragment`1 AS one`}`;
}

export function bm25Rows(match: string, lt: LexicalTable, known?: LexicalKnown): Fragment | null {
  const parsed = parseMatch(match);
  const pre = prefilter(parsed.root);
  if (pre === null) return null;
  const table = sql.identifier([lt.table]);
  const stats = known ? sql.fragment`(SELECT ${known.nrow}::int8 AS nrow, ${known.ntok}::int8 AS ntok)` : sql.fragment`${sql.identifier([lt.stats])}`;
  const freqCols = parsed.phrases.map((p) => sql.fragment`${frequency(p.tokens, lt.weights)} AS ${f(p.index)}`);
  // Rows holding each distinct phrase (counted here unless the caller knows them).
  const distinct = new Map<string, number>();
  for (const p of parsed.phrases) if (!distinct.has(p.tokens.join(' '))) distinct.set(p.tokens.join(' '), distinct.size);
  const slot = (p: { tokens: string[] }) => distinct.get(p.tokens.join(' '))!;
  const hit = (i: number) => sql.identifier([`h${i}`]);
  const hits = [...distinct.keys()].map((key, i) => {
    const n = known?.hits.get(key);
    return n === undefined ? sql.fragment`${phraseCount(key, lt)} AS ${hit(i)}` : sql.fragment`${n}::float8 AS ${hit(i)}`;
  });
  const idf = (i: number) => sql.identifier([`idf${i}`]);
  const raw = (i: number) => sql.identifier([`r${i}`]);
  const gates = countingGates(parsed.root);
  const terms = parsed.phrases.map((p) => {
    const g = gates.get(p.index) ?? [];
    const freq = g.length
      ? sql.fragment`(CASE WHEN ${sql.join(
          g.map((node) => matches(node, 'm')),
          sql.fragment` AND `,
        )} THEN m.${f(p.index)} ELSE 0::float8 END)`
      : sql.fragment`m.${f(p.index)}`;
    // FTS5: aIDF[i] * ((aFreq[i] * (k1 + 1.0)) / (aFreq[i] + k1 * (1 - b + b * D / avgdl)))
    return sql.fragment`h.${idf(slot(p))} * ((${freq} * (1.2::float8 + 1.0::float8)) / (${freq} + 1.2::float8 * ((1::float8 - 0.75::float8) + ((0.75::float8 * m.d) / st.avgdl))))`;
  });
  const slots = [...distinct.values()];
  // MATERIALIZED: each count and each row's frequencies computed once (inlined, the planner repeats them).
  return sql.fragment`(
    WITH st AS MATERIALIZED (
      SELECT nrow::float8 AS n, CASE WHEN nrow = 0 OR ntok = 0 THEN 1::float8 ELSE ntok::float8 / nrow::float8 END AS avgdl FROM ${stats} s
    ),
    hc AS MATERIALIZED (SELECT ${sql.join(hits, sql.fragment`, `)}),
    r AS MATERIALIZED (
      SELECT ${sql.join(
        slots.map((i) => sql.fragment`ln((st.n - hc.${hit(i)} + 0.5::float8) / (hc.${hit(i)} + 0.5::float8)) AS ${raw(i)}`),
        sql.fragment`, `,
      )} FROM st, hc
    ),
    h AS MATERIALIZED (
      SELECT ${sql.join(
        slots.map((i) => sql.fragment`CASE WHEN ${raw(i)} > 0 THEN ${raw(i)} ELSE 1e-6::float8 END AS ${idf(i)}`),
        sql.fragment`, `,
      )} FROM r
    ),
    m AS MATERIALIZED (
      SELECT l.id, l.ntok::float8 AS d, ${sql.join(freqCols, sql.fragment`, `)}
      FROM ${table} l WHERE l.tsv @@ ${pre}::tsquery
    )
    SELECT m.id, (0::float8 + ${sql.join(terms, sql.fragment` + `)}) AS score
    FROM m, h, st
    WHERE ${matches(parsed.root, 'm')}
  )`;
}

/**
 * Stores rows of a lexical table for (id, column 0, column 1) texts already `indexText()`ed,
 * and adds them to its FTS5-style totals (rows and tokens ever inserted).
 */
export async function insertLexical(c: SqlPort, lt: LexicalTable, rows: readonly { id: number; text: [string, string] }[]): Promise<void> {
  if (!rows.length) return;
  const docs = lexicalDocs(
    rows.map((r) => r.text),
    lt.weights,
  );
  for (const part of batchesFor(
    docs.map((d, i) => [rows[i].id, d.tsv, d.tf, d.ntok, d.c0, d.c1]),
    6,
  )) {
    const params: unknown[] = [];
    await c.run(
      `INSERT INTO ${lt.table} (id, tsv, tf, ntok, c0, c1) SELECT id::int8, tsv::tsvector, tf::jsonb, ntok::int4, c0, c1 FROM (VALUES ${valuesList(part, params)}) AS t(id, tsv, tf, ntok, c0, c1)`,
      params,
    );
  }
  await c.run(`UPDATE ${lt.stats} SET nrow = nrow + ?, ntok = ntok + ?, version = version + 1`, [docs.length, docs.reduce((n, d) => n + d.ntok, 0)]);
}
