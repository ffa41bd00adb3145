/**
 * The embedding store for both backends (SqlPort): vectors as little-endian float32 blobs
 * keyed by (model, chunk hash), in the same database as the views, so a view filter is one
 * join and pruning a chunk drops its vectors (foreign key cascade). On a shared PostgreSQL
 * database every daemon shares the vectors: a chunk embedded by one is never embedded again.
 * The ANN index (local-vector-index.ts) or Qdrant sits on top, keyed by `id`.
 */
import type { ViewSql } from './history-store.js';
import { batchesFor, valuesList, type SqlPort } from './sql-port.js';
import { CHUNK_COLS, toChunkRow, type Row } from './tables.js';
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

/** Live chunks: referenced by at least one file of some view (any machine's). */
const LIVE = 'EXISTS (SELECT 1 FROM parse_chunks pc JOIN files f ON f.parse_id = pc.parse_id WHERE pc.chunk_hash = c.hash)';
const MODEL_COLS = 'id, provider, dim, created_at, trained_chunks';

const toModel = (r: Row): StoredModel => ({
  id: r.id as string,
  provider: r.provider as string,
  dim: r.dim as number,
  createdAt: r.created_at as number,
  trainedChunks: r.trained_chunks as number,
});
const toKeyed = (r: Row): KeyedVector => ({
  key: r.id as number,
  hash: r.chunk_hash as string,
  vector: blobToVector(r.vector as Buffer),
  ...(r.language ? { language: r.language as string } : {}),
});

export class SqlEmbeddingStore implements EmbeddingStore {
  constructor(
    private readonly port: SqlPort,
    /** The metadata store's view filter, so both filter views the same way. */
    private readonly view: ViewSql,
    readonly backend: string,
  ) {}

  async getModel(id: string): Promise<StoredModel | null> {
    const r = await this.port.get<Row>(`SELECT ${MODEL_COLS} FROM embed_models WHERE id = ?`, [id]);
    return r ? toModel(r) : null;
  }

  async getModelBlob(id: string): Promise<Buffer | null> {
    return (await this.port.get<{ blob: Buffer | null }>('SELECT blob FROM embed_models WHERE id = ?', [id]))?.blob ?? null;
  }

  async putModel(m: StoredModel, blob: Buffer | null): Promise<void> {
    await this.port.run(
      `INSERT INTO embed_models (id, provider, dim, created_at, trained_chunks, blob) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, dim = excluded.dim, trained_chunks = excluded.trained_chunks,
         blob = COALESCE(excluded.blob, embed_models.blob)`,
      [m.id, m.provider, m.dim, m.createdAt, m.trainedChunks, blob],
    );
  }

  async dropModel(id: string): Promise<void> {
    await this.port.tx(async (c) => {
      await c.run('DELETE FROM chunk_vectors WHERE model_id = ?', [id]);
      await c.run('DELETE FROM embed_models WHERE id = ?', [id]);
    });
  }

  async listModels(): Promise<StoredModel[]> {
    return (await this.port.all<Row>(`SELECT ${MODEL_COLS} FROM embed_models ORDER BY created_at, id`)).map(toModel);
  }

  async getSetting(key: string): Promise<string | null> {
    return (await this.port.get<{ value: string }>('SELECT value FROM embed_settings WHERE key = ?', [key]))?.value ?? null;
  }

  async setSetting(key: string, value: string | null): Promise<void> {
    if (value === null) await this.port.run('DELETE FROM embed_settings WHERE key = ?', [key]);
    else await this.port.run('INSERT INTO embed_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [key, value]);
  }

  pendingChunks(modelId: string, limit: number, afterHash = ''): Promise<ChunkText[]> {
    return this.port.all<ChunkText>(
      `SELECT c.hash, c.language, c.text FROM chunks c
       WHERE c.hash > ? AND ${LIVE}
         AND NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.model_id = ? AND v.chunk_hash = c.hash)
       ORDER BY c.hash LIMIT ?`,
      [afterHash, modelId, limit],
    );
  }

  async sampleChunks(limit: number): Promise<ChunkText[]> {
    const n = Number((await this.port.get<{ n: number }>(`SELECT COUNT(*) AS n FROM chunks c WHERE ${LIVE}`))!.n);
    // Every k-th chunk in hash order: deterministic, and spread over the whole corpus.
    const step = Math.max(1, Math.ceil(n / Math.max(1, limit)));
    return this.port.all<ChunkText>(
      `SELECT hash, language, text FROM (
         SELECT c.hash, c.language, c.text, row_number() OVER (ORDER BY c.hash) - 1 AS i FROM chunks c WHERE ${LIVE}
       ) t WHERE i % ? = 0 ORDER BY hash`,
      [step],
    );
  }

  async counts(modelId: string): Promise<EmbeddingCounts> {
    const r = (await this.port.get<{ total: number; embedded: number }>(
      `SELECT COUNT(*) AS total, COUNT(v.id) AS embedded FROM chunks c
       LEFT JOIN chunk_vectors v ON v.model_id = ? AND v.chunk_hash = c.hash
       WHERE ${LIVE}`,
      [modelId],
    ))!;
    return { total: Number(r.total), embedded: Number(r.embedded) };
  }

  async putVectors(modelId: string, rows: VectorRow[]): Promise<void> {
    // One transaction: all of them or none. In input order (keys follow it).
    await this.port.tx(async (c) => {
      for (const part of batchesFor(rows, 3)) {
        const params: unknown[] = [];
        const values = valuesList(
          part.map((r) => [modelId, r.hash, vectorToBlob(r.vector)]),
          params,
        );
        await c.run(`INSERT INTO chunk_vectors (model_id, chunk_hash, vector) VALUES ${values} ON CONFLICT (model_id, chunk_hash) DO NOTHING`, params);
      }
    });
  }

  async scanVectors(modelId: string, afterKey: number, limit: number): Promise<KeyedVector[]> {
    const rows = await this.port.all<Row>(
      `SELECT v.id, v.chunk_hash, v.vector, c.language FROM chunk_vectors v LEFT JOIN chunks c ON c.hash = v.chunk_hash
       WHERE v.model_id = ? AND v.id > ? ORDER BY v.id LIMIT ?`,
      [modelId, afterKey, limit],
    );
    return rows.map(toKeyed);
  }

  async vectorsByKey(modelId: string, keys: number[]): Promise<KeyedVector[]> {
    if (!keys.length) return [];
    const params: unknown[] = [modelId];
    const where = this.port.inList('id', keys, params);
    return (await this.port.all<Row>(`SELECT id, chunk_hash, vector FROM chunk_vectors WHERE model_id = ? AND ${where} ORDER BY id`, params)).map(toKeyed);
  }

  async keysInView(modelId: string, filter: ViewFilter): Promise<number[]> {
    const params: unknown[] = [modelId];
    const where = this.view.where(filter, params);
    const rows = await this.port.all<{ id: number }>(
      `SELECT DISTINCT v.id FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id
       JOIN chunk_vectors v ON v.chunk_hash = pc.chunk_hash AND v.model_id = ?
       WHERE ${where} ORDER BY v.id`,
      params,
    );
    return rows.map((r) => r.id);
  }

  async occurrencesForKeys(modelId: string, keys: number[], filter: ViewFilter): Promise<(ChunkRow & { key: number })[]> {
    if (!keys.length) return [];
    const params: unknown[] = [modelId];
    const conds = [this.port.inList('v.id', keys, params), this.view.where(filter, params)];
    const rows = await this.port.all<Row>(
      `SELECT v.id AS key, ${CHUNK_COLS}, c.text
       FROM chunk_vectors v
       JOIN parse_chunks pc ON pc.chunk_hash = v.chunk_hash
       JOIN files f ON f.parse_id = pc.parse_id
       JOIN chunks c ON c.hash = v.chunk_hash
       WHERE v.model_id = ? AND ${conds.join(' AND ')}
       ORDER BY v.id, f.repo_id, f.path, pc.start_line`,
      params,
    );
    return rows.map((r) => ({ key: r.key as number, ...toChunkRow(r) }));
  }

  async vectorStats(modelId: string): Promise<{ count: number; maxKey: number }> {
    const r = (await this.port.get<{ n: number; m: number | null }>('SELECT COUNT(*) AS n, MAX(id) AS m FROM chunk_vectors WHERE model_id = ?', [modelId]))!;
    return { count: Number(r.n), maxKey: r.m ?? 0 };
  }
}
