/**
 * Semantic search from the editor: `workspace/executeCommand` with command
 * `contextd.search` and arguments `[query, options?]`, or the custom request
 * `contextd/search` with `{ query, ...options }`. Both answer with LSP
 * Locations (so any client can list or jump to them) that also carry the hit's
 * symbol, kind, score, snippet and repo-relative path.
 */
import { toPublicHit, type PublicHit } from '../daemon/search/public-hit.js';
import { join } from 'node:path';
import { ErrorCodes, ResponseError, type Location } from 'vscode-languageserver/node';
import type { Engine, EngineSearchHit, SearchScope } from '../daemon/engine.js';
import { isContextdError } from '../daemon/errors.js';
import type { Freshness } from '../daemon/index/freshness.js';
import type { RepoRecord } from '../daemon/store/types.js';
import { inside, pathToUri, uriToPath } from './workspace.js';

export const SEARCH_COMMAND = 'contextd.search';
export const SEARCH_REQUEST = 'contextd/search';

export interface SearchOptions {
  /** A path (or file URI) inside the repository to search; default: the workspace's repositories. */
  repo?: string;
  limit?: number;
  languages?: string[];
  /** Repo-relative globs. */
  paths?: string[];
  author?: string;
  since?: string | number;
  until?: string | number;
  /** Rank by the commit messages that touched the code. */
  history?: boolean;
  /** Which retrievers: hybrid (default), lexical, semantic or symbol. */
  mode?: string;
}

/** A search hit as an LSP Location: the public hit shape (daemon/search/public-hit.ts) plus uri and range. */
export interface SearchLocation extends Location, PublicHit {
  /** Freshness: index = HEAD and tree (null when unknown). */
  indexFresh?: boolean | null;
}

const MAX_LIMIT = 200;
const SEARCH_MODES = ['hybrid', 'lexical', 'semantic', 'symbol'];

function bad(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

function strings(v: unknown, name: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw bad(`${name} must be a string or a list of strings`);
}

/** Validates a request's options (unknown keys are ignored). */
export function parseSearchOptions(raw: unknown): SearchOptions {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad('search options must be an object');
  const r = raw as Record<string, unknown>;
  const out: SearchOptions = {};
  if (r.repo !== undefined) {
    if (typeof r.repo !== 'string' || !r.repo) throw bad('repo must be a non-empty string');
    out.repo = r.repo.startsWith('file:') ? (uriToPath(r.repo) ?? r.repo) : r.repo;
  }
  if (r.limit !== undefined) {
    if (typeof r.limit !== 'number' || !Number.isInteger(r.limit) || r.limit < 1) throw bad('limit must be a positive integer');
    out.limit = Math.min(r.limit, MAX_LIMIT);
  }
  out.languages = strings(r.languages ?? r.language, 'languages');
  out.paths = strings(r.paths ?? r.path, 'paths');
  for (const k of ['author'] as const) {
    if (r[k] !== undefined) {
      if (typeof r[k] !== 'string') throw bad(`${k} must be a string`);
      out[k] = r[k] as string;
    }
  }
  for (const k of ['since', 'until'] as const) {
    if (r[k] !== undefined) {
      if (typeof r[k] !== 'string' && typeof r[k] !== 'number') throw bad(`${k} must be a date, a duration like 2w, or unix seconds`);
      out[k] = r[k] as string | number;
    }
  }
  if (r.history !== undefined) out.history = r.history === true;
  if (r.mode !== undefined) {
    if (typeof r.mode !== 'string' || !SEARCH_MODES.includes(r.mode)) throw bad(`mode must be one of ${SEARCH_MODES.join(', ')}`);
    out.mode = r.mode;
  }
  return out;
}

/** `[query, options?]` (executeCommand arguments) or `{ query, ...options }` (the custom request, or a single argument). */
export function parseSearchArgs(args: unknown): { query: string; options: SearchOptions } {
  let query: unknown;
  let options: unknown;
  if (Array.isArray(args)) {
    if (args.length === 1 && args[0] && typeof args[0] === 'object') return parseSearchArgs(args[0]);
    [query, options] = args;
  } else if (args && typeof args === 'object') {
    const { query: q, ...rest } = args as Record<string, unknown>;
    query = q;
    options = rest;
  }
  if (typeof query !== 'string' || !query.trim()) throw bad('contextd.search needs a query: arguments [query, options?]');
  return { query: query.trim(), options: parseSearchOptions(options) };
}

export function toSearchLocation(h: EngineSearchHit, fresh: Freshness | null = null): SearchLocation {
  return {
    uri: pathToUri(join(h.repo, h.path)),
    // Whole lines: from the start of the first to the start of the line after the last.
    range: { start: { line: h.startLine - 1, character: 0 }, end: { line: h.endLine, character: 0 } },
    ...toPublicHit(h, fresh),
    indexFresh: fresh?.fresh ?? null,
  };
}

export async function runSearch(
  engine: Engine,
  args: unknown,
  workspaceRepos: RepoRecord[] | null,
  defaultLimit: number,
  freshnessOf: (root: string) => Promise<Freshness> = (root) => engine.freshness(root),
): Promise<SearchLocation[]> {
  const { query, options } = parseSearchArgs(args);
  const limit = options.limit ?? defaultLimit;
  const scope: SearchScope = {
    origin: { frontEnd: 'lsp' },
    languages: options.languages,
    paths: options.paths,
    author: options.author,
    since: options.since,
    until: options.until,
    history: options.history,
  };
  // Which retrievers run (hybrid, lexical, semantic, symbol) is the engine's `mode`; validated above.
  if (options.mode) Object.assign(scope, { mode: options.mode });
  try {
    let hits: EngineSearchHit[];
    if (options.repo) hits = await engine.search(query, { ...scope, repo: options.repo, limit });
    else if (workspaceRepos?.length === 1) hits = await engine.search(query, { ...scope, repo: workspaceRepos[0].root, limit });
    else if (workspaceRepos) {
      // Several repositories: search all, keep the workspace's.
      const roots = workspaceRepos.map((r) => r.root);
      hits = (await engine.search(query, { ...scope, limit: limit * 4 })).filter((h) => roots.some((r) => inside(r, h.repo))).slice(0, limit);
    } else hits = await engine.search(query, { ...scope, limit });
    // Freshness per repository in the answer: a hit in a file changed since indexing is marked.
    const freshness = new Map<string, Freshness | null>();
    for (const repo of new Set(hits.map((h) => h.repo))) freshness.set(repo, await freshnessOf(repo).catch(() => null));
    return hits.map((h) => {
      return toSearchLocation(h, freshness.get(h.repo) ?? null);
    });
  } catch (err) {
    if (isContextdError(err)) throw new ResponseError(ErrorCodes.InvalidParams, err.hint ? `${err.message} (${err.hint})` : err.message);
    throw err;
  }
}
