/** Structured logs (pino): JSON lines to the data dir's log file, and to stderr. */
import { mkdirSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

export type { Logger };

export const LOG_MAX_BYTES = 10 * 1024 * 1024;

export function logFilePath(dataDir: string): string {
  return join(dataDir, 'logs', 'contextd.log');
}

/** Keeps one previous log: contextd.log -> contextd.log.1 once it passes the size limit. */
export function rotateLog(file: string, maxBytes = LOG_MAX_BYTES): boolean {
  try {
    if (statSync(file).size < maxBytes) return false;
    renameSync(file, `${file}.1`);
    return true;
  } catch {
    return false;
  }
}

export interface DaemonLogger {
  log: Logger;
  /** Reopen the log file (after rotation). */
  reopen(): void;
  flush(): void;
}

export function createLogger(dataDir: string, opts: { level?: string; stderr?: boolean } = {}): DaemonLogger {
  const file = logFilePath(dataDir);
  mkdirSync(join(dataDir, 'logs'), { recursive: true, mode: 0o700 });
  rotateLog(file);
  const fileDest = pino.destination({ dest: file, mkdir: true, sync: false });
  // A log write that fails (a full disk) loses that line, never the daemon: unhandled, the error
  // ended the process, whose exit hook then retried the sync flush forever (sonic-boom sleeps and
  // retries on any write error in flushSync), so the daemon hung without answering. Until a write
  // succeeds again, flushing is skipped; later lines are still tried.
  let broken = false;
  const flushSync = fileDest.flushSync.bind(fileDest);
  fileDest.on('error', () => {
    broken = true;
    fileDest.flushSync = () => {};
  });
  fileDest.on('write', () => {
    if (!broken) return;
    broken = false;
    fileDest.flushSync = flushSync;
  });
  const streams: pino.StreamEntry[] = [{ stream: fileDest }];
  if (opts.stderr ?? true) streams.push({ stream: pino.destination({ fd: 2, sync: false }) });
  const log = pino({ level: opts.level ?? process.env.CONTEXTD_LOG_LEVEL ?? 'info', base: { pid: process.pid } }, pino.multistream(streams));
  return {
    log,
    reopen() {
      fileDest.reopen();
    },
    flush() {
      try {
        fileDest.flushSync();
      } catch {
        // not yet ready or already closed
      }
    },
  };
}
