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

export type ParseReplyMessage = { type: 'ready' } | { type: 'result'; id: number; result: ParsedFile } | { type: 'error'; id: number; message: string };
