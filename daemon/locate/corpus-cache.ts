/**
 * The file side of a locate corpus on disk (under the data directory): tokenizing every file
 * is most of a corpus's cost (seconds on 5,000 files), and the result only changes with an
 * index run. A cache: keyed by what it was built from, rebuilt on any mismatch or read error,
 * written atomically (temp file + rename).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { Bm25Index, type Bm25State } from './bm25.js';
import type { FileSide } from './corpus.js';

/** Bump when tokens(), the path field or the index layout change. */
export const CORPUS_CACHE_FORMAT = 1;

interface Saved {
  format: number;
  key: string;
  files: string[];
  bm25: Bm25State;
}

export function loadFileSide(path: string, key: string): FileSide | null {
  try {
    const saved = deserialize(readFileSync(path)) as Saved;
    if (saved.format !== CORPUS_CACHE_FORMAT || saved.key !== key) return null;
    return { files: saved.files, fileBm25: Bm25Index.fromState(saved.bm25) };
  } catch {
    return null; // missing or unreadable: rebuilt from the store
  }
}

export function saveFileSide(path: string, key: string, side: FileSide): void {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.${process.pid}.tmp`;
    const saved: Saved = { format: CORPUS_CACHE_FORMAT, key, files: side.files, bm25: side.fileBm25.state() };
    writeFileSync(tmp, serialize(saved), { mode: 0o600 });
    renameSync(tmp, path);
  } catch {
    // A cache that cannot be written costs the next process a rebuild, nothing else.
  }
}
