/** How the CLI reaches the running daemon. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { resolvePaths } from '../config/paths.js';
import { ContextdError } from '../errors.js';
import { callDaemon, DaemonUnavailableError } from '../server/rpc-client.js';
import { daemonRunningError, lockHolder } from '../server/lock.js';
import { lastStartFailure } from '../server/start-failure.js';
import { CLI_SCRIPT } from '../version.js';
import { CONTROL_SOCKET } from '../server/constants.js';
import { clientSocketDir } from './socket-dir.js';

export function controlSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(clientSocketDir(env), CONTROL_SOCKET);
}

export function daemonCall<T>(method: string, params?: unknown, timeoutMs?: number): Promise<T> {
  return callDaemon<T>(controlSocketPath(), method, params, timeoutMs);
}

/**
 * Makes sure a daemon answers on the control socket: if none does, start one in
 * the background (detached, logs to its data dir) and wait for it. Editors and
 * agents launch `contextd mcp` / `contextd lsp` and expect them to just work.
 * When it cannot come up, the error says why: the daemon that holds the data dir
 * (named by pid), or the start failure the daemon recorded.
 */
export async function ensureDaemon(opts: { timeoutMs?: number; autostart?: boolean } = {}): Promise<{ started: boolean }> {
  try {
    await daemonCall('ping', {}, 1500);
    return { started: false };
  } catch (err) {
    if (!(err instanceof DaemonUnavailableError)) throw err;
  }
  const { dataDir } = resolvePaths();
  const autostart = opts.autostart ?? process.env.CONTEXTD_NO_AUTOSTART !== '1';
  if (!autostart) {
    // A live daemon that answers elsewhere (CONTEXTD_SOCKET_DIR pointing away from it) is the real story.
    const holder = lockHolder(dataDir);
    throw holder ? daemonRunningError(dataDir, holder) : new DaemonUnavailableError(controlSocketPath());
  }
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [CLI_SCRIPT, 'daemon', '--quiet'], { detached: true, stdio: 'ignore', env: process.env });
  let exited = false;
  child.once('exit', () => (exited = true));
  child.unref();
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    try {
      await daemonCall('ping', {}, 1000);
      return { started: true };
    } catch (err) {
      if (exited || Date.now() > deadline) {
        const holder = lockHolder(dataDir);
        if (holder && holder.pid !== child.pid) throw daemonRunningError(dataDir, holder);
        // Only a failure of this start: an older one was about another problem.
        const recorded = lastStartFailure(dataDir);
        const failure = recorded && Date.parse(recorded.at) >= spawnedAt - 1000 ? recorded : null;
        throw new ContextdError('daemon-start-failed', `the contextd daemon did not come up${failure ? `: ${failure.message}` : ''}`, {
          hint: failure?.hint ?? `run \`contextd daemon\` in a terminal to see why (logs: ${join(dataDir, 'logs', 'contextd.log')})`,
          cause: err,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
