/** Where contextd keeps its sockets, data and configuration (XDG, overridable by env). */
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface ContextdPaths {
  /** Owner-only (0700) directory for control.sock, mcp.sock, lsp.sock. */
  socketDir: string;
  /** Index database, vectors, logs, queue. */
  dataDir: string;
  /** Directory holding config.toml / config.json. */
  configDir: string;
}

export interface PathProbe {
  /** Where the system keeps per-user runtime directories (systemd-logind: /run/user). */
  runtimeRoot?: string;
  uid?: number;
}

/**
 * The user's runtime directory: $XDG_RUNTIME_DIR, else `/run/user/UID` when it exists
 * and belongs to us. A client that starts `contextd mcp` with a cleaned environment (the
 * MCP Inspector, the SDK's default environment) loses XDG_RUNTIME_DIR; deriving it from
 * the uid gives that bridge the same socket as a login shell and systemd.
 */
export function runtimeDir(env: NodeJS.ProcessEnv = process.env, probe: PathProbe = {}): string | null {
  if (env.XDG_RUNTIME_DIR) return env.XDG_RUNTIME_DIR;
  const uid = probe.uid ?? process.getuid?.();
  if (uid === undefined) return null;
  const dir = join(probe.runtimeRoot ?? '/run/user', String(uid));
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === uid ? dir : null;
  } catch {
    return null;
  }
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env, probe: PathProbe = {}): ContextdPaths {
  const home = env.HOME || homedir();
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const run = env.CONTEXTD_SOCKET_DIR ? null : runtimeDir(env, probe);
  const socketDir = env.CONTEXTD_SOCKET_DIR || (run ? join(run, 'contextd') : join(home, '.cache', 'contextd', 'run'));
  return {
    socketDir,
    dataDir: env.CONTEXTD_DATA_DIR || join(dataHome, 'contextd'),
    configDir: env.CONTEXTD_CONFIG_DIR || join(configHome, 'contextd'),
  };
}
