/**
 * The metadata store: repositories, file views, content-addressed parses and
 * chunks, symbols and the lexical index. One interface, one module per backend
 * (SQLite now; PostgreSQL behind the same contract). Async so that network
 * backends fit; the SQLite backend simply resolves at once.
 */
import type { ChunkKind, ParsedFile, SymbolKind } from '../lang/types.js';

export interface RepoRecord {
  id: number;
  root: string;
  name: string;
  addedAt: number;
  /** Commit the index reflects (HEAD at the end of the last complete index run). */
  indexedCommit: string | null;
  indexedAt: number | null;
  /** Last index run's summary, as JSON, for status displays. */
  lastSummary: string | null;
  lastError: string | null;
  /** Watched and kept fresh by the daemon (`contextd add`). */
  registered: boolean;
}

export type FileStatus = 'indexed' | 'skipped';

/** One row of a repository's view: what is at `path` in the working tree. */
export interface FileRecord {
  path: string;
  blob: string;
  contentKey: string;
  size: number;
  language: string | null;
  status: FileStatus;
  skipReason: string | null;
  parseId: number | null;
}

/** How a file's content got into the store. */
export type FileContent =
  | { kind: 'parsed'; parsed: ParsedFile; /** Content hash of each chunk, aligned with parsed.chunks. */ chunkHashes: string[] }
  | { kind: 'reuse'; parseId: number }
  | { kind: 'skipped'; reason: string };

export interface FileWrite {
  path: string;
  blob: string;
  contentKey: string;
  size: number;
  language: string | null;
  encoding: string | null;
  content: FileContent;
}

export interface WriteOutcome {
  parseId: number | null;
  /** Chunks whose text the store had never seen (new content). */
  newChunks: number;
  /** Set when this file could not be stored (the others of its batch still were). */
  error?: string;
}

export interface ViewFilter {
  repoIds?: number[];
  languages?: string[];
  /** JavaScript-compatible regular expressions on the repo-relative path (any must match). */
  pathRegexes?: string[];
}

export interface LexicalQuery extends ViewFilter {
  /** An FTS5 MATCH expression over the `symbol` and `body` columns. */
  match: string;
  limit: number;
}

export interface ChunkRow {
  /** Stable id of the chunk occurrence within its parse (not of the view row). */
  occurrenceId: number;
  chunkHash: string;
  repoId: number;
  path: string;
  language: string;
  startLine: number;
  endLine: number;
  symbol: string | null;
  kind: ChunkKind;
  text: string;
}

export interface LexicalRow extends ChunkRow {
  /** BM25 score, higher is better. */
  bm25: number;
}

export interface SymbolRow {
  repoId: number;
  path: string;
  language: string;
  name: string;
  kind: SymbolKind;
  container: string | null;
  startLine: number;
  endLine: number;
  nameLine: number;
  nameColumn: number;
  signature: string;
}

export interface SymbolLookup extends ViewFilter {
  /** Exact names to fetch (the fuzzy matching happens above the store). */
  names: string[];
  kinds?: string[];
  limit: number;
}

export interface ViewStats {
  files: number;
  skipped: number;
  chunks: number;
  symbols: number;
  bytes: number;
  languages: Record<string, number>;
}

export interface JobBatch {
  /** Reconcile the whole tree (paths then lists everything taken, for bookkeeping). */
  full: boolean;
  paths: string[];
  reasons: string[];
  /** (path, seq) pairs taken, so finishing only removes what was not re-queued. */
  taken: [string, number][];
}

export interface MetadataStore {
  readonly backend: string;
  /** Where the data lives, for status output (a path or a redacted URL). */
  readonly location: string;

  ensureRepo(root: string, name: string): Promise<RepoRecord>;
  getRepo(root: string): Promise<RepoRecord | null>;
  getRepoById(id: number): Promise<RepoRecord | null>;
  listRepos(): Promise<RepoRecord[]>;
  updateRepo(id: number, patch: Partial<Pick<RepoRecord, 'indexedCommit' | 'indexedAt' | 'lastSummary' | 'lastError' | 'registered'>>): Promise<void>;
  removeRepo(id: number): Promise<void>;

  listFiles(repoId: number): Promise<Map<string, FileRecord>>;
  /** Parse id for a content key when the store already holds that parse. */
  findParse(contentKey: string): Promise<number | null>;
  /** Stores one file atomically: its parse (when new), chunks, symbols, index rows and view row. */
  writeFile(repoId: number, file: FileWrite): Promise<WriteOutcome>;
  /**
   * Stores several files in one transaction (each file is still all-or-nothing;
   * batching only saves commits, which dominate the cost of a large index).
   */
  writeFiles(repoId: number, files: FileWrite[]): Promise<WriteOutcome[]>;
  deleteFiles(repoId: number, paths: string[]): Promise<void>;

  searchLexical(query: LexicalQuery): Promise<LexicalRow[]>;
  /** All distinct symbol names in the store (for fuzzy matching above the store; cached by the backend). */
  symbolNames(): Promise<string[]>;
  lookupSymbols(query: SymbolLookup): Promise<SymbolRow[]>;
  /** Chunks of a file in the current view, in order. */
  fileChunks(repoId: number, path: string): Promise<ChunkRow[]>;

  stats(repoId?: number): Promise<ViewStats>;

  /** Queue work for a repository: some paths, or (null) a reconcile of the whole tree. */
  enqueue(repoId: number, paths: string[] | null, reason: string): Promise<void>;
  /** Pending job counts per repository. */
  pendingJobs(): Promise<Map<number, number>>;
  /** The oldest pending work of a repository (a whole-tree job swallows path jobs). */
  takeJobs(repoId: number, max: number): Promise<JobBatch | null>;
  /** Removes the jobs of a batch, unless they were queued again since it was taken. */
  finishJobs(repoId: number, batch: JobBatch): Promise<void>;
  /** Deletes parses and chunks no view references. Returns what was removed. */
  prune(): Promise<{ parses: number; chunks: number }>;
  close(): Promise<void>;
}
