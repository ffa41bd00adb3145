/**
 * The built-in model with its document embedding spread over worker threads (the
 * indexer's parse workers, idle once the lexical index is written): on a large first
 * index, embedding inline on the main thread left one core idle and held the event loop.
 * Queries (a few words) stay on this thread. Vectors are the same as the inline model's:
 * the same model file, the same code, the same model id.
 */
import type { EmbedKind, Embedder } from './types.js';

/** Embeds documents elsewhere (a worker); resolves to one vector per text, in order. */
export type RemoteEmbed = (texts: string[]) => Promise<Float32Array[]>;

export class PooledEmbedder implements Embedder {
  readonly name: string;
  readonly modelId: string;
  readonly dimension: number;

  constructor(
    private readonly inline: Embedder,
    private readonly remote: RemoteEmbed,
    /** Embed calls the workers serve at once: the service keeps this many batches in flight. */
    readonly concurrency: number,
  ) {
    this.name = inline.name;
    this.modelId = inline.modelId;
    this.dimension = inline.dimension;
  }

  embed(texts: string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]> {
    return kind === 'query' ? this.inline.embed(texts, kind, signal) : this.remote(texts);
  }

  close(): Promise<void> {
    return this.inline.close();
  }
}
