/**
 * The embedding store on PostgreSQL (schema: migration 3 in postgres-schema.ts), the
 * same contract as sqlite-vectors.ts: vectors as little-endian float32 `bytea` keyed by
 * (model, chunk hash), in the same database as the views, so a view filter is one join
 * and pruning a chunk drops its vectors (foreign key cascade). Every daemon sharing the
 * database shares the vectors: a chunk embedded by one is never embedded by another.
 * The embedded ANN index (local-vector-index.ts) or Qdrant sits on top, keyed by `id`.
 */
import { z } from 'zod';
import { sql, type PgDb } from './pg-db.js';
import { blobToVector, vectorToBlob } from './sqlite-vectors.js';
import type { ChunkRow, ViewFilter } from './types.js';
import type { ChunkText, EmbeddingCounts, EmbeddingStore, KeyedVector, StoredModel, VectorRow } from './vector-types.js';

type Fragment = ReturnType<typeof sql.fragment>;

/** Live chunks: referenced by at least one file of some view (any machine's). */
const LIVE = sql.fragment`EXISTS (SELECT 1 FROM parse_chunks pc JOIN files f ON f.parse_id = pc.parse_id WHERE pc.chunk_hash = c.hash)`;

const modelRow = z.object({ id: z.string(), provider: z.string(), dim: z.number(), created_at: z.number(), trained_chunks: z.number() });
const toModel = (r: z.infer<typeof modelRow>): StoredModel => ({ id: r.id, provider: r.provider, dim: r.dim, createdAt: r.created_at, trainedChunks: r.trained_chunks });
const chunkText = z.object({ hash: z.string(), language: z.string(), text: z.string() });
const keyed = z.object({ id: z.number(), chunk_hash: z.string(), vector: z.instanceof(Buffer) });

export class PostgresEmbeddingStore implements EmbeddingStore {
  readonly backend = 'postgres';

  constructor(
    private readonly db: PgDb,
    /** The metadata store's view filter (files alias `f`), so both filter views the same way. */
    private readonly viewWhere: (filter: ViewFilter) => Fragment,
  ) {}

  async getModel(id: string): Promise<StoredModel | null> {
    const r = await this.db.maybeOne(sql.type(modelRow)`SELECT id, provider, dim, created_at, trained_chunks FROM embed_models WHERE id = ${id}`);
    return r ? toModel(r) : null;
  }

  async getModelBlob(id: string): Promise<Buffer | null> {
    const r = await this.db.maybeOne(sql.type(z.object({ blob: z.instanceof(Buffer).nullable() }))`SELECT blob FROM embed_models WHERE id = ${id}`);
    return r?.blob ?? null;
  }

  async putModel(m: StoredModel, blob: Buffer | null): Promise<void> {
    await this.db.exec(sql.unsafe`INSERT INTO embed_models (id, provider, dim, created_at, trained_chunks, blob)
      VALUES (${m.id}, ${m.provider}, ${m.dim}, ${m.createdAt}, ${m.trainedChunks}, ${blob === null ? null : sql.binary(blob)}::bytea)
      ON CONFLICT (id) DO UPDATE SET provider = excluded.provider, dim = excluded.dim, trained_chunks = excluded.trained_chunks,
        blob = COALESCE(excluded.blob, embed_models.blob)`);
  }

  async dropModel(id: string): Promise<void> {
    await this.db.tx(async (c) => {
      await c.exec(sql.unsafe`DELETE FROM chunk_vectors WHERE model_id = ${id}`);
      await c.exec(sql.unsafe`DELETE FROM embed_models WHERE id = ${id}`);
    });
  }

  async listModels(): Promise<StoredModel[]> {
    return (await this.db.rows(sql.type(modelRow)`SELECT id, provider, dim, created_at, trained_chunks FROM embed_models ORDER BY created_at, id`)).map(toModel);
  }

  async getSetting(key: string): Promise<string | null> {
    const r = await this.db.maybeOne(sql.type(z.object({ value: z.string() }))`SELECT value FROM embed_settings WHERE key = ${key}`);
    return r?.value ?? null;
  }

  async setSetting(key: string, value: string | null): Promise<void> {
    if (value === null) await this.db.exec(sql.unsafe`DELETE FROM embed_settings WHERE key = ${key}`);
    else await this.db.exec(sql.unsafe`INSERT INTO embed_settings (key, value) VALUES (${key}, ${value}) ON CONFLICT (key) DO UPDATE SET value = excluded.value`);
  }

  async pendingChunks(modelId: string, limit: number, afterHash = ''): Promise<ChunkText[]> {
    return this.db.rows(
      sql.type(chunkText)`SELECT c.hash, c.language, c.text FROM chunks c
        WHERE c.hash > ${afterHash} AND ${LIVE}
          AND NOT EXISTS (SELECT 1 FROM chunk_vectors v WHERE v.model_id = ${modelId} AND v.chunk_hash = c.hash)
        ORDER BY c.hash LIMIT ${limit}`,
    );
  }

  async sampleChunks(limit: number): Promise<ChunkText[]> {
    const { n } = await this.db.one(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM chunks c WHERE ${LIVE}`);
    // Every k-th chunk in hash order: deterministic, spread over the corpus (the SQLite store's rule).
    const step = Math.max(1, Math.ceil(n / Math.max(1, limit)));
    return this.db.rows(
      sql.type(chunkText)`SELECT hash, language, text FROM (
          SELECT c.hash, c.language, c.text, row_number() OVER (ORDER BY c.hash) - 1 AS i FROM chunks c WHERE ${LIVE}
        ) t WHERE i % ${step} = 0 ORDER BY hash`,
    );
  }

  async counts(modelId: string): Promise<EmbeddingCounts> {
    const r = await this.db.one(
      sql.type(z.object({ total: z.number(), embedded: z.number() }))`SELECT count(*) AS total, count(v.id) AS embedded FROM chunks c
        LEFT JOIN chunk_vectors v ON v.model_id = ${modelId} AND v.chunk_hash = c.hash
        WHERE ${LIVE}`,
    );
    return { total: r.total, embedded: r.embedded };
  }

  async putVectors(modelId: string, rows: VectorRow[]): Promise<void> {
    if (!rows.length) return;
    // One statement: all of them or none. In input order (keys follow it).
    await this.db.exec(sql.unsafe`INSERT INTO chunk_vectors (model_id, chunk_hash, vector)
      SELECT ${modelId}, hash, vector FROM ${sql.unnest(
        rows.map((r) => [r.hash, vectorToBlob(r.vector)]) as never[][],
        ['text', 'bytea'],
      )} WITH ORDINALITY AS t(hash, vector, ord)
      ORDER BY ord
      ON CONFLICT (model_id, chunk_hash) DO NOTHING`);
  }

  async scanVectors(modelId: string, afterKey: number, limit: number): Promise<KeyedVector[]> {
    const rows = await this.db.rows(
      sql.type(keyed.extend({ language: z.string().nullable() }))`SELECT v.id, v.chunk_hash, v.vector, c.language FROM chunk_vectors v
        LEFT JOIN chunks c ON c.hash = v.chunk_hash
        WHERE v.model_id = ${modelId} AND v.id > ${afterKey} ORDER BY v.id LIMIT ${limit}`,
    );
    return rows.map((r) => ({ key: r.id, hash: r.chunk_hash, vector: blobToVector(r.vector), ...(r.language ? { language: r.language } : {}) }));
  }

  async vectorsByKey(modelId: string, keys: number[]): Promise<KeyedVector[]> {
    if (!keys.length) return [];
    const rows = await this.db.rows(
      sql.type(keyed)`SELECT id, chunk_hash, vector FROM chunk_vectors WHERE model_id = ${modelId} AND id = ANY(${sql.array(keys, 'int8')}) ORDER BY id`,
    );
    return rows.map((r) => ({ key: r.id, hash: r.chunk_hash, vector: blobToVector(r.vector) }));
  }

  async keysInView(modelId: string, filter: ViewFilter): Promise<number[]> {
    const rows = await this.db.rows(
      sql.type(z.object({ id: z.number() }))`SELECT DISTINCT v.id FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id
        JOIN chunk_vectors v ON v.chunk_hash = pc.chunk_hash AND v.model_id = ${modelId}
        WHERE ${this.viewWhere(filter)} ORDER BY v.id`,
    );
    return rows.map((r) => r.id);
  }

  async occurrencesForKeys(modelId: string, keys: number[], filter: ViewFilter): Promise<(ChunkRow & { key: number })[]> {
    if (!keys.length) return [];
    const rows = await this.db.rows(
      sql.type(
        z.object({
          key: z.number(),
          occ: z.number(),
          chunk_hash: z.string(),
          repo_id: z.number(),
          path: z.string(),
          language: z.string(),
          start_line: z.number(),
          end_line: z.number(),
          symbol: z.string().nullable(),
          kind: z.string(),
          text: z.string(),
        }),
      )`SELECT v.id AS key, pc.id AS occ, pc.chunk_hash, f.repo_id, f.path, f.language, pc.start_line, pc.end_line, pc.symbol, pc.kind, c.text
        FROM chunk_vectors v
        JOIN parse_chunks pc ON pc.chunk_hash = v.chunk_hash
        JOIN files f ON f.parse_id = pc.parse_id
        JOIN chunks c ON c.hash = v.chunk_hash
        WHERE v.model_id = ${modelId} AND v.id = ANY(${sql.array(keys, 'int8')}) AND ${this.viewWhere(filter)}
        ORDER BY v.id, f.repo_id, f.path, pc.start_line`,
    );
    return rows.map((r) => ({
      key: r.key,
      occurrenceId: r.occ,
      chunkHash: r.chunk_hash,
      repoId: r.repo_id,
      path: r.path,
      language: r.language,
      startLine: r.start_line,
      endLine: r.end_line,
      symbol: r.symbol,
      kind: r.kind as ChunkRow['kind'],
      text: r.text,
    }));
  }

  async vectorStats(modelId: string): Promise<{ count: number; maxKey: number }> {
    const r = await this.db.one(
      sql.type(z.object({ n: z.number(), m: z.number().nullable() }))`SELECT count(*) AS n, max(id) AS m FROM chunk_vectors WHERE model_id = ${modelId}`,
    );
    return { count: r.n, maxKey: r.m ?? 0 };
  }
}
