/**
 * What an index run would do, without doing it: the same scan and the same
 * content checks as the indexer (so the numbers match what the index then
 * holds), but no parsing and no writes. Fast enough to run before `add`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyContent } from '../repo/content-filter.js';
import { findRepoRoot } from '../repo/git.js';
import { scanRepo } from '../repo/scanner.js';
import { languageForPath } from '../lang/languages.js';
import type { IndexConfig } from '../config/config.js';

export interface IndexPreview {
  root: string;
  head: string | null;
  files: number;
  bytes: number;
  byLanguage: Record<string, { files: number; bytes: number }>;
  skipped: Record<string, number>;
  ignored: number;
  /** Top directories (first path segment, or `.` for files at the root) by bytes to index. */
  largestDirs: { dir: string; files: number; bytes: number }[];
  estimate: { chunks: number; embedSeconds: number };
  /** Set when most of the bytes sit under directories that usually hold build output. */
  buildOutput: { dirs: string[]; share: number } | null;
  durationMs: number;
}

/** Directory names that usually hold generated build output rather than source. */
export const BUILD_OUTPUT_DIRS = ['dist', 'build', 'target', 'out', 'node_modules', '.next', 'coverage', 'bin', 'obj'];

/** Average source bytes per chunk, measured on the Python stdlib and this repository (about 700). */
const BYTES_PER_CHUNK = 700;
/**
 * Embedding rate of the built-in static model with its store writes (chunks/s): ~10,000
 * measured on the stdlib (daemon/embed/model/MODEL.md); halved to stay conservative.
 */
const EMBED_CHUNKS_PER_SECOND = 5000;

export async function previewRepository(config: IndexConfig, path: string): Promise<IndexPreview> {
  const started = performance.now();
  const root = await findRepoRoot(path);
  const scan = await scanRepo(root, { maxFileBytes: config.maxFileBytes, exclude: config.exclude });
  const skipped: Record<string, number> = {};
  for (const s of scan.skipped) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1;
  const byLanguage: IndexPreview['byLanguage'] = {};
  const dirs = new Map<string, { files: number; bytes: number }>();
  let files = 0;
  let bytes = 0;
  // Read in parallel, but bounded: a preview must not exhaust file descriptors on a huge tree.
  let next = 0;
  const worker = async () => {
    while (next < scan.files.length) {
      const file = scan.files[next++];
      let buf: Buffer;
      try {
        buf = await readFile(join(root, file.path));
      } catch {
        skipped.unreadable = (skipped.unreadable ?? 0) + 1;
        continue;
      }
      const c = classifyContent(file.path, buf);
      if ('skip' in c) {
        skipped[c.skip] = (skipped[c.skip] ?? 0) + 1;
        continue;
      }
      files++;
      bytes += buf.length;
      const lang = languageForPath(file.path) ?? 'text';
      const l = (byLanguage[lang] ??= { files: 0, bytes: 0 });
      l.files++;
      l.bytes += buf.length;
      const slash = file.path.indexOf('/');
      const dir = slash < 0 ? '.' : file.path.slice(0, slash);
      const d = dirs.get(dir) ?? { files: 0, bytes: 0 };
      d.files++;
      d.bytes += buf.length;
      dirs.set(dir, d);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));

  const largestDirs = [...dirs.entries()]
    .map(([dir, v]) => ({ dir, ...v }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 10);
  const buildDirs = [...dirs.entries()].filter(([dir]) => BUILD_OUTPUT_DIRS.includes(dir));
  const buildBytes = buildDirs.reduce((n, [, v]) => n + v.bytes, 0);
  const share = bytes ? buildBytes / bytes : 0;
  const chunks = Math.round(bytes / BYTES_PER_CHUNK);
  return {
    root,
    head: scan.head,
    files,
    bytes,
    byLanguage,
    skipped,
    ignored: scan.ignoredCount,
    largestDirs,
    estimate: { chunks, embedSeconds: Math.round(chunks / EMBED_CHUNKS_PER_SECOND) },
    buildOutput: share > 0.5 ? { dirs: buildDirs.map(([d]) => d), share: Math.round(share * 100) / 100 } : null,
    durationMs: Math.round(performance.now() - started),
  };
}
