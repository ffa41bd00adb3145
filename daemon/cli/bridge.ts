/**
 * stdio <-> UNIX socket bridges for clients that spawn a command (`claude mcp add
 * contextd -- contextd mcp`, an editor's LSP command). The daemon does the work;
 * the bridge only copies bytes, after an optional header line.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { resolvePaths } from '../config/paths.js';
import { ContextdError } from '../errors.js';
import { ensureDaemon } from './daemon-client.js';

export async function runBridge(socketName: string, header: string | null): Promise<number> {
  await ensureDaemon();
  const path = join(resolvePaths().socketDir, socketName);
  return new Promise<number>((resolve, reject) => {
    const socket = connect(path);
    socket.once('error', (err: NodeJS.ErrnoException) => {
      reject(new ContextdError('bridge-connect', `cannot connect to ${path}: ${err.message}`, { hint: 'is the daemon running? check `contextd status`' }));
    });
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      if (header) socket.write(header + '\n');
      process.stdin.pipe(socket);
      socket.pipe(process.stdout);
      // The client closing stdin ends the session; the daemon closing ends the bridge.
      process.stdin.on('end', () => socket.end());
      socket.on('error', () => resolve(1));
      socket.on('close', () => resolve(0));
    });
  });
}
