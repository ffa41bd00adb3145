/**
 * Reads of chunks and symbols in a view that both backends answer with the same SQL
 * (SqlPort); the lexical search and the writes stay in each backend (FTS5 / tsvector).
 */
import { parseMatch } from './fts-match.js';
import { chunkTexts, historyFilterSql, type CommitLexicon, type ViewSql } from './history-store.js';
import { candidatesToRescore, matchPhraseKeys, rescoreByRepository, rescoreWindow, type RepoLexStats } from './repo-bm25.js';
import type { SqlPort } from './sql-port.js';
import { CHUNK_COLS, SYMBOL_COLS, toChunkRow, toSymbol, type Row } from './tables.js';
import type { ChunkRow, ChunkStore, LexicalQuery, LexicalRow, SymbolLookup, SymbolRow } from './types.js';

export class SqlChunkReads implements Pick<ChunkStore, 'lookupSymbols' | 'fileChunks'> {
  constructor(
    private readonly port: SqlPort,
    private readonly view: ViewSql,
    private readonly lex: Pick<CommitLexicon, 'author'>,
    /** The error a user should see for a failed query (PostgreSQL: a path regex it cannot compile). */
    private readonly queryError: (err: unknown) => unknown,
  ) {}

  async lookupSymbols(q: SymbolLookup): Promise<SymbolRow[]> {
    if (!q.names.length) return [];
    const params: unknown[] = [];
    const conds = [this.port.inList('s.name', q.names, params), this.view.where(q, params)];
    if (q.history) conds.push(historyFilterSql(this.lex, q.history, params, 's.start_line', 's.end_line'));
    if (q.kinds?.length) conds.push(this.port.inList('s.kind', q.kinds, params));
    params.push(q.limit);
    try {
      const rows = await this.port.all<Row>(
        `SELECT ${SYMBOL_COLS} FROM symbols s JOIN files f ON f.parse_id = s.parse_id
         WHERE ${conds.join(' AND ')}
         ORDER BY f.repo_id, f.path, s.start_line, s.name_line, s.name_col, s.name, s.kind LIMIT ?`,
        params,
      );
      return rows.map(toSymbol);
    } catch (err) {
      throw this.queryError(err);
    }
  }

  async fileChunks(repoId: number, path: string): Promise<ChunkRow[]> {
    const rows = await this.port.all<Row>(
      `SELECT ${CHUNK_COLS}, c.text FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id JOIN chunks c ON c.hash = pc.chunk_hash
       WHERE f.repo_id = ? AND f.path = ? ORDER BY pc.ord`,
      [repoId, path],
    );
    return rows.map(toChunkRow);
  }
}

/**
 * The lexical search of both stores. Candidates: the view's best `fetch` rows by the engine's
 * table-wide BM25, capped at the best `inner` matches before joining the views (a common word can
 * match most of the index, and joining every match costs more than the search). Rows outside that
 * set score lower than all inside it, so the candidates are exact unless filters leave fewer than
 * `fetch`: then the search runs without the cap. Each candidate is then scored with its own
 * repository's statistics (repo-bm25.ts), so what else is indexed does not change a ranking.
 */
export async function rescoredLexicalSearch(
  port: SqlPort,
  q: LexicalQuery,
  /** The view's best rows by the table-wide score, without text; `capHit`: the `inner` cap cut matches. */
  rows: (limit: number, inner: number | null) => Promise<{ rows: LexicalRow[]; capHit: boolean }>,
  stats: (repoIds: number[], keys: string[]) => Promise<Map<number, RepoLexStats>>,
): Promise<LexicalRow[]> {
  const { fetch } = rescoreWindow(q.limit);
  const capped = await rows(fetch, Math.max(fetch * 5, 500));
  const candidates = candidatesToRescore(capped.rows.length >= fetch || !capped.capHit ? capped.rows : (await rows(fetch, null)).rows, q.limit);
  if (!candidates.length) return [];
  const texts = await chunkTexts(
    port,
    candidates.map((r) => r.chunkHash),
  );
  const withText = candidates.map((r) => ({ ...r, text: texts.get(r.chunkHash) ?? '' }));
  return rescoreByRepository(q.match, withText, await stats([...new Set(withText.map((r) => r.repoId))], matchPhraseKeys(parseMatch(q.match)))).slice(
    0,
    q.limit,
  );
}
