/** The shape of `contextd status --json` (and the control socket's `status` answer). */
import type { BackendReport } from '../backends/health.js';

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

export function backendHealth(r: BackendReport): BackendHealth {
  return { name: r.name, kind: r.kind, healthy: r.state === 'ok' || r.state === 'off', detail: r.detail, state: r.state, url: r.url, version: r.version ?? null, latencyMs: r.latencyMs ?? null, fix: r.fix };
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
}

import type { AuditSummary } from './audit-log.js';
import type { EmbeddingProgress } from '../embed/types.js';

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
    /** The bearer token for mcpHttp. */
    httpTokenFile: string | null;
    dataDir: string; database: string; log: string; configFile: string | null };
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
