/** Messages between the search pool (main thread) and its workers, and errors across the thread boundary. */
import { ContextdError, knownCode } from '../errors.js';
import type { ChunkRow, ViewFilter } from '../store/types.js';
import type { SearchHit, SearchOptions } from './search.js';

export type SemanticHit = ChunkRow & { similarity: number };

/** What crosses threads: the options without the vector retriever (a function), plus whether there is one. */
export type PoolSearchOptions = Omit<SearchOptions, 'semantic' | 'trace'>;

export interface WireError {
  message: string;
  /** Set for a ContextdError: the main thread rebuilds it, so users read the same message and hint. */
  code?: string;
  hint?: string;
  exitCode?: number;
}

export type ToWorker =
  | { type: 'search'; id: number; query: string; opts: PoolSearchOptions; semantic: boolean }
  | { type: 'semantic-result'; ask: number; hits?: SemanticHit[]; error?: WireError };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; id: number; hits?: SearchHit[]; error?: WireError }
  | { type: 'semantic'; id: number; ask: number; query: string; filter: ViewFilter; limit: number };

export function serializeError(err: unknown): WireError {
  if (err instanceof ContextdError) return { message: err.message, code: err.code, hint: err.hint, exitCode: err.exitCode };
  return { message: err instanceof Error ? err.message : String(err) };
}

export function deserializeError(e: WireError): Error {
  if (e.code) return new ContextdError(knownCode(e.code, 'daemon-error'), e.message, { hint: e.hint, exitCode: e.exitCode });
  return new Error(e.message);
}
