/**
 * The neutral types module: plain data shapes that several layers exchange (the engine's
 * query scopes and hits, the daemon's status, the MCP audit entries). Types only, importing
 * nothing above search: front ends and `ask` use them without importing the engine or the
 * server, so no import cycle goes through them.
 */
import type { PatternTag } from './lang/types.js';
import type { BackendReport } from './backends/health.js';
import type { EmbeddingProgress } from './embed/types.js';
import type { SearchHit } from './search/search.js';
import type { SearchMode } from './search/semantic.js';
import type { SymbolHit } from './search/symbols.js';
import type { SearchFrontEnd, SearchOutcome } from './store/search-log.js';

export type { SearchFrontEnd, SearchLogEntry, SearchOutcome } from './store/search-log.js';
import type { Freshness } from './index/freshness.js';

export interface QueryScope {
  /** A path inside a repository to restrict to; all indexed repositories when absent. */
  repo?: string;
  languages?: string[];
  paths?: string[];
  limit?: number;
}

/** A point in time: unix seconds, or what `--since`/`--until` accept (`2w`, `2025-01-01`). */
export type TimeSpec = number | string;

export interface SearchScope extends QueryScope {
  /** Only code with lines last changed by this author (substring of name or email, any case). */
  author?: string;
  since?: TimeSpec;
  until?: TimeSpec;
  /** Rank by the commit messages that touched the code (raises the history retriever's weight). */
  history?: boolean;
  /** Opt-in ranking boosts for recently / frequently changed code. */
  boostRecent?: boolean;
  boostChurn?: boolean;
  /** hybrid (default): every retriever fused; or lexical, semantic or symbol alone. */
  mode?: SearchMode;
  /** Overrides the hybrid fusion's semantic weight (0..1) for this search: for tuning (bench/quality --tune). */
  semanticWeight?: number;
  /** Overrides the score factor of test files for this search (1 = no preference): for tuning. */
  testFileFactor?: number;
  /** Only hits holding one of these code patterns (endpoint, db-query, error-handling: the code graph's tags). */
  tags?: PatternTag[];
  /** Overrides the history retriever's weight (0: off; `locate` has its own history signal, cut off in time). */
  historyWeight?: number;
  /**
   * Who asks: recorded in the search history and the metrics (not part of the query).
   * `id` names the history row (the front end links what the client opens next to it).
   */
  origin?: SearchOrigin;
}

export interface SearchOrigin {
  frontEnd: SearchFrontEnd;
  id?: number;
}

/** One finished search, as the engine reports it to its observer (the daemon's metrics). */
export interface SearchEvent {
  frontEnd: SearchFrontEnd;
  mode: string;
  outcome: SearchOutcome;
  seconds: number;
  hits: number;
  /** Answered by the query cache. */
  cached: boolean;
}

/** A span of a trace (daemon/metrics/tracing.ts exports them over OTLP; the default does nothing). */
export interface TraceSpan {
  /** A child span, ended by the caller. */
  child(name: string, attributes?: TraceAttributes): TraceSpan;
  setAttributes(attributes: TraceAttributes): void;
  /** Ends the span; an error message marks it failed. */
  end(error?: string): void;
}

export type TraceAttributes = Record<string, string | number | boolean>;

export interface Tracer {
  /** False for the default tracer: callers skip work that only feeds spans. */
  readonly enabled: boolean;
  startSpan(name: string, attributes?: TraceAttributes): TraceSpan;
}

/** What the engine tells about its searches (the daemon's metrics implement it; one-shot CLI commands pass none). */
export interface SearchObserver {
  searchStarted(): void;
  searchEnded(event: SearchEvent): void;
}

export interface FileScope {
  /** The repository (any path inside it); else the one around the file. */
  repo?: string;
  /** Where a relative file path starts (default: the process's cwd). */
  cwd?: string;
}

export type EngineSearchHit = SearchHit & { repo: string };

/** The daemon's answer to `contextd search` over the control socket. */
export interface DaemonSearchAnswer {
  hits: EngineSearchHit[];
  freshness: Freshness | null;
  /** Said on stderr by the CLI (the caller's directory is not indexed: every repository was searched). */
  note?: string;
  /** No repository was in scope. */
  searchedAll: boolean;
}
export type EngineSymbolHit = SymbolHit & { repo: string };

// ---- the daemon's status: the shape of `contextd status --json` (and the control socket's `status` answer) ----

export interface BackendHealth {
  name: string;
  kind: string;
  healthy: boolean;
  detail: string;
  /** Network backends (cache, vectors, Ollama): ok / degraded / down / off, server version, last round trip, and the fix when not ok. */
  state?: BackendReport['state'];
  url?: string;
  version?: string | null;
  latencyMs?: number | null;
  fix?: string;
}

export interface RepoStatus {
  root: string;
  name: string;
  registered: boolean;
  state: 'indexing' | 'queued' | 'idle' | 'error' | 'missing';
  indexedCommit: string | null;
  head: string | null;
  upToDate: boolean;
  files: number;
  chunks: number;
  symbols: number;
  lastIndexedAt: number | null;
  pendingJobs: number;
  progress: { phase: string; done: number; total: number } | null;
  lastError: string | null;
  /** Git history enrichment: commits known, shallow clone, files still to blame. */
  history: { commits: number; shallow: boolean; pendingFiles: number } | null;
  /** `locate`'s stored weights (null until it was first used on this repository). */
  locate?: { source: 'learned' | 'defaults'; trainedCommit: string; trainedAt: number; historyCommits: number; replayed: number; training: boolean } | null;
}

export interface DaemonStatus {
  running: true;
  healthy: boolean;
  pid: number;
  version: string;
  startedAt: number;
  uptimeMs: number;
  node: string;
  paths: {
    socketDir: string;
    controlSocket: string;
    mcpSocket: string;
    lspSocket: string;
    /** MCP over Streamable HTTP: its URL, why it does not listen, or null when off ([mcp] httpPort). */
    mcpHttp: string | null;
    /** The bearer token for mcpHttp and the dashboard. */
    httpTokenFile: string | null;
    /** The monitoring endpoint (/metrics, /health, /dashboard): its URL, why it does not listen, or null when off ([http] listen). */
    http: string | null;
    dataDir: string;
    database: string;
    log: string;
    configFile: string | null;
  };
  /** Background embedding for semantic search. */
  embedding: EmbeddingProgress;
  /** Backends that are stuck: what, since when (epoch ms), why, and how much work waits on them. */
  stalled: { backend: string; what: string; since: number; reason: string; waiting: number }[];
  /** MCP tool calls since start (the full log is paths in audit.log). */
  audit: AuditSummary;
  backends: BackendHealth[];
  queue: { pending: number; running: number };
  totals: { runs: number; parsed: number; reused: number; newChunks: number; failures: number };
  repos: RepoStatus[];
}

// ---- the MCP audit log ----

export interface AuditEntry {
  at: number;
  tool: string;
  args: unknown;
  durationMs: number;
  hits: number | null;
  error: string | null;
}

export interface AuditSummary {
  log: string;
  calls: number;
  errors: number;
  lastCallAt: number | null;
  byTool: Record<string, { calls: number; errors: number; avgMs: number }>;
}
