/**
 * stdio <-> UNIX socket bridges for clients that spawn a command (`claude mcp add
 * contextd -- contextd mcp`, an editor's LSP command). The daemon does the work;
 * the bridge only copies bytes, after an optional header line.
 *
 * The bridge dials the socket first and only asks for the daemon (starting it
 * if needed) when nobody listens: a daemon that is busy and slow to answer a
 * ping must not cost an editor its language server.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { resolvePaths } from '../config/paths.js';
import { ContextdError } from '../errors.js';
import { ensureDaemon } from './daemon-client.js';

function dial(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
  });
}

function nobodyListens(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ENOTDIR';
}

export async function runBridge(socketName: string, header: string | null): Promise<number> {
  const path = join(resolvePaths().socketDir, socketName);
  let socket: Socket;
  try {
    socket = await dial(path);
  } catch (first) {
    if (!nobodyListens(first)) throw bridgeError(path, first);
    await ensureDaemon();
    try {
      socket = await dial(path);
    } catch (err) {
      throw bridgeError(path, err);
    }
  }
  return new Promise<number>((resolve) => {
    if (header) socket.write(header + '\n');
    process.stdin.pipe(socket);
    socket.pipe(process.stdout);
    // The client closing stdin ends the session; the daemon closing ends the bridge.
    process.stdin.on('end', () => socket.end());
    socket.on('error', () => resolve(1));
    socket.on('close', () => resolve(0));
  });
}

function bridgeError(path: string, err: unknown): ContextdError {
  return new ContextdError('bridge-connect', `cannot connect to ${path}: ${(err as Error)?.message ?? String(err)}`, {
    hint: 'is the daemon running? check `contextd status`',
  });
}
