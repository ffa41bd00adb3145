/**
 * The built-in embedder: word vectors learned from the indexed code itself
 * (codevec.ts), so it works offline with nothing to download. Documents are
 * identifier-split and stemmed; queries also get their lexicon synonyms at a
 * lower weight. Vectors are unit length.
 */
import { createHash } from 'node:crypto';
import { embedWords, deserializeCodeVec, serializeCodeVec, trainCodeVectors, type CodeVecModel, type CodeVecOptions } from './codevec.js';
import { expandQuery } from './lexicon.js';
import { codeWords, queryWords } from './text.js';
import type { Embedder, EmbedKind } from './types.js';

/** Bump when tokenization or pooling changes: vectors of another version are not comparable. */
export const CODEVEC_VERSION = 1;

/** Words of a chunk that the model sees (long chunks are capped; the head says most). */
const MAX_DOC_WORDS = 400;
/**
 * Weight of lexicon synonyms in a query vector. Measured on bench/quality:
 * 0.2 is neutral, 0.4 costs 15% MRR@10 of semantic search; kept low for the
 * synonym cases it exists for (remove/delete, fetch/load).
 */
const SYNONYM_WEIGHT = 0.15;

/** A chunk's words, its first non-blank line (the signature: the name says most) counted twice. */
function documentWords(text: string): string[] {
  const first = text.split('\n', 8).find((l) => l.trim() !== '') ?? '';
  return [...codeWords(first, 40), ...codeWords(text, MAX_DOC_WORDS)];
}

export class CodeVecEmbedder implements Embedder {
  readonly name = 'codevec';
  readonly dimension: number;

  constructor(
    readonly model: CodeVecModel,
    readonly modelId: string,
  ) {
    this.dimension = model.dim;
  }

  static fromBlob(modelId: string, blob: Buffer): CodeVecEmbedder {
    return new CodeVecEmbedder(deserializeCodeVec(blob), modelId);
  }

  async embed(texts: string[], kind: EmbedKind): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t, kind));
  }

  embedOne(text: string, kind: EmbedKind): Float32Array {
    if (kind === 'query') {
      const { words, weights } = expandQuery(queryWords(text), SYNONYM_WEIGHT);
      return embedWords(this.model, words, weights);
    }
    return embedWords(this.model, documentWords(text));
  }

  async close(): Promise<void> {}
}

/** Trains a model on chunk texts; returns its id and serialized weights. Deterministic for the same texts. */
export function trainCodeVecBlob(texts: string[], options: CodeVecOptions = {}): { modelId: string; dim: number; blob: Buffer } {
  const docs = texts.map((t) => documentWords(t));
  const model = trainCodeVectors(docs, options);
  const blob = serializeCodeVec(model);
  const digest = createHash('sha1').update(blob).digest('hex').slice(0, 12);
  return { modelId: `codevec-${CODEVEC_VERSION}:${digest}`, dim: model.dim, blob };
}
