/** A one-shot JSON-RPC client for control.sock (the CLI's side). */
import { connect } from 'node:net';
import { ContextdError, knownCode } from '../errors.js';
import { RPC_APP_ERROR, readLines, type RpcResponse } from './json-rpc.js';

export class DaemonUnavailableError extends ContextdError {
  constructor(socketPath: string, cause?: unknown) {
    super('daemon-down', `the contextd daemon is not running (no answer on ${socketPath})`, {
      hint: 'start it with `contextd daemon` (foreground) or `contextd service install` (systemd/launchd)',
      exitCode: 3,
      cause,
    });
  }
}

export async function callDaemon<T>(socketPath: string, method: string, params?: unknown, timeoutMs = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const socket = connect(socketPath);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () => finish(() => reject(new ContextdError('daemon-timeout', `the daemon did not answer ${method} within ${timeoutMs} ms`, { exitCode: 4 }))),
      timeoutMs,
    );
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const down = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'ENOTDIR';
      finish(() => reject(down ? new DaemonUnavailableError(socketPath, err) : new ContextdError('daemon-io', `control socket error: ${err.message}`)));
    });
    socket.on('close', () => finish(() => reject(new ContextdError('daemon-closed', `the daemon closed the connection during ${method}`))));
    socket.on('connect', () => {
      socket.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: params ?? {} }) + '\n');
    });
    readLines(
      socket,
      (line) => {
        let res: RpcResponse;
        try {
          res = JSON.parse(line) as RpcResponse;
        } catch {
          finish(() => reject(new ContextdError('daemon-garbage', 'the daemon sent an unreadable answer')));
          return;
        }
        if (res.error) {
          const e = res.error;
          finish(() =>
            reject(
              e.code === RPC_APP_ERROR
                ? new ContextdError(knownCode(e.data?.code, 'daemon-error'), e.message, { hint: e.data?.hint })
                : new ContextdError('daemon-error', `daemon error ${e.code}: ${e.message}`),
            ),
          );
        } else finish(() => resolve(res.result as T));
      },
      () => finish(() => reject(new ContextdError('daemon-garbage', 'the daemon sent an over-long answer'))),
    );
  });
}
