/**
 * Embedders turn text into vectors. One interface, one module per backend
 * (static: the built-in code model shipped with contextd, static-embedder.ts;
 * ollama: a local Ollama server). Nothing above this interface knows which
 * backend is in use.
 */

/** Documents (chunks) and queries may be embedded differently (e.g. nomic's task prefixes). */
export type EmbedKind = 'document' | 'query';

export interface Embedder {
  /** Backend name: `static`, `ollama`. */
  readonly name: string;
  /**
   * Identifies the vectors this embedder produces: the cache key next to the chunk
   * hash. Two embedders with the same id must give the same vector for the same text.
   */
  readonly modelId: string;
  /** Vector length (0 until known, for backends that learn it from the first answer). */
  readonly dimension: number;
  /** One vector per text, in order. Rejects as a whole: never a partial answer. */
  embed(texts: string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]>;
  close(): Promise<void>;
  /** Document batches it embeds at once (worker threads); default 1. */
  readonly concurrency?: number;
}

/** Thrown by an embedder whose backend cannot be reached or refuses; the message says what to do. */
export class EmbedderUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'EmbedderUnavailableError';
  }
}

/** Progress of the background embedding, for status output and the CLI's progress bar. */
export interface EmbeddingProgress {
  provider: string;
  /** The model vectors are being made for. */
  model: string | null;
  /** The model whose vectors answer semantic queries now (an older one while a new one fills in). */
  servingModel: string | null;
  state: 'idle' | 'training' | 'embedding' | 'error' | 'off';
  /** Live chunks (referenced by some view) with a vector for `model`, and all live chunks. */
  embedded: number;
  total: number;
  /** Chunks per second over the current (or last) run. */
  rate: number;
  lastError: string | null;
  /** Set while embedding is stuck: a call hanging, or failing and being retried. */
  stalled?: { since: number; what: string; reason: string; waiting: number } | null;
}
