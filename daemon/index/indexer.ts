/**
 * The index pipeline for one repository: scan -> diff against the stored view ->
 * for each changed file: reuse a known parse, or read, classify, parse and store
 * -> drop deleted paths. Each file is stored in its own transaction; the repo's
 * indexed commit only moves once every file is done, so an interrupted run is
 * simply finished by the next one.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { classifyContent } from '../repo/content-filter.js';
import { findRepoRoot, gitBlobId, type ObjectFormat } from '../repo/git.js';
import { scanRepo, type ScannedFile } from '../repo/scanner.js';
import { CHUNKER_VERSION, languageForPath } from '../lang/languages.js';
import type { ParsePool } from '../lang/parse-pool.js';
import type { MetadataStore } from '../store/types.js';
import type { IndexConfig } from '../config/config.js';
import { chunkHash, contentKey } from './keys.js';

export type IndexPhase = 'scan' | 'index' | 'cleanup';

export interface IndexProgress {
  phase: IndexPhase;
  done: number;
  total: number;
  path?: string;
}

export interface IndexSummary {
  root: string;
  repoId: number;
  head: string | null;
  shallow: boolean;
  /** Files in the view after the run, and what they hold. */
  files: number;
  chunks: number;
  symbols: number;
  bytes: number;
  languages: Record<string, number>;
  /** What this run did. */
  parsed: number;
  reused: number;
  unchanged: number;
  deleted: number;
  newChunks: number;
  bytesParsed: number;
  /** Files left out, by reason (scan-time and content-time), plus what git ignores. */
  skipped: Record<string, number>;
  ignored: number;
  durationMs: number;
}

export interface IndexDeps {
  store: MetadataStore;
  pool: ParsePool;
  config: IndexConfig;
}

export interface IndexOptions {
  onProgress?: (p: IndexProgress) => void;
  /**
   * Only reconcile these repo-relative paths (files or directories), e.g. from file
   * events; default: the whole tree. The indexed commit only moves on whole-tree runs.
   */
  paths?: string[];
  signal?: AbortSignal;
}

const TEXT_LANGUAGE = 'text';

/** What the run will do for one scanned file. */
type Plan = { file: ScannedFile; language: string; key: string; objectFormat: ObjectFormat };

export async function indexRepository(deps: IndexDeps, path: string, opts: IndexOptions = {}): Promise<IndexSummary> {
  const started = performance.now();
  const { store, pool, config } = deps;
  const root = await findRepoRoot(path);
  const repo = await store.ensureRepo(root, basename(root));
  const progress = opts.onProgress ?? (() => {});

  progress({ phase: 'scan', done: 0, total: 0 });
  const limited = opts.paths !== undefined;
  const scan = await scanRepo(root, {
    maxFileBytes: config.maxFileBytes,
    exclude: config.exclude,
    include: limited ? opts.paths!.map(escapeGlob) : undefined,
    countIgnored: !limited,
  });
  const existing = await store.listFiles(repo.id);

  const skipped: Record<string, number> = {};
  for (const s of scan.skipped) skipped[s.reason] = (skipped[s.reason] ?? 0) + 1;

  const plans: Plan[] = [];
  let unchanged = 0;
  for (const file of scan.files) {
    const language = languageForPath(file.path) ?? TEXT_LANGUAGE;
    const key = contentKey(file.blob, language, CHUNKER_VERSION);
    const prev = existing.get(file.path);
    if (prev && prev.contentKey === key) {
      unchanged++;
      if (prev.status === 'skipped' && prev.skipReason) skipped[prev.skipReason] = (skipped[prev.skipReason] ?? 0) + 1;
      continue;
    }
    plans.push({ file, language, key, objectFormat: scan.objectFormat });
  }
  const live = new Set(scan.files.map((f) => f.path));
  const inScope = limited ? underAny(opts.paths!) : () => true;
  const gone = [...existing.keys()].filter((p) => !live.has(p) && inScope(p));

  let parsed = 0;
  let reused = 0;
  let newChunks = 0;
  let bytesParsed = 0;
  let done = 0;
  progress({ phase: 'index', done, total: plans.length });

  const processOne = async (plan: Plan): Promise<void> => {
    const outcome = await indexFile(deps, root, repo.id, plan);
    if (outcome.kind === 'reused') reused++;
    else if (outcome.kind === 'parsed') {
      parsed++;
      newChunks += outcome.newChunks;
      bytesParsed += outcome.bytes;
    } else skipped[outcome.reason] = (skipped[outcome.reason] ?? 0) + 1;
    done++;
    progress({ phase: 'index', done, total: plans.length, path: plan.file.path });
  };

  // Keep every parse worker busy, plus one job queued for each, while writes stay sequential.
  const inFlight = Math.max(2, pool.size * 2);
  let next = 0;
  const runners = Array.from({ length: Math.min(inFlight, plans.length) }, async () => {
    while (next < plans.length) {
      if (opts.signal?.aborted) return;
      const plan = plans[next++];
      await processOne(plan);
    }
  });
  await Promise.all(runners);
  if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('index aborted');

  progress({ phase: 'cleanup', done: 0, total: gone.length });
  if (gone.length) await store.deleteFiles(repo.id, gone);

  const stats = await store.stats(repo.id);
  const summary: IndexSummary = {
    root,
    repoId: repo.id,
    head: scan.head,
    shallow: scan.shallow,
    files: stats.files,
    chunks: stats.chunks,
    symbols: stats.symbols,
    bytes: stats.bytes,
    languages: stats.languages,
    parsed,
    reused,
    unchanged,
    deleted: gone.length,
    newChunks,
    bytesParsed,
    skipped,
    ignored: scan.ignoredCount,
    durationMs: Math.round(performance.now() - started),
  };
  await store.updateRepo(repo.id, limited ? { indexedAt: Date.now(), lastError: null } : {
    indexedCommit: scan.head,
    indexedAt: Date.now(),
    lastSummary: JSON.stringify(summary),
    lastError: null,
  });
  return summary;
}

/** A literal path as a picomatch glob (file names may hold glob characters). */
function escapeGlob(path: string): string {
  return path.replace(/[\\*?[\]{}()!+@]/g, '\\$&');
}

/** True for a path equal to, or inside, one of the given paths. */
function underAny(paths: string[]): (p: string) => boolean {
  const exact = new Set(paths);
  const dirs = paths.map((p) => (p.endsWith('/') ? p : p + '/'));
  return (p) => exact.has(p) || dirs.some((d) => p.startsWith(d));
}

type FileOutcome = { kind: 'reused' } | { kind: 'parsed'; newChunks: number; bytes: number } | { kind: 'skipped'; reason: string };

async function indexFile(deps: IndexDeps, root: string, repoId: number, plan: Plan): Promise<FileOutcome> {
  const { store, pool } = deps;
  const { file, language } = plan;
  const known = await store.findParse(plan.key);
  if (known !== null) {
    await store.writeFile(repoId, {
      path: file.path,
      blob: file.blob,
      contentKey: plan.key,
      size: file.size,
      language,
      encoding: null,
      content: { kind: 'reuse', parseId: known },
    });
    return { kind: 'reused' };
  }

  let buf: Buffer;
  try {
    buf = await readFile(join(root, file.path));
  } catch (err) {
    // The file vanished or became unreadable between scan and read: record why, move on.
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'vanished' : 'unreadable';
    return { kind: 'skipped', reason };
  }
  // Hash what we actually read, so the key matches the bytes we index even if the file moved on since the scan.
  const blob = gitBlobId(buf, plan.objectFormat);
  const key = blob === file.blob ? plan.key : contentKey(blob, language, CHUNKER_VERSION);
  const classified = classifyContent(file.path, buf);
  if ('skip' in classified) {
    await store.writeFile(repoId, {
      path: file.path,
      blob,
      contentKey: key,
      size: buf.length,
      language,
      encoding: null,
      content: { kind: 'skipped', reason: classified.skip },
    });
    return { kind: 'skipped', reason: classified.skip };
  }
  const parsedFile = await pool.parse(file.path, classified.text, language);
  const chunkHashes = parsedFile.chunks.map((c) => chunkHash(parsedFile.language, CHUNKER_VERSION, c.text));
  const outcome = await store.writeFile(repoId, {
    path: file.path,
    blob,
    contentKey: key,
    size: buf.length,
    language,
    encoding: classified.encoding,
    content: { kind: 'parsed', parsed: parsedFile, chunkHashes },
  });
  return { kind: 'parsed', newChunks: outcome.newChunks, bytes: buf.length };
}
