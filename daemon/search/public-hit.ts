/**
 * The public shape of a search hit: what `contextd search --json`, the MCP
 * `search_code` tool and the LSP `contextd.search` command hand out. One function
 * builds it, so the three front ends cannot drift apart.
 */
import type { ChunkKind } from '../lang/types.js';
import type { HistorySummary } from './history-summary.js';
import type { SearchHit } from './search.js';

export interface PublicHit {
  repo: string;
  /** Repo-relative, forward slashes. */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  symbol: string | null;
  kind: ChunkKind;
  language: string;
  score: number;
  snippet: string;
  retrievers: string[];
  /** Ranking notes beyond the retrievers' scores (a test file ranked below implementation code). */
  why: string[];
  history: HistorySummary;
  /** The file changed since it was indexed: lines may have moved. */
  stale: boolean;
  /** The commit the index of this hit's repository reflects, when known. */
  indexedCommit: string | null;
}

/** What the caller knows about the freshness of the hit's repository (null: nothing). */
export interface HitFreshness {
  changedFiles: readonly string[];
  indexedCommit: string | null;
}

export function toPublicHit(h: SearchHit & { repo: string }, fresh: HitFreshness | null): PublicHit {
  return {
    repo: h.repo,
    path: h.path,
    startLine: h.startLine,
    endLine: h.endLine,
    symbol: h.symbol,
    kind: h.kind,
    language: h.language,
    score: h.score,
    snippet: h.snippet,
    retrievers: h.retrievers,
    why: h.why,
    history: h.history,
    stale: fresh ? fresh.changedFiles.includes(h.path) : false,
    indexedCommit: fresh?.indexedCommit ?? null,
  };
}
