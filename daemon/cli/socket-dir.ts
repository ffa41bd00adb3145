/**
 * Which socket directory a client dials. The environment's answer (paths.ts) is the
 * default; a live daemon's own record in the data dir's lock wins over it, because the
 * data dir depends on HOME alone while the socket dir depends on XDG_RUNTIME_DIR, which
 * clients that clean the environment (the MCP Inspector, the SDK's default) drop.
 */
import { resolvePaths } from '../config/paths.js';
import { lockHolder } from '../server/lock.js';

export function clientSocketDir(env: NodeJS.ProcessEnv = process.env): string {
  const paths = resolvePaths(env);
  if (env.CONTEXTD_SOCKET_DIR) return paths.socketDir; // an explicit choice is never second-guessed
  return lockHolder(paths.dataDir)?.socketDir ?? paths.socketDir;
}
