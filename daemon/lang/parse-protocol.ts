/** Messages between ParsePool and parse-worker. Kept small: the text goes in, the ParsedFile comes out. */
import type { ChunkOptions, ParsedFile } from './types.js';

export interface ParseJobMessage {
  type: 'parse';
  id: number;
  path: string;
  text: string;
  language: string;
  opts?: ChunkOptions;
}

/**
 * A job the worker script defines itself (the indexer's worker reads, checks and parses a
 * file by path, so the text never crosses threads); a worker that knows no tasks answers an error.
 */
export interface TaskJobMessage {
  type: 'task';
  id: number;
  /** Names the job in errors and timeouts (a path). */
  path: string;
  payload: unknown;
}

export type JobMessage = ParseJobMessage | TaskJobMessage;

export type ParseReplyMessage =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: ParsedFile }
  | { type: 'task-result'; id: number; result: unknown }
  | { type: 'error'; id: number; message: string };
