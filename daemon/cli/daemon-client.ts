/** How the CLI reaches the running daemon. */
import { join } from 'node:path';
import { resolvePaths } from '../config/paths.js';
import { callDaemon } from '../server/rpc-client.js';
import { CONTROL_SOCKET } from '../server/constants.js';

export function controlSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolvePaths(env).socketDir, CONTROL_SOCKET);
}

export function daemonCall<T>(method: string, params?: unknown, timeoutMs?: number): Promise<T> {
  return callDaemon<T>(controlSocketPath(), method, params, timeoutMs);
}
