/**
 * The persisted tables as both backends share them: their columns, keys and references
 * (what `contextd migrate` copies, table by table), and the row ↔ object mapping every
 * backend reads through. A new column is declared here once; each backend's schema module
 * adds it to its table. Column names are the same on both engines; SQLite stores booleans
 * as 0/1 (the mapping reads either).
 */
import { redactSecrets } from '../secrets.js';
import type { ChunkKind, SymbolKind } from '../lang/types.js';
import type { ChunkRow, CommitInfo, FileRecord, RepoRecord, SymbolRow } from './types.js';

export type ColumnKind = 'int' | 'text' | 'bool' | 'bytes';

export interface TableDecl {
  name: string;
  /** Columns both engines hold, in insert order. */
  cols: Record<string, ColumnKind>;
  /** Paging order (keyset), unique. */
  key: string[];
  /** The id column the target allocates anew; `natural` names the row otherwise (to map old ids to new). */
  id?: { col: string; natural: string[] };
  /** Columns holding another table's id: remapped, and a row whose reference was not copied is left out. */
  refs?: Record<string, string>;
  /** Rows of a repository (PostgreSQL: only this machine's are read). */
  perRepo?: boolean;
  /** Copied with the parent's rows, in one transaction (`col` holds the parent's id). */
  parent?: { table: string; col: string };
  /** Rows the source leaves out (markers of a migration itself). */
  where?: string;
}

const int = 'int' as const;
const text = 'text' as const;
const bool = 'bool' as const;
const bytes = 'bytes' as const;

/** In copy order: a table comes after every table it references. */
export const TABLES: readonly TableDecl[] = [
  {
    name: 'repos',
    cols: { id: int, root: text, name: text, added_at: int, indexed_commit: text, indexed_at: int, last_summary: text, last_error: text, registered: bool },
    key: ['id'],
    id: { col: 'id', natural: ['root'] },
  },
  { name: 'chunks', cols: { hash: text, language: text, text: text }, key: ['hash'] },
  {
    name: 'parses',
    cols: { id: int, parse_key: text, language: text, fallback: bool, parse_error: text, created_at: int },
    key: ['id'],
    id: { col: 'id', natural: ['parse_key'] },
  },
  {
    name: 'parse_chunks',
    cols: { id: int, parse_id: int, ord: int, chunk_hash: text, start_line: int, end_line: int, symbol: text, kind: text },
    key: ['id'],
    id: { col: 'id', natural: ['parse_id', 'ord'] },
    refs: { parse_id: 'parses' },
    parent: { table: 'parses', col: 'parse_id' },
  },
  {
    name: 'symbols',
    cols: { parse_id: int, name: text, kind: text, container: text, start_line: int, end_line: int, name_line: int, name_col: int, signature: text },
    key: ['id'],
    refs: { parse_id: 'parses' },
    parent: { table: 'parses', col: 'parse_id' },
  },
  {
    name: 'files',
    cols: {
      repo_id: int,
      path: text,
      blob: text,
      content_key: text,
      size: int,
      language: text,
      encoding: text,
      status: text,
      skip_reason: text,
      parse_id: int,
      indexed_at: int,
    },
    key: ['repo_id', 'path'],
    refs: { repo_id: 'repos', parse_id: 'parses' },
    perRepo: true,
  },
  {
    name: 'jobs',
    cols: { repo_id: int, path: text, seq: int, reason: text, created_at: int },
    key: ['repo_id', 'path'],
    refs: { repo_id: 'repos' },
    perRepo: true,
  },
  {
    name: 'commits',
    cols: {
      id: int,
      sha: text,
      parents: text,
      author_name: text,
      author_email: text,
      author_time: int,
      committer_name: text,
      committer_email: text,
      commit_time: int,
      subject: text,
      body: text,
      files_changed: int,
    },
    key: ['id'],
    id: { col: 'id', natural: ['sha'] },
  },
  {
    name: 'commit_files',
    cols: { commit_id: int, path: text, status: text, old_path: text },
    key: ['commit_id', 'path'],
    refs: { commit_id: 'commits' },
    parent: { table: 'commits', col: 'commit_id' },
  },
  {
    name: 'repo_commits',
    cols: { repo_id: int, commit_id: int },
    key: ['repo_id', 'commit_id'],
    refs: { repo_id: 'repos', commit_id: 'commits' },
    perRepo: true,
  },
  {
    name: 'history_state',
    cols: { repo_id: int, log_tip: text, shallow: bool, grafts: text, updated_at: int },
    key: ['repo_id'],
    refs: { repo_id: 'repos' },
    perRepo: true,
  },
  {
    name: 'blame_files',
    cols: { repo_id: int, path: text, blob: text, status: text, detail: text, lines: int, stale: bool, blamed_at: int },
    key: ['repo_id', 'path'],
    refs: { repo_id: 'repos' },
    perRepo: true,
  },
  {
    name: 'blame_ranges',
    cols: { repo_id: int, path: text, start_line: int, end_line: int, commit_id: int },
    key: ['repo_id', 'path', 'start_line'],
    refs: { repo_id: 'repos', commit_id: 'commits' },
    perRepo: true,
  },
  // The code graph (graph-store.ts): facts per parse, copied with their parse.
  {
    name: 'graph_parses',
    cols: { parse_id: int, version: int, pkg: text, imports: text, bases: text, patterns: text },
    key: ['parse_id'],
    refs: { parse_id: 'parses' },
    parent: { table: 'parses', col: 'parse_id' },
  },
  {
    name: 'graph_names',
    cols: { name: text, parse_id: int, uses: text },
    key: ['name', 'parse_id'],
    refs: { parse_id: 'parses' },
    parent: { table: 'parses', col: 'parse_id' },
  },
  { name: 'embed_models', cols: { id: text, provider: text, dim: int, created_at: int, trained_chunks: int, blob: bytes }, key: ['id'] },
  { name: 'chunk_vectors', cols: { model_id: text, chunk_hash: text, vector: bytes }, key: ['id'] },
  { name: 'embed_settings', cols: { key: text, value: text }, key: ['key'], where: "key NOT LIKE 'migration:%'" },
  // Change localization (daemon/locate/): the weights learned from the repository's own history.
  {
    name: 'locate_models',
    cols: { repo_id: int, trained_commit: text, trained_at: int, history_commits: int, model: text },
    key: ['repo_id'],
    refs: { repo_id: 'repos' },
    perRepo: true,
  },
  // Search history (search-log.ts): no reference to repos (a removed repository's searches stay until retention drops them).
  {
    name: 'search_log',
    cols: {
      id: int,
      machine: text,
      at: int,
      front_end: text,
      repo: text,
      mode: text,
      query: text,
      hits: int,
      latency_us: int,
      outcome: text,
      opened_path: text,
      opened_rank: int,
    },
    key: ['id'],
  },
];

export type Row = Record<string, unknown>;

/** A boolean column as either engine returns it. */
export const asBool = (v: unknown): boolean => v === true || v === 1;

// ---- row ↔ object mapping (the one copy every backend uses) ----

export const REPO_COLS = 'id, root, name, added_at, indexed_commit, indexed_at, last_summary, last_error, registered';

export function toRepo(r: Row): RepoRecord {
  return {
    id: r.id as number,
    root: r.root as string,
    name: r.name as string,
    addedAt: r.added_at as number,
    indexedCommit: r.indexed_commit as string | null,
    indexedAt: r.indexed_at as number | null,
    lastSummary: r.last_summary as string | null,
    lastError: r.last_error as string | null,
    registered: asBool(r.registered),
  };
}

/** RepoRecord fields a caller may change, and their columns. */
export const REPO_PATCH_COLS = {
  indexedCommit: 'indexed_commit',
  indexedAt: 'indexed_at',
  lastSummary: 'last_summary',
  lastError: 'last_error',
  registered: 'registered',
} as const;
export type RepoPatch = Partial<Pick<RepoRecord, keyof typeof REPO_PATCH_COLS>>;

export const FILE_COLS = 'path, blob, content_key, size, language, status, skip_reason, parse_id';

export function toFile(r: Row): FileRecord {
  return {
    path: r.path as string,
    blob: r.blob as string,
    contentKey: r.content_key as string,
    size: r.size as number,
    language: r.language as string | null,
    status: r.status as FileRecord['status'],
    skipReason: r.skip_reason as string | null,
    parseId: r.parse_id as number | null,
  };
}

/** A chunk occurrence in a view: parse_chunks `pc` joined with files `f` (text from chunks, or '' to load later). */
export const CHUNK_COLS = 'pc.id AS occ, pc.chunk_hash, f.repo_id, f.path, f.language, pc.start_line, pc.end_line, pc.symbol, pc.kind';

export function toChunkRow(r: Row): ChunkRow {
  return {
    occurrenceId: r.occ as number,
    chunkHash: r.chunk_hash as string,
    repoId: r.repo_id as number,
    path: r.path as string,
    language: r.language as string,
    startLine: r.start_line as number,
    endLine: r.end_line as number,
    symbol: r.symbol as string | null,
    kind: r.kind as ChunkKind,
    text: (r.text as string | undefined) ?? '',
  };
}

/** parse_chunks columns written per chunk of a parse, and their values. */
export const OCCURRENCE_COLS = ['parse_id', 'ord', 'chunk_hash', 'start_line', 'end_line', 'symbol', 'kind'] as const;
export function occurrenceValues(
  parseId: number,
  ord: number,
  hash: string,
  c: { startLine: number; endLine: number; symbol: string | null; kind: string },
): unknown[] {
  return [parseId, ord, hash, c.startLine, c.endLine, c.symbol, c.kind];
}

export const SYMBOL_COLS = 'f.repo_id, f.path, f.language, s.name, s.kind, s.container, s.start_line, s.end_line, s.name_line, s.name_col, s.signature';

export function toSymbol(r: Row): SymbolRow {
  return {
    repoId: r.repo_id as number,
    path: r.path as string,
    language: r.language as string,
    name: r.name as string,
    kind: r.kind as SymbolKind,
    container: r.container as string | null,
    startLine: r.start_line as number,
    endLine: r.end_line as number,
    nameLine: r.name_line as number,
    nameColumn: r.name_col as number,
    signature: r.signature as string,
  };
}

export const COMMIT_COLS =
  'cm.id, cm.sha, cm.parents, cm.author_name, cm.author_email, cm.author_time, cm.committer_name, cm.committer_email, cm.commit_time, cm.subject, cm.body, cm.files_changed';

export function toCommit(r: Row): CommitInfo {
  const parents = r.parents as string;
  return {
    sha: r.sha as string,
    parents: parents ? parents.split(' ') : [],
    authorName: r.author_name as string,
    authorEmail: r.author_email as string,
    authorTime: r.author_time as number,
    committerName: r.committer_name as string,
    committerEmail: r.committer_email as string,
    commitTime: r.commit_time as number,
    // Indexes written before commit messages were redacted on the way in are redacted on the way out.
    subject: redactSecrets(r.subject as string),
    body: redactSecrets(r.body as string),
    filesChanged: r.files_changed as number | null,
  };
}
