/**
 * What the store needs per chunk beyond the chunker's output: the content hash
 * and the identifier-split lexical text. Computed in the parse workers (this is
 * a third of the main thread's work on a large index otherwise), and here as the
 * fallback when parsing ran in-process.
 */
import type { ParsedFile } from '../lang/types.js';
import { CHUNKER_VERSION } from '../lang/languages.js';
import { indexText } from '../search/tokenize.js';
import { chunkHash } from './keys.js';

export interface ChunkExtras {
  hash: string;
  lexSymbol: string;
  lexBody: string;
}

export type EnrichedParse = ParsedFile & { extras?: ChunkExtras[] };

export function enrich(parsed: ParsedFile): EnrichedParse {
  return {
    ...parsed,
    extras: parsed.chunks.map((c) => ({
      hash: chunkHash(parsed.language, CHUNKER_VERSION, c.text),
      lexSymbol: c.symbol ? indexText(c.symbol) : '',
      lexBody: indexText(c.text),
    })),
  };
}

/** The extras of a parse, computing them when the worker did not (in-process parsing). */
export function extrasOf(parsed: EnrichedParse): ChunkExtras[] {
  return parsed.extras && parsed.extras.length === parsed.chunks.length ? parsed.extras : enrich(parsed).extras!;
}
