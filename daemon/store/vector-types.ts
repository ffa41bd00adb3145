/**
 * Vectors: two small interfaces, one module per backend.
 *
 * - EmbeddingStore is the source of truth and the embedding cache: one vector per
 *   (chunk hash, model id), never recomputed for a chunk that has not changed;
 *   plus the models themselves (a learned model's weights) and which model serves.
 *   SQLite now (sqlite-vectors.ts); PostgreSQL behind the same contract.
 * - VectorIndex answers "nearest chunks to this vector within this view"
 *   (repo, language, path filters: a hit always belongs to a checked-out view).
 *   Embedded: usearch HNSW in-process over the EmbeddingStore (local-vector-index.ts);
 *   Qdrant behind the same contract.
 *
 * No SQL, and nothing backend-specific, crosses these interfaces.
 */
import type { ChunkRow, ViewFilter } from './types.js';

export interface StoredModel {
  id: string;
  provider: string;
  dim: number;
  createdAt: number;
  /** Live chunks the model was trained on (learned models), else 0. */
  trainedChunks: number;
}

export interface ChunkText {
  hash: string;
  language: string;
  text: string;
}

export interface VectorRow {
  hash: string;
  vector: Float32Array;
}

/** A stored vector with the backend's numeric key (what an ANN index is keyed by). */
export interface KeyedVector extends VectorRow {
  key: number;
  /** The chunk's language, when the backend has it at hand (scanVectors): a remote index stores it for filters. */
  language?: string;
}

export interface EmbeddingCounts {
  /** Chunks referenced by at least one view. */
  total: number;
  /** Of those, chunks with a vector for the model. */
  embedded: number;
}

export interface EmbeddingStore {
  readonly backend: string;

  getModel(id: string): Promise<StoredModel | null>;
  /** A learned model's weights (null for models that live elsewhere, e.g. Ollama). */
  getModelBlob(id: string): Promise<Buffer | null>;
  putModel(model: StoredModel, blob: Buffer | null): Promise<void>;
  /** Deletes a model and all of its vectors. */
  dropModel(id: string): Promise<void>;
  listModels(): Promise<StoredModel[]>;

  /** Small named settings of the embedding pipeline (e.g. which model serves). */
  getSetting(key: string): Promise<string | null>;
  setSetting(key: string, value: string | null): Promise<void>;

  /** Live chunks (in some view) with no vector for `modelId`, oldest first; `afterHash` pages. */
  pendingChunks(modelId: string, limit: number, afterHash?: string): Promise<ChunkText[]>;
  /** Texts of live chunks, for training a learned model (a deterministic sample when over `limit`). */
  sampleChunks(limit: number): Promise<ChunkText[]>;
  counts(modelId: string): Promise<EmbeddingCounts>;
  /** Stores a batch of vectors in one transaction: all of them or none. */
  putVectors(modelId: string, rows: VectorRow[]): Promise<void>;
  /** Stored vectors of a model, by key order, for (re)building an index; `afterKey` pages. */
  scanVectors(modelId: string, afterKey: number, limit: number): Promise<KeyedVector[]>;
  /** Vectors of a model for these keys (missing keys are left out). */
  vectorsByKey(modelId: string, keys: number[]): Promise<KeyedVector[]>;
  /** Keys of the model's vectors whose chunks are in the filtered view (for exact filtered search). */
  keysInView(modelId: string, filter: ViewFilter): Promise<number[]>;
  /** Chunk occurrences in the filtered view for vector keys, each with its key. */
  occurrencesForKeys(modelId: string, keys: number[], filter: ViewFilter): Promise<(ChunkRow & { key: number })[]>;
  /** Highest key and row count of a model (to tell whether a saved index is current). */
  vectorStats(modelId: string): Promise<{ count: number; maxKey: number }>;
}

export interface VectorQuery extends ViewFilter {
  modelId: string;
  vector: Float32Array;
  limit: number;
}

export interface VectorHit extends ChunkRow {
  /** Cosine similarity, higher is better. */
  similarity: number;
}

export interface VectorIndex {
  readonly backend: string;
  /** Nearest chunk occurrences in the filtered view, best first. */
  search(query: VectorQuery): Promise<VectorHit[]>;
  /** Tell the index that vectors were added or removed for a model (it catches up lazily). */
  invalidate(modelId: string): void;
  /** Persist what can be persisted (the embedded index saves its ANN graph). */
  flush(): Promise<void>;
  /** Forget a model's index (after the model is dropped). */
  drop(modelId: string): Promise<void>;
  /** Load or build the model's index in the background, ahead of the first search (the daemon). */
  warm?(modelId: string): void;
  /** Answers are incomplete right now (an index being built): they must not be cached. */
  partial?(): boolean;
  close(): Promise<void>;
}
