/** What MCP tools can reach in the daemon: the engine, status, the queue, the audit log. */
import type { Engine } from '../engine.js';
import type { AuditEntry, DaemonStatus } from '../types.js';
import type { Freshness } from '../index/freshness.js';

export type { AuditEntry } from '../types.js';

export interface McpContext {
  engine: Engine;
  status(): Promise<DaemonStatus>;
  /** Queue a reconcile of a registered repository (or some paths in it). */
  reindex(root: string, paths?: string[]): Promise<void>;
  audit(entry: AuditEntry): void;
  /** Roots of registered repositories. */
  registeredRoots(): Promise<string[]>;
  /**
   * The registered repository (of `registered`, the roots just read) whose work tree holds
   * `path`, by git's answer (a linked worktree of one may be registered on the spot); null
   * when none. Optional: without it, paths are matched against the roots as strings.
   */
  repoForPath?(path: string, registered: string[]): Promise<string | null>;
  /** Whether a local model answers `ask` now (Ollama reachable, model pulled); cached probes. */
  askAvailable(): Promise<boolean>;
  /** What the daemon is doing for a registered repository now: a run (with its progress) and queued jobs. */
  indexActivity(root: string): Promise<IndexActivity>;
  /** Stops the index run of a repository (a cancelled reindex); the work stays queued. Resolves once it stopped; false when none ran. */
  cancelIndex(root: string, reason: string): Promise<boolean>;
  /** Freshness of a repository's index as the daemon knows it (no git process per call). */
  freshness(root: string): Promise<Freshness>;
}

export interface IndexActivity {
  running: boolean;
  pending: number;
  progress: { phase: string; done: number; total: number } | null;
  lastError: string | null;
}

/** Per-connection state: the client's working directory (bridge) and MCP roots. */
export interface McpSession {
  /** Working directory the `contextd mcp` bridge was started in, when known. */
  cwd: string | null;
  /** Filesystem roots the client announced (MCP roots), when it supports them. */
  roots: () => Promise<string[]>;
  /** The last search_code of this session (its history id and hits), so that the get_code after it is linked as opened. */
  lastSearch?: { id: number; hits: { repo: string; path: string }[] };
}
