/**
 * The embedding store on SQLite: vectors as float32 BLOBs keyed by (model, chunk
 * hash), in the same database (and connection) as the metadata store, so a view
 * filter is one join and pruning a chunk drops its vectors (foreign key cascade).
 * Tables come from migration 4 in sqlite-schema.ts.
 */
import type { Database as Db } from 'better-sqlite3';
import type { ChunkKind } from '../lang/types.js';
import type { ChunkRow, ViewFilter } from './types.js';
import type { ChunkText, EmbeddingCounts, EmbeddingStore, KeyedVector, StoredModel, VectorRow } from './vector-types.js';

export function vectorToBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

export function blobToVector(b: Buffer): Float32Array {
  // Copy: a Buffer's offset need not be 4-byte aligned.
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** The live chunks: referenced by at least one file of some view. */
const LIVE = 'EXISTS (SELECT 1 FROM parse_chunks pc JOIN files f ON f.parse_id = pc.parse_id WHERE pc.chunk_hash = c.hash)';

interface ModelRow {
  id: string;
  provider: string;
  dim: number;
  created_at: number;
  trained_chunks: number;
}

const toModel = (r: ModelRow): StoredModel => ({ id: r.id, provider: r.provider, dim: r.dim, createdAt: r.created_at, trainedChunks: r.trained_chunks });

export class SqliteEmbeddingStore implements EmbeddingStore {
  readonly backend = 'sqlite';

  /** Shares the metadata store's connection (and its REGEXP function). */
  constructor(private readonly db: Db) {}

  private viewWhere(filter: ViewFilter, params: unknown[]): string {
    const clauses: string[] = [];
    if (filter.repoIds?.length) {
      clauses.push(`f.repo_id IN (${filter.repoIds.map(() => '?').join(',')})`);
      params.push(...filter.repoIds);
    }
    if (filter.languages?.length) {
      clauses.push(`f.language IN (${filter.languages.map(() => '?').join(',')})`);
      params.push(...filter.languages);
    }
    if (filter.pathRegexes?.length) {
      clauses.push(`(${filter.pathRegexes.map(() => 'f.path REGEXP ?').join(' OR ')})`);
      params.push(...filter.pathRegexes);
    }
    return clauses.length ? ' AND ' + clauses.join(' AND ') : '';
  }

  async getModel(id: string): Promise<StoredModel | null> {
    const r = this.db.prepare<[string], ModelRow>('SELECT id, provider, dim, created_at, trained_chunks FROM embed_models WHERE id = ?').get(id);
    return r ? toModel(r) : null;
  }

  async getModelBlob(id: string): Promise<Buffer | null> {
    return this.db.prepare<[string], { blob: Buffer | null }>('SELECT blob FROM embed_models WHERE id = ?').get(id)?.blob ?? null;
  }

  async putModel(m: StoredModel, blob: Buffer | null): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO embed_models (id, provider, dim, created_at, trained_chunks, blob) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, dim = excluded.dim, trained_chunks = excluded.trained_chunks,
           blob = COALESCE(excluded.blob, embed_models.blob)`,
      )
      .run(m.id, m.provider, m.dim, m.createdAt, m.trainedChunks, blob);
  }

  async dropModel(id: string): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM chunk_vectors WHERE model_id = ?').run(id);
      this.db.prepare('DELETE FROM embed_models WHERE id = ?').run(id);
    })();
  }

  async listModels(): Promise<StoredModel[]> {
    return this.db.prepare<[], ModelRow>('SELECT id, provider, dim, created_at, trained_chunks FROM embed_models ORDER BY created_at').all().map(toModel);
  }

  async getSetting(key: string): Promise<string | null> {
    return this.db.prepare<[string], { value: string }>('SELECT value FROM embed_settings WHERE key = ?').get(key)?.value ?? null;
  }

  async setSetting(key: string, value: string | null): Promise<void> {
    if (value === null) this.db.prepare('DELETE FROM embed_settings WHERE key = ?').run(key);
    else this.db.prepare('INSERT INTO embed_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  async pendingChunks(modelId: string, limit: number, afterHash = ''): Promise<ChunkText[]> {
    return this.db
      .prepare<[string, string, number], ChunkText>(
        `SELECT c.hash, c.language, c.text FROM chunks c
         WHERE c.hash > ? AND ${LIVE}
           AND NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.model_id = ? AND v.chunk_hash = c.hash)
         ORDER BY c.hash LIMIT ?`,
      )
      .all(afterHash, modelId, limit);
  }

  async sampleChunks(limit: number): Promise<ChunkText[]> {
    const total = this.db.prepare<[], { n: number }>(`SELECT COUNT(*) AS n FROM chunks c WHERE ${LIVE}`).get()!.n;
    // Every k-th chunk in hash order: deterministic, and spread over the whole corpus.
    const step = Math.max(1, Math.ceil(total / Math.max(1, limit)));
    const rows = this.db.prepare<[], ChunkText>(`SELECT c.hash, c.language, c.text FROM chunks c WHERE ${LIVE} ORDER BY c.hash`).iterate();
    const out: ChunkText[] = [];
    let i = 0;
    for (const r of rows) if (i++ % step === 0) out.push(r);
    return out;
  }

  async counts(modelId: string): Promise<EmbeddingCounts> {
    const r = this.db
      .prepare<[string], { total: number; embedded: number }>(
        `SELECT COUNT(*) AS total, COUNT(v.id) AS embedded FROM chunks c
         LEFT JOIN chunk_vectors v ON v.model_id = ? AND v.chunk_hash = c.hash
         WHERE ${LIVE}`,
      )
      .get(modelId)!;
    return { total: r.total, embedded: r.embedded };
  }

  async putVectors(modelId: string, rows: VectorRow[]): Promise<void> {
    const stmt = this.db.prepare('INSERT INTO chunk_vectors (model_id, chunk_hash, vector) VALUES (?, ?, ?) ON CONFLICT (model_id, chunk_hash) DO NOTHING');
    this.db.transaction(() => {
      for (const r of rows) stmt.run(modelId, r.hash, vectorToBlob(r.vector));
    })();
  }

  async scanVectors(modelId: string, afterKey: number, limit: number): Promise<KeyedVector[]> {
    return this.db
      .prepare<[string, number, number], { id: number; chunk_hash: string; vector: Buffer; language: string | null }>(
        `SELECT v.id, v.chunk_hash, v.vector, c.language FROM chunk_vectors v LEFT JOIN chunks c ON c.hash = v.chunk_hash
         WHERE v.model_id = ? AND v.id > ? ORDER BY v.id LIMIT ?`,
      )
      .all(modelId, afterKey, limit)
      .map((r) => ({ key: r.id, hash: r.chunk_hash, vector: blobToVector(r.vector), ...(r.language ? { language: r.language } : {}) }));
  }

  async vectorsByKey(modelId: string, keys: number[]): Promise<KeyedVector[]> {
    const out: KeyedVector[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      const part = keys.slice(i, i + 500);
      const rows = this.db
        .prepare<unknown[], { id: number; chunk_hash: string; vector: Buffer }>(
          `SELECT id, chunk_hash, vector FROM chunk_vectors WHERE model_id = ? AND id IN (${part.map(() => '?').join(',')})`,
        )
        .all(modelId, ...part);
      for (const r of rows) out.push({ key: r.id, hash: r.chunk_hash, vector: blobToVector(r.vector) });
    }
    return out;
  }

  async keysInView(modelId: string, filter: ViewFilter): Promise<number[]> {
    const params: unknown[] = [modelId];
    const where = this.viewWhere(filter, params);
    return this.db
      .prepare<unknown[], { id: number }>(
        `SELECT DISTINCT v.id FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id
         JOIN chunk_vectors v ON v.chunk_hash = pc.chunk_hash AND v.model_id = ?
         WHERE 1 = 1${where}`,
      )
      .all(...params)
      .map((r) => r.id);
  }

  async occurrencesForKeys(modelId: string, keys: number[], filter: ViewFilter): Promise<(ChunkRow & { key: number })[]> {
    if (!keys.length) return [];
    const out: (ChunkRow & { key: number })[] = [];
    for (let i = 0; i < keys.length; i += 500) {
      const part = keys.slice(i, i + 500);
      const params: unknown[] = [modelId, ...part];
      const where = this.viewWhere(filter, params);
      const rows = this.db
        .prepare<unknown[], RawOccurrence>(
          `SELECT v.id AS key, pc.id AS occ, pc.chunk_hash, f.repo_id, f.path, f.language, pc.start_line, pc.end_line, pc.symbol, pc.kind, c.text
           FROM chunk_vectors v
           JOIN parse_chunks pc ON pc.chunk_hash = v.chunk_hash
           JOIN files f ON f.parse_id = pc.parse_id
           JOIN chunks c ON c.hash = v.chunk_hash
           WHERE v.model_id = ? AND v.id IN (${part.map(() => '?').join(',')})${where}`,
        )
        .all(...params);
      for (const r of rows) {
        out.push({
          key: r.key,
          occurrenceId: r.occ,
          chunkHash: r.chunk_hash,
          repoId: r.repo_id,
          path: r.path,
          language: r.language,
          startLine: r.start_line,
          endLine: r.end_line,
          symbol: r.symbol,
          kind: r.kind as ChunkKind,
          text: r.text,
        });
      }
    }
    return out;
  }

  async vectorStats(modelId: string): Promise<{ count: number; maxKey: number }> {
    const r = this.db.prepare<[string], { n: number; m: number | null }>('SELECT COUNT(*) AS n, MAX(id) AS m FROM chunk_vectors WHERE model_id = ?').get(modelId)!;
    return { count: r.n, maxKey: r.m ?? 0 };
  }
}

interface RawOccurrence {
  key: number;
  occ: number;
  chunk_hash: string;
  repo_id: number;
  path: string;
  language: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: string;
  text: string;
}
