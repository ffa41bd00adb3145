/**
 * Embeddings from a local Ollama server (`ollama` client, POST /api/embed), for
 * users who run one: e.g. nomic-embed-text. Batched; each call has a timeout;
 * nomic models get their task prefixes (search_document: / search_query:).
 * A server that is down or lacks the model raises EmbedderUnavailableError with
 * what to do; semantic search then degrades, lexical search never does.
 */
import { Ollama } from 'ollama';
import { EmbedderUnavailableError, type Embedder, type EmbedKind } from './types.js';

export interface OllamaEmbedderOptions {
  host: string;
  model: string;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Characters of a text sent at most (the server truncates to the model's context too). */
  maxChars?: number;
  /** Injected for tests. */
  fetch?: typeof fetch;
}

function prefixes(model: string): { document: string; query: string } {
  if (/nomic-embed/i.test(model)) return { document: 'search_document: ', query: 'search_query: ' };
  if (/mxbai-embed/i.test(model)) return { document: '', query: 'Represent this sentence for searching relevant passages: ' };
  return { document: '', query: '' };
}

export class OllamaEmbedder implements Embedder {
  readonly name = 'ollama';
  readonly modelId: string;
  private dim = 0;
  private readonly client: Ollama;
  private readonly prefix: { document: string; query: string };

  constructor(private readonly opts: OllamaEmbedderOptions) {
    this.modelId = `ollama:${opts.model}`;
    this.prefix = prefixes(opts.model);
    const baseFetch = opts.fetch ?? fetch;
    const timeoutMs = opts.timeoutMs ?? 120_000;
    this.client = new Ollama({
      host: opts.host,
      fetch: ((url: string | URL | Request, init?: RequestInit) => {
        const signals = [AbortSignal.timeout(timeoutMs)];
        if (init?.signal) signals.push(init.signal);
        return baseFetch(url, { ...init, signal: AbortSignal.any(signals) });
      }) as typeof fetch,
    });
  }

  get dimension(): number {
    return this.dim;
  }

  async embed(texts: string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]> {
    if (!texts.length) return [];
    signal?.throwIfAborted();
    const max = this.opts.maxChars ?? 8000;
    const input = texts.map((t) => this.prefix[kind] + (t.length > max ? t.slice(0, max) : t));
    let res: { embeddings?: number[][] };
    try {
      res = await this.client.embed({ model: this.opts.model, input, truncate: true });
    } catch (err) {
      throw this.explain(err);
    }
    const out = res.embeddings;
    if (!Array.isArray(out) || out.length !== texts.length) {
      throw new EmbedderUnavailableError(`ollama returned ${Array.isArray(out) ? out.length : 'no'} embeddings for ${texts.length} texts`);
    }
    const vectors = out.map((v) => Float32Array.from(v));
    const dim = vectors[0]?.length ?? 0;
    if (!dim || vectors.some((v) => v.length !== dim)) throw new EmbedderUnavailableError('ollama returned embeddings of differing lengths');
    if (this.dim && dim !== this.dim) throw new EmbedderUnavailableError(`ollama model ${this.opts.model} changed dimension (${this.dim} -> ${dim})`, false);
    this.dim = dim;
    return vectors;
  }

  private explain(err: unknown): Error {
    const e = err as { name?: string; status_code?: number; message?: string; cause?: { code?: string } };
    if (e?.name === 'ResponseError') {
      const status = e.status_code ?? 0;
      if (status === 404) {
        return new EmbedderUnavailableError(
          `ollama at ${this.opts.host} has no model ${this.opts.model}: ${e.message} (run: ollama pull ${this.opts.model})`,
          false,
        );
      }
      return new EmbedderUnavailableError(`ollama at ${this.opts.host} answered ${status}: ${e.message}`, status >= 500 || status === 429);
    }
    if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return new EmbedderUnavailableError(`ollama at ${this.opts.host} did not answer in time`);
    return new EmbedderUnavailableError(`cannot reach ollama at ${this.opts.host}: ${e?.cause?.code ?? e?.message ?? String(err)}`);
  }

  async close(): Promise<void> {}
}
