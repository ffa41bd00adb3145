/**
 * The metadata store's interfaces, one per concern (repositories and views, chunks and the
 * lexical index, the job queue, history; vectors in vector-types.ts), and the plain data
 * they exchange. Async so that network backends fit; the SQLite backend resolves at once.
 */
import type { ChunkKind, CodePattern, FileGraph, ParsedFile, PatternTag, RefKind, SymbolKind } from '../lang/types.js';
import type { RepoLock } from './repo-lock.js';
import type { LocateStore } from './locate-types.js';

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
  | {
      kind: 'parsed';
      parsed: ParsedFile;
      /** Content hash of each chunk, aligned with parsed.chunks. */
      chunkHashes: string[];
      /** Identifier-split lexical text per chunk (computed off the main thread); derived from the chunk when absent. */
      lexical?: { symbol: string; body: string }[];
    }
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
  /** Only chunks with at least one line last changed by a matching commit (see HistoryFilter). */
  history?: HistoryFilter;
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
  /** BM25 score with the row's own repository's statistics (store/repo-bm25.ts), higher is better. */
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

/** What a store says about itself for `contextd status` / `doctor`. */
export interface StoreHealth {
  healthy: boolean;
  backend: string;
  location: string;
  /** The server's or library's version, when it answered. */
  version: string | null;
  /** Round trip of the probe (ms), when it answered. */
  latencyMs: number | null;
  /** Why it is unhealthy, and what to do about it. */
  error?: string;
  hint?: string;
}

/** Repositories and their views (which content is at which path). */
export interface RepoStore {
  ensureRepo(root: string, name: string): Promise<RepoRecord>;
  getRepo(root: string): Promise<RepoRecord | null>;
  getRepoById(id: number): Promise<RepoRecord | null>;
  listRepos(): Promise<RepoRecord[]>;
  updateRepo(id: number, patch: Partial<Pick<RepoRecord, 'indexedCommit' | 'indexedAt' | 'lastSummary' | 'lastError' | 'registered'>>): Promise<void>;
  removeRepo(id: number): Promise<void>;
  listFiles(repoId: number): Promise<Map<string, FileRecord>>;
  deleteFiles(repoId: number, paths: string[]): Promise<void>;
  stats(repoId?: number): Promise<ViewStats>;
}

/** Content-addressed parses: chunks, symbols and the lexical index over them. */
export interface ChunkStore {
  /** Parse id for a content key when the store already holds that parse. */
  findParse(contentKey: string): Promise<number | null>;
  /** Stores one file atomically: its parse (when new), chunks, symbols, index rows and view row. */
  writeFile(repoId: number, file: FileWrite): Promise<WriteOutcome>;
  /**
   * Stores several files in one transaction (each file is still all-or-nothing;
   * batching only saves commits, which dominate the cost of a large index).
   */
  writeFiles(repoId: number, files: FileWrite[]): Promise<WriteOutcome[]>;
  searchLexical(query: LexicalQuery): Promise<LexicalRow[]>;
  /**
   * In how many indexed chunks each lexical token occurs, and how many chunks there
   * are (approximate, possibly cached): lets the lexical retriever leave out words
   * so common that matching them only costs time. With `repoIds`: exact counts over
   * those repositories' views (chunk occurrences), never other repositories'.
   * Optional for backends.
   */
  documentFrequencies?(tokens: string[], repoIds?: number[]): Promise<{ total: number; df: Map<string, number> }>;
  /** All distinct symbol names in the store (for fuzzy matching above the store; cached by the backend). */
  symbolNames(): Promise<string[]>;
  lookupSymbols(query: SymbolLookup): Promise<SymbolRow[]>;
  /** Chunks of a file in the current view, in order. */
  fileChunks(repoId: number, path: string): Promise<ChunkRow[]>;
}

/** The persistent job queue (see the invariants in ARCHITECTURE.md). */
export interface JobQueue {
  /** Queue work for a repository: some paths, or (null) a reconcile of the whole tree. */
  enqueue(repoId: number, paths: string[] | null, reason: string): Promise<void>;
  /** Pending job counts per repository. */
  pendingJobs(): Promise<Map<number, number>>;
  /** The oldest pending work of a repository (a whole-tree job swallows path jobs). */
  takeJobs(repoId: number, max: number): Promise<JobBatch | null>;
  /** Removes the jobs of a batch, unless they were queued again since it was taken. */
  finishJobs(repoId: number, batch: JobBatch): Promise<void>;
}

/** Git history: commits, blame per file, co-change (see daemon/index/history.ts). */
export interface HistoryStore {
  /** Where the repository's commit table stands, or null before its first history run. */
  historyState(repoId: number): Promise<HistoryState | null>;
  /** Forgets the log tip and which commits belong to the repository (a full log walk follows). */
  resetHistoryLog(repoId: number): Promise<void>;
  /** Stores commits (once per id, shared by every repository holding them) and links them to the repository. Returns how many were new. */
  addCommits(repoId: number, commits: CommitRecord[]): Promise<number>;
  /**
   * Ends a log update atomically: moves the tip, unlinks commits no longer reachable,
   * and marks the files whose blame those commits may change as stale. Returns which of
   * `stalePaths` were stale already (their stored blame predates more than this update).
   */
  finishLogUpdate(repoId: number, update: LogUpdate): Promise<{ alreadyStale: string[] }>;
  /** Every path (old and new names) that the given commits changed. */
  commitPaths(shas: string[]): Promise<string[]>;
  /**
   * Paths (of `paths`) that exactly one commit of the repository ever changed, by adding them:
   * every line of such a file, unchanged since, belongs to that commit (no blame needed).
   */
  soleAdditions(repoId: number, paths: string[]): Promise<Map<string, string>>;
  /**
   * Files of the view whose blame is missing, out of date (content changed) or stale; blame rows
   * of paths no longer in the view. Limited to `paths` when given (a run that changed only those).
   */
  blameWork(repoId: number, paths?: string[]): Promise<BlameWork>;
  /** Stores each file's blame in its own savepoint (batched in one transaction); returns a per-file error or null. */
  writeBlames(repoId: number, files: BlameWrite[]): Promise<(string | null)[]>;
  deleteBlames(repoId: number, paths: string[]): Promise<void>;
  /** A file's stored blame as it is (any status, stale or not), commits as ids; null when there is none. */
  fileBlame(repoId: number, path: string): Promise<StoredBlame | null>;
  /** Who owns each requested line range now, with the commits' details. */
  blameForRanges(queries: LineRangeQuery[]): Promise<RangeBlame[]>;
  /** Chunks whose lines are still owned by commits whose message matches (the history retriever). */
  searchCommitChunks(query: CommitSearchQuery): Promise<CommitChunkRow[]>;
  /** Commits of the repository that changed any of `paths`, newest first. */
  fileCommits(repoId: number, paths: string[], limit: number): Promise<FileCommit[]>;
  /** Every rename recorded in the repository's commits, newest first. */
  renames(repoId: number): Promise<RenameRecord[]>;
  /** Files changed in the same commits as any of `paths` (commits with more than `maxFiles` files ignored). */
  coChange(repoId: number, paths: string[], maxFiles: number): Promise<CoChangeCounts>;
  /** The repository's commits in a time window, newest first, with the files each changed. */
  recentCommits(query: CommitQuery): Promise<CommitWithFiles[]>;
  /** Counts for status output. */
  historyStats(repoId: number): Promise<HistoryStats>;
}

/** The whole metadata store: every concern's interface, on one connection, plus its own upkeep. */
export interface MetadataStore extends RepoStore, ChunkStore, JobQueue, HistoryStore, GraphStore, LocateStore {
  readonly backend: string;
  /** Where the data lives, for status output (a path or a redacted URL). */
  readonly location: string;
  /** Held around an index run so two processes sharing the store never index one repository at once. */
  readonly repoLock: RepoLock;
  /** A live probe: answers, version, round trip. Never throws. */
  health(): Promise<StoreHealth>;
  /** An integrity check of the stored data (SQLite: `PRAGMA quick_check`): the problem found, or null. */
  checkIntegrity?(): string | null;
  /** A query failed with `err`: a store that recognises corruption reports it in `health()` from now on. */
  noteError?(err: unknown): void;
  /** Deletes parses and chunks no view references, and commits no repository reaches or blames. Returns what was removed (`commits` only when some were). */
  prune(): Promise<{ parses: number; chunks: number; commits?: number }>;
  close(): Promise<void>;
}

// ---- Git history types (plain data: no backend leaks through them) ----

/** Restricts to lines last changed by a commit matching every given field. Times are unix seconds. */
export interface HistoryFilter {
  /** Case-insensitive substring of the author's name or email. */
  author?: string;
  since?: number;
  until?: number;
}

export interface CommitFileChange {
  /** A, M, D, T, R (renamed), C (copied). */
  status: string;
  path: string;
  /** The path before a rename or copy. */
  oldPath: string | null;
}

/** A commit as the log walk reads it. Times are unix seconds. */
export interface CommitRecord {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authorTime: number;
  committerName: string;
  committerEmail: string;
  commitTime: number;
  subject: string;
  body: string;
  files: CommitFileChange[];
}

/** A stored commit. `filesChanged` is null when it is only known from blame so far. */
export interface CommitInfo {
  sha: string;
  parents: string[];
  authorName: string;
  authorEmail: string;
  authorTime: number;
  committerName: string;
  committerEmail: string;
  commitTime: number;
  subject: string;
  body: string;
  filesChanged: number | null;
}

export interface HistoryState {
  /** HEAD when the commit table was last brought up to date. */
  logTip: string | null;
  shallow: boolean;
  /** A shallow clone's graft commits: lines they own may be older than they look. */
  grafts: string[];
  updatedAt: number;
}

export interface LogUpdate {
  tip: string | null;
  shallow: boolean;
  grafts: string[];
  /** Commits no longer reachable from the tip (a branch switch, a rewrite). */
  removed: string[];
  /** Paths whose blame must be recomputed. */
  stalePaths: string[];
  /** Every file's blame must be recomputed (the log was walked again from scratch). */
  staleAll: boolean;
}

export type BlameStatus = 'blamed' | 'uncommitted' | 'too-large' | 'failed';

export interface BlameWrite {
  path: string;
  /** The view's blob this blame describes. */
  blob: string;
  status: BlameStatus;
  /** Why blame was skipped or failed. */
  detail: string | null;
  lines: number;
  /** Line ranges (1-based, inclusive) and the commit owning them; null = not committed yet. */
  ranges: { start: number; end: number; sha: string | null }[];
  /** Commits named by the ranges, as blame described them (stored only if the log has not stored them yet). */
  commits: CommitInfo[];
}

export interface StoredBlame {
  blob: string;
  status: BlameStatus;
  lines: number;
  stale: boolean;
  ranges: { start: number; end: number; sha: string | null }[];
}

export interface BlameWork {
  toBlame: { path: string; blob: string; size: number }[];
  orphans: string[];
}

export interface LineRangeQuery {
  repoId: number;
  path: string;
  startLine: number;
  endLine: number;
}

export interface RangeOwner {
  /** null: lines not committed yet. */
  commit: CommitInfo | null;
  lines: number;
  /** The owned lines inside the queried range. */
  ranges: [number, number][];
}

export interface RangeBlame {
  /** 'pending': no blame for the file's current content yet. */
  status: BlameStatus | 'pending';
  detail: string | null;
  owners: RangeOwner[];
}

export interface CommitSearchQuery extends ViewFilter {
  /** An FTS5 MATCH expression over commit subjects and bodies. */
  match: string;
  /** Best-matching commits to follow to chunks. */
  commitLimit: number;
  /** Commits that changed more files than this are left out (they explain no file in particular). */
  maxCommitFiles: number;
}

export interface CommitChunkRow extends ChunkRow {
  commitSha: string;
  commitSubject: string;
  commitBody: string;
  /** BM25 of the commit's message, higher is better. */
  commitScore: number;
  /** Lines of the chunk the commit still owns. */
  ownedLines: number;
}

export interface FileCommit extends CommitInfo {
  /** The path as that commit named it (an older name before a rename). */
  path: string;
  status: string;
}

export interface RenameRecord {
  from: string;
  to: string;
  sha: string;
  time: number;
}

export interface CoChangeCounts {
  /** Commits that changed the file (within the cut-off). */
  commits: number;
  /** Commits that changed the file but touched more than the cut-off. */
  ignored: number;
  /** Files changed in the same commits, with how many. */
  partners: { path: string; count: number }[];
}

export interface CommitQuery {
  repoId: number;
  since?: number;
  until?: number;
  author?: string;
  limit: number;
}

export interface CommitWithFiles extends CommitInfo {
  files: CommitFileChange[];
}

export interface HistoryStats {
  commits: number;
  logTip: string | null;
  shallow: boolean;
  files: Record<string, number>;
  pending: number;
}

// ---- The code graph (graph-store.ts; resolution and queries in daemon/graph/) ----

export interface GraphRefRow {
  path: string;
  language: string;
  name: string;
  line: number;
  column: number;
  kind: RefKind;
  enclosing: string | null;
  qualifier: string | null;
}

export interface GraphImportRow {
  path: string;
  local: string;
  module: string;
  name: string | null;
  line: number;
}

/** A code pattern on a line of a view file. */
export interface GraphPatternRow extends CodePattern {
  path: string;
  language: string;
}

/** What resolution reads of a file besides its uses. */
export interface GraphFileFacts {
  path: string;
  pkg: string | null;
  imports: GraphImportRow[];
  /** Class path -> the names it inherits from. */
  bases: Record<string, string[]>;
}

/** A view file whose parse has no graph facts of the current extractor version. */
export interface GraphPendingFile {
  path: string;
  blob: string;
  language: string;
  parseId: number;
}

/** Graph facts of one parse, to be stored. */
export interface GraphWrite {
  parseId: number;
  graph: FileGraph;
}

export interface GraphStore {
  /** Uses of any of `names` in the repository's view, in (path, line, column) order. */
  refsNamed(repoId: number, names: string[]): Promise<GraphRefRow[]>;
  /** Uses in these files of the view, optionally of one kind only, or between two lines (of a single file). */
  refsIn(repoId: number, paths: string[], opts?: { kind?: RefKind; lines?: { start: number; end: number } }): Promise<GraphRefRow[]>;
  /** The code patterns (endpoints, database queries, error handling) of the view, or of some files, of one tag. */
  patternsIn(repoId: number, opts?: { paths?: string[]; tag?: PatternTag }): Promise<GraphPatternRow[]>;
  /** Imports, package and class bases of these files of the view, in one read. */
  factsOf(repoId: number, paths: string[]): Promise<GraphFileFacts[]>;
  /** What each class of these files inherits from (class path -> base names), by file. */
  basesIn(repoId: number, paths: string[]): Promise<Map<string, Record<string, string[]>>>;
  /** The definitions (symbols) of these files of the view, in file order. */
  symbolsIn(repoId: number, paths: string[]): Promise<SymbolRow[]>;
  /** The imports of these files of the view. */
  importsOf(repoId: number, paths: string[]): Promise<GraphImportRow[]>;
  /** Files of the view importing a module whose spelling ends with one of `tails` (candidates; the resolver decides). */
  importersOf(repoId: number, names: string[]): Promise<GraphImportRow[]>;
  /** The declared package of these files (Go, Java), where they have one. */
  packagesOf(repoId: number, paths: string[]): Promise<Map<string, string>>;
  /** Files of the view in `languages` whose parse has no facts of `version` (at most `limit`). */
  graphPending(repoId: number, version: number, languages: readonly string[], limit: number): Promise<GraphPendingFile[]>;
  /** Stores (replaces) the facts of parses, in one transaction. */
  writeGraphs(rows: GraphWrite[], version: number): Promise<void>;
  /** Counts over the view (status, benchmarks). */
  graphStats(repoId: number): Promise<{ files: number; refs: number; imports: number }>;
}
