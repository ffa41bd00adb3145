/** How the CLI reaches the running daemon. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { resolvePaths } from '../config/paths.js';
import { ContextdError } from '../errors.js';
import { callDaemon, DaemonUnavailableError } from '../server/rpc-client.js';
import { CLI_SCRIPT } from '../version.js';
import { CONTROL_SOCKET } from '../server/constants.js';

export function controlSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(resolvePaths(env).socketDir, CONTROL_SOCKET);
}

export function daemonCall<T>(method: string, params?: unknown, timeoutMs?: number): Promise<T> {
  return callDaemon<T>(controlSocketPath(), method, params, timeoutMs);
}

/**
 * Makes sure a daemon answers on the control socket: if none does, start one in
 * the background (detached, logs to its data dir) and wait for it. Editors and
 * agents launch `contextd mcp` / `contextd lsp` and expect them to just work.
 */
export async function ensureDaemon(opts: { timeoutMs?: number; autostart?: boolean } = {}): Promise<{ started: boolean }> {
  try {
    await daemonCall('ping', {}, 1500);
    return { started: false };
  } catch (err) {
    if (!(err instanceof DaemonUnavailableError)) throw err;
  }
  const autostart = opts.autostart ?? process.env.CONTEXTD_NO_AUTOSTART !== '1';
  if (!autostart) throw new DaemonUnavailableError(controlSocketPath());
  const child = spawn(process.execPath, [CLI_SCRIPT, 'daemon', '--quiet'], { detached: true, stdio: 'ignore', env: process.env });
  child.unref();
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    try {
      await daemonCall('ping', {}, 1000);
      return { started: true };
    } catch (err) {
      if (Date.now() > deadline) {
        throw new ContextdError('daemon-start-failed', 'the contextd daemon did not come up', {
          hint: `run \`contextd daemon\` in a terminal to see why (logs: ${join(resolvePaths().dataDir, 'logs', 'contextd.log')})`,
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
