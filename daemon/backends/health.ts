/**
 * What every network-capable backend reports about itself, for `contextd status`
 * (cheap: from what the backend already knows) and `contextd doctor` (a live
 * probe: reachable, version, latency, model present).
 */

/** ok: working; degraded: answering partly (e.g. still syncing, fallback in use); down: not answering; off: not configured. */
export type BackendState = 'ok' | 'degraded' | 'down' | 'off';

export interface BackendReport {
  /** The concern: store, cache, vectors, embedder, llm. */
  name: string;
  /** The backend: sqlite, postgres, memory, redis, usearch, qdrant, ollama, builtin. */
  kind: string;
  state: BackendState;
  /** Configured explicitly by the user (a broken configured backend makes `doctor` fail). */
  configured: boolean;
  /** Where it is (URLs with the password redacted). */
  url?: string;
  version?: string | null;
  /** Round trip of the last probe or call (ms). */
  latencyMs?: number | null;
  /** One line: what works, or what is wrong. */
  detail: string;
  /** One line: how to fix it (when not ok). */
  fix?: string;
}

/** Something that can say how it is doing. `probe` may call the server; `report` must not. */
export interface HealthSource {
  report(): BackendReport;
  probe(timeoutMs?: number): Promise<BackendReport>;
}

/** Runs `fn` and returns its result with the elapsed milliseconds (rounded to 0.1). */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: Math.round((performance.now() - t0) * 10) / 10 };
}

/**
 * One word for a backend's state, the same in `status`, `doctor` and MCP `index_status`:
 * `ok`, `off` (not configured), `unavailable` (optional and not answering: what needs it
 * is off; the fix says how to turn it on), `degraded`, `down`. Never `ok` next to an error.
 */
export function backendWord(b: { healthy: boolean; state?: BackendState; fix?: string }): 'ok' | 'off' | 'unavailable' | 'degraded' | 'down' {
  if (b.state === 'off') return b.fix ? 'unavailable' : 'off';
  if (b.state === 'degraded') return 'degraded';
  return b.healthy ? 'ok' : 'down';
}
