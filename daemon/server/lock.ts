/**
 * One daemon per data directory: a lock file naming its owner by pid *and* the
 * process's start time, so a pid reused by an unrelated process (after a reboot,
 * or pid 1 in a container) never passes for the owner. A lock left by a dead or
 * exiting process (crash, kill -9: a zombie still has its pid) is taken over; a
 * live owner is an error. Older lock files held a bare pid: one of those counts
 * only while that pid's process started before the file was written.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ContextdError } from '../errors.js';

interface LockOwner {
  pid: number;
  /** Process start time as the OS reports it (Linux: clock ticks since boot; elsewhere `ps -o lstart`); null when unknown. */
  start: string | null;
  /**
   * Where the owner's sockets are: a client whose environment differs from the daemon's
   * (no XDG_RUNTIME_DIR) finds them through the data dir, which depends on HOME only.
   */
  socketDir: string | null;
}

/** The live daemon holding a data dir's lock: its pid and, when it wrote it, its socket directory. */
export interface LockHolder {
  pid: number;
  socketDir: string | null;
}

export interface ProcessState {
  alive: boolean;
  start: string | null;
}

/** Whether `pid` runs (a zombie or a process being torn down does not), and when it started. */
export function processState(pid: number): ProcessState {
  if (process.platform === 'linux') {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return { alive: false, start: null };
    }
    // Fields after the parenthesized command name (which may hold spaces): state is the 3rd, starttime the 22nd.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    return { alive: state !== 'Z' && state !== 'X' && state !== 'x', start: rest[19] ?? null };
  }
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return { alive: false, start: null };
  }
  try {
    const out = execFileSync('ps', ['-o', 'stat=,lstart=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 }).trim();
    if (!out) return { alive: false, start: null };
    return { alive: !out.startsWith('Z'), start: out.slice(out.indexOf(' ') + 1).trim() || null };
  } catch {
    return { alive: true, start: null };
  }
}

function parseOwner(text: string): LockOwner | null {
  const t = text.trim();
  if (/^\d+$/.test(t)) return { pid: Number(t), start: null, socketDir: null };
  try {
    const v = JSON.parse(t) as { pid?: unknown; start?: unknown; socketDir?: unknown };
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0) {
      return { pid: v.pid, start: typeof v.start === 'string' ? v.start : null, socketDir: typeof v.socketDir === 'string' ? v.socketDir : null };
    }
  } catch {
    // unreadable: nobody owns it
  }
  return null;
}

/** The live daemon that holds the lock in `dataDir`, if any (pid and start time both match). */
export function lockOwner(dataDir: string): number | null {
  return lockHolder(dataDir)?.pid ?? null;
}

/** Like lockOwner, with the socket directory the owner recorded. */
export function lockHolder(dataDir: string): LockHolder | null {
  const path = join(dataDir, 'daemon.lock');
  let text: string;
  let written: number;
  try {
    text = readFileSync(path, 'utf8');
    written = statSync(path).mtimeMs;
  } catch {
    return null;
  }
  const owner = parseOwner(text);
  if (!owner || owner.pid === process.pid) return null;
  const now = processState(owner.pid);
  if (!now.alive) return null;
  const holder = { pid: owner.pid, socketDir: owner.socketDir };
  if (owner.start !== null) return now.start === null || now.start === owner.start ? holder : null;
  // A bare pid (older lock): only a daemon process already running when the lock was written can own it.
  return startedBefore(owner.pid, written) && runsDaemon(owner.pid) ? holder : null;
}

/** Whether the process's command line is a `… daemon` invocation (what a contextd daemon runs as). */
function runsDaemon(pid: number): boolean {
  try {
    const argv =
      process.platform === 'linux'
        ? readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
        : execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8', timeout: 2000 })
            .trim()
            .split(/\s+/);
    return argv.includes('daemon');
  } catch {
    return false;
  }
}

function startedBefore(pid: number, whenMs: number): boolean {
  if (process.platform !== 'linux') return true;
  try {
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const ticks = Number(processState(pid).start);
    // USER_HZ is 100 on every Linux ABI Node runs on.
    return btime * 1000 + ticks * 10 <= whenMs + 1000;
  } catch {
    return true;
  }
}

export interface DaemonLock {
  path: string;
  release(): void;
}

export function acquireLock(dataDir: string, opts: { socketDir?: string } = {}): DaemonLock {
  const path = join(dataDir, 'daemon.lock');
  const me = JSON.stringify({ pid: process.pid, start: processState(process.pid).start, ...(opts.socketDir ? { socketDir: opts.socketDir } : {}) });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, me);
      closeSync(fd);
      return {
        path,
        release() {
          try {
            if (readFileSync(path, 'utf8') === me) unlinkSync(path);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = lockHolder(dataDir);
      if (owner !== null) throw daemonRunningError(dataDir, owner);
      try {
        unlinkSync(path); // stale: its owner is gone, or the pid now belongs to another process
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
  }
  throw new ContextdError('daemon-lock', `cannot take the daemon lock ${path}`);
}

/** The error for a data dir another live daemon holds: names it, and where its sockets are. */
export function daemonRunningError(dataDir: string, owner: LockHolder): ContextdError {
  return new ContextdError(
    'daemon-running',
    `another contextd daemon (pid ${owner.pid}) already uses ${dataDir}${owner.socketDir ? ` (sockets in ${owner.socketDir})` : ''}`,
    {
      hint: 'stop it with `contextd stop`, or give this one its own CONTEXTD_DATA_DIR',
    },
  );
}
