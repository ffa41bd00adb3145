/**
 * Owner-only UNIX sockets: the directory is 0700 (and must belong to us), each
 * socket 0600. Under systemd socket activation the control socket arrives as an
 * inherited file descriptor instead.
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { ContextdError } from '../errors.js';

export function prepareSocketDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new ContextdError('bad-socket-dir', `${dir} is not a directory`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new ContextdError('bad-socket-dir', `${dir} belongs to another user (uid ${st.uid})`, { hint: 'set CONTEXTD_SOCKET_DIR to a directory of your own' });
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** Systemd socket activation: the fds passed for this process (LISTEN_PID/LISTEN_FDS), by name. */
export function inheritedSockets(env: NodeJS.ProcessEnv = process.env): Map<string, number> {
  const out = new Map<string, number>();
  if (env.LISTEN_PID !== String(process.pid)) return out;
  const count = Number(env.LISTEN_FDS ?? 0);
  const names = (env.LISTEN_FDNAMES ?? '').split(':');
  for (let i = 0; i < count; i++) out.set(names[i] || (i === 0 ? 'control' : `fd${i}`), 3 + i);
  return out;
}

/** Listen on `name` in the socket dir (replacing a stale file: we hold the daemon lock), or on an inherited fd. */
export async function listenOwnerOnly(server: Server, socketDir: string, name: string, inherited?: number): Promise<string> {
  const path = join(socketDir, name);
  if (inherited !== undefined) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd: inherited }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return path;
  }
  try {
    unlinkSync(path);
  } catch {
    // no stale socket
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  return path;
}
