/** Where contextd keeps its sockets, data and configuration (XDG, overridable by env). */
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

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): ContextdPaths {
  const home = env.HOME || homedir();
  const dataHome = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const configHome = env.XDG_CONFIG_HOME || join(home, '.config');
  const socketDir = env.CONTEXTD_SOCKET_DIR || (env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'contextd') : join(home, '.cache', 'contextd', 'run'));
  return {
    socketDir,
    dataDir: env.CONTEXTD_DATA_DIR || join(dataHome, 'contextd'),
    configDir: env.CONTEXTD_CONFIG_DIR || join(configHome, 'contextd'),
  };
}
