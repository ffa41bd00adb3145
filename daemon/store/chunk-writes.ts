/**
 * Writing files into a view, for both backends (SqlPort): a batch is one transaction of
 * set-based statements (parses new to the store, their chunks, occurrences, lexical rows and
 * symbols, then the view rows). When one file makes it fail, the batch is redone file by
 * file, each in its own savepoint, so every file is still all-or-nothing; a lost connection
 * fails the whole batch. The lexical index is the engine's (`ChunkLexicon`: FTS5 / tsvector).
 */
import { ContextdError, errorMessage } from '../errors.js';
import { indexText } from '../search/tokenize.js';
import { batchesFor, valuesList, type SqlPort } from './sql-port.js';
import { OCCURRENCE_COLS, occurrenceValues } from './tables.js';
import { GRAPH_VERSION } from '../lang/graph/types.js';
import { GRAPH_LANGUAGES } from '../lang/graph/rules.js';
import { insertGraphs } from './graph-store.js';
import type { FileWrite, WriteOutcome } from './types.js';

export interface ChunkLexicon {
  /** Indexes new chunk occurrences (id = parse_chunks.id) with their (symbol, body) lexical text. */
  add(c: SqlPort, rows: { id: number; text: [string, string] }[]): Promise<void>;
}

/** Errors of concurrent writers on a shared server (deadlock, serialization, a unique key another just took): worth one more try. */
const RACES = new Set(['40P01', '40001', '23505']);

const SYMBOL_COLS = ['parse_id', 'name', 'kind', 'container', 'start_line', 'end_line', 'name_line', 'name_col', 'signature'];
const FILE_COLS = ['repo_id', 'path', 'blob', 'content_key', 'size', 'language', 'encoding', 'status', 'skip_reason', 'parse_id', 'indexed_at'];

async function insertRows(c: SqlPort, table: string, cols: readonly string[], rows: unknown[][], tail = ''): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const part of batchesFor(rows, cols.length)) {
    const params: unknown[] = [];
    const sql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES ${valuesList(part, params)}${tail}`;
    if (tail.includes('RETURNING')) out.push(...(await c.all<Record<string, unknown>>(sql, params)));
    else await c.run(sql, params);
  }
  return out;
}

/** SQLite's SQLITE_FULL, PostgreSQL's disk_full (53100), or the OS saying so. */
export function diskFull(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return code === 'SQLITE_FULL' || code === '53100' || code === 'ENOSPC' || /database or disk is full|no space left on device/i.test(errorMessage(err));
}

function diskFullError(port: SqlPort, err: unknown): ContextdError {
  return new ContextdError('disk-full', `cannot write the index: the disk is full (${errorMessage(err)})`, {
    hint:
      port.dialect === 'sqlite'
        ? 'free space where the data directory lives (`contextd status` shows it); the index before this run is intact and searchable, and the next run finishes the work'
        : 'free space on the database server; the index before this run is intact and the next run finishes the work',
    cause: err,
  });
}

export class SqlChunkWriter {
  constructor(
    private readonly port: SqlPort,
    private readonly lexicon: ChunkLexicon,
    /** Told when symbols were written (the store's cached name list is out of date). */
    private readonly onSymbols: () => void,
  ) {}

  async writeFile(repoId: number, file: FileWrite): Promise<WriteOutcome> {
    return (await this.port.tx((c) => this.batch(c, repoId, [file])))[0];
  }

  async writeFiles(repoId: number, files: FileWrite[]): Promise<WriteOutcome[]> {
    if (!files.length) return [];
    try {
      return await this.port.tx((c) => this.batch(c, repoId, files));
    } catch (err) {
      if (this.port.lost(err)) throw err;
      // No file of the batch can be stored: stop the run (its indexed commit does not move) instead of failing file by file.
      if (diskFull(err)) throw diskFullError(this.port, err);
      // Some file made the batch fail: store them one by one, each in its own savepoint.
      return this.port.tx(async (c) => {
        const out: WriteOutcome[] = [];
        for (const file of files) {
          // A race with another daemon writing the same content is worth one more try: the second sees the other's rows.
          for (let attempt = 0; ; attempt++) {
            try {
              out.push((await c.tx((s) => this.batch(s, repoId, [file])))[0]);
              break;
            } catch (e) {
              if (this.port.lost(e)) throw e;
              if (attempt === 0 && RACES.has((e as { code?: string }).code ?? '')) continue;
              out.push({ parseId: null, newChunks: 0, error: errorMessage(e) });
              break;
            }
          }
        }
        return out;
      });
    }
  }

  /** Stores files with set-based statements, inside the caller's transaction. */
  private async batch(c: SqlPort, repoId: number, files: FileWrite[]): Promise<WriteOutcome[]> {
    const now = Date.now();
    const parsedKeys = [...new Set(files.filter((f) => f.content.kind === 'parsed').map((f) => f.contentKey))];
    const known = new Map<string, number>();
    if (parsedKeys.length) {
      const params: unknown[] = [];
      const rows = await c.all<{ id: number; parse_key: string }>(
        `SELECT id, parse_key FROM parses WHERE ${c.inList('parse_key', parsedKeys, params)}`,
        params,
      );
      for (const r of rows) known.set(r.parse_key, r.id);
    }
    // Which files bring a parse the store does not have (the first of a batch holding a key).
    const fresh: (FileWrite & { content: Extract<FileWrite['content'], { kind: 'parsed' }> })[] = [];
    const planned = new Set<string>();
    for (const f of files) {
      if (f.content.kind !== 'parsed' || known.has(f.contentKey) || planned.has(f.contentKey)) continue;
      planned.add(f.contentKey);
      fresh.push(f as (typeof fresh)[number]);
    }
    let newHashes = new Set<string>();
    if (fresh.length) {
      const parses = await insertRows(
        c,
        'parses',
        ['parse_key', 'language', 'fallback', 'parse_error', 'created_at'],
        fresh.map((f) => [f.contentKey, f.content.parsed.language, f.content.parsed.fallback, f.content.parsed.parseError ?? null, now]),
        ' RETURNING id, parse_key',
      );
      for (const r of parses) known.set(r.parse_key as string, r.id as number);
      const chunks = new Map<string, unknown[]>();
      const occs: unknown[][] = [];
      const lexical = new Map<string, [string, string]>();
      const symbols: unknown[][] = [];
      for (const f of fresh) {
        const { parsed, chunkHashes, lexical: lex } = f.content;
        const parseId = known.get(f.contentKey)!;
        parsed.chunks.forEach((chunk, ord) => {
          const hash = chunkHashes[ord];
          if (hash === undefined || hash === null) throw new Error(`chunk ${ord} of ${f.path} has no content hash`);
          if (!chunks.has(hash)) chunks.set(hash, [hash, parsed.language, chunk.text]);
          occs.push(occurrenceValues(parseId, ord, hash, chunk));
          const l = lex?.[ord];
          lexical.set(`${parseId}:${ord}`, l ? [l.symbol, l.body] : [chunk.symbol ? indexText(chunk.symbol) : '', indexText(chunk.text)]);
        });
        for (const s of parsed.symbols) symbols.push([parseId, s.name, s.kind, s.container, s.startLine, s.endLine, s.nameLine, s.nameColumn, s.signature]);
      }
      // Sorted, so concurrent writers take row locks in the same order.
      const sorted = [...chunks.values()].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : (a[0] as string) > (b[0] as string) ? 1 : 0));
      newHashes = new Set(
        (await insertRows(c, 'chunks', ['hash', 'language', 'text'], sorted, ' ON CONFLICT (hash) DO NOTHING RETURNING hash')).map((r) => r.hash as string),
      );
      const ids = await insertRows(c, 'parse_chunks', OCCURRENCE_COLS, occs, ' RETURNING id, parse_id, ord');
      await this.lexicon.add(
        c,
        ids.map((r) => ({ id: r.id as number, text: lexical.get(`${r.parse_id}:${r.ord}`)! })),
      );
      if (symbols.length) {
        await insertRows(c, 'symbols', SYMBOL_COLS, symbols);
        this.onSymbols();
      }
      // The code graph's facts of the same parses, in the same transaction.
      await insertGraphs(
        c,
        // A file of a graph language that fell back to windows gets (empty) facts: nothing to backfill later.
        // No facts at all (the graph turned off) leaves the parse to the backfill of a later run.
        fresh.flatMap((f) => {
          const p = f.content.parsed;
          const graph = p.graph ?? (p.fallback && GRAPH_LANGUAGES.includes(p.language) ? { refs: [], imports: [], pkg: null } : null);
          return graph ? [{ parseId: known.get(f.contentKey)!, graph }] : [];
        }),
        GRAPH_VERSION,
      );
    }
    // View rows (the last write of a path wins, as it would one by one).
    const outcomes: WriteOutcome[] = [];
    const counted = new Set<string>();
    const view = new Map<string, unknown[]>();
    for (const f of files) {
      const content = f.content;
      let parseId: number | null = null;
      let newChunks = 0;
      if (content.kind === 'reuse') parseId = content.parseId;
      else if (content.kind === 'parsed') {
        parseId = known.get(f.contentKey)!;
        if (fresh.includes(f as (typeof fresh)[number])) {
          for (const h of content.chunkHashes) if (newHashes.has(h) && !counted.has(h) && counted.add(h)) newChunks++;
        }
      }
      const skipped = content.kind === 'skipped';
      view.set(f.path, [
        repoId,
        f.path,
        f.blob,
        f.contentKey,
        f.size,
        f.language,
        f.encoding,
        skipped ? 'skipped' : 'indexed',
        skipped ? content.reason : null,
        parseId,
        now,
      ]);
      outcomes.push({ parseId, newChunks });
    }
    await insertRows(
      c,
      'files',
      FILE_COLS,
      [...view.values()],
      ` ON CONFLICT (repo_id, path) DO UPDATE SET ${FILE_COLS.slice(2)
        .map((col) => `${col} = excluded.${col}`)
        .join(', ')}`,
    );
    return outcomes;
  }
}
