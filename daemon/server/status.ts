/** The daemon's status shapes (in the neutral daemon/types.ts) and the backend row of `status`. */
import type { BackendReport } from '../backends/health.js';
import type { BackendHealth } from '../types.js';

export type { BackendHealth, DaemonStatus, RepoStatus } from '../types.js';

export function backendHealth(r: BackendReport): BackendHealth {
  return {
    name: r.name,
    kind: r.kind,
    healthy: r.state === 'ok' || r.state === 'off',
    detail: r.detail,
    state: r.state,
    url: r.url,
    version: r.version ?? null,
    latencyMs: r.latencyMs ?? null,
    fix: r.fix,
  };
}
