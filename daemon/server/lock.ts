/**
 * One daemon per data directory: a lock file holding the owner's pid. A lock left
 * by a dead process (crash, kill -9) is taken over; a live owner is an error.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ContextdError } from '../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DaemonLock {
  path: string;
  release(): void;
}

export function acquireLock(dataDir: string): DaemonLock {
  const path = join(dataDir, 'daemon.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        path,
        release() {
          try {
            if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(path, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new ContextdError('daemon-running', `another contextd daemon (pid ${owner}) already uses ${dataDir}`, {
          hint: 'stop it with `contextd stop`, or give this one its own CONTEXTD_DATA_DIR',
        });
      }
      unlinkSync(path); // stale: its owner is gone
    }
  }
  throw new ContextdError('daemon-lock', `cannot take the daemon lock ${path}`);
}
