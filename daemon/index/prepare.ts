/**
 * Everything done for one changed file before the store sees it: read, hash, content
 * checks, parse, per-chunk extras. It runs in the parse worker (index-worker.ts), so the
 * main thread, which writes, never reads file bytes or sends text across threads: on a
 * large first index the reads, hashes and secret scans were a fifth of its time.
 */
import { readFile } from 'node:fs/promises';
import { classifyContent } from '../repo/content-filter.js';
import { gitBlobId, type ObjectFormat } from '../repo/git.js';
import type { ChunkOptions, ParsedFile } from '../lang/types.js';
import { enrich, type EnrichedParse } from './enrich.js';

export interface PrepareJob {
  /** Absolute path to read. */
  abs: string;
  /** Repo-relative path (the chunker's rules look at it). */
  path: string;
  language: string;
  objectFormat: ObjectFormat;
  /** Chunker options (e.g. `graph: false` when the code graph is turned off). */
  opts?: ChunkOptions;
}

/** What the indexer's worker is asked: one file to prepare, or (the built-in model's) documents to embed. */
export type WorkerTask = { kind: 'prepare'; job: PrepareJob } | { kind: 'embed'; texts: string[] };

export type Prepared =
  /** Gone or unreadable between the scan and the read: counted, settled by the next reconcile. */
  | { kind: 'unread'; reason: 'vanished' | 'unreadable' }
  | { kind: 'skipped'; blob: string; size: number; reason: string }
  | { kind: 'parsed'; blob: string; size: number; encoding: string; parsed: EnrichedParse };

export async function prepareContent(
  job: PrepareJob,
  parse: (path: string, text: string, language: string, opts?: ChunkOptions) => Promise<ParsedFile>,
): Promise<Prepared> {
  let buf: Buffer;
  try {
    buf = await readFile(job.abs);
  } catch (err) {
    return { kind: 'unread', reason: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'vanished' : 'unreadable' };
  }
  // The hash of what was actually read: the key must match the bytes indexed, even if the file moved on since the scan.
  const blob = gitBlobId(buf, job.objectFormat);
  const classified = classifyContent(job.path, buf);
  if ('skip' in classified) return { kind: 'skipped', blob, size: buf.length, reason: classified.skip };
  const parsed = enrich(await parse(job.path, classified.text, job.language, job.opts));
  return { kind: 'parsed', blob, size: buf.length, encoding: classified.encoding, parsed };
}
