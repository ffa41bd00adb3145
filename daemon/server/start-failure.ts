/**
 * Why the daemon last failed to start (a corrupt database, a bad config), kept in
 * the data directory so that `contextd status` can say it instead of a bare
 * "not running" — under systemd the error is otherwise only in the journal.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, isContextdError } from '../errors.js';

export interface StartFailure {
  at: string;
  message: string;
  hint: string | null;
}

const FILE = 'last-start-failure.json';

export function recordStartFailure(dataDir: string, err: unknown): void {
  if (isContextdError(err) && err.code === 'daemon-running') return; // not a failure of this data dir
  const failure: StartFailure = { at: new Date().toISOString(), message: errorMessage(err), hint: isContextdError(err) ? (err.hint ?? null) : null };
  try {
    writeFileSync(join(dataDir, FILE), JSON.stringify(failure) + '\n', { mode: 0o600 });
  } catch {
    // a data dir we cannot write: the error still reaches stderr and the log
  }
}

export function clearStartFailure(dataDir: string): void {
  rmSync(join(dataDir, FILE), { force: true });
}

export function lastStartFailure(dataDir: string): StartFailure | null {
  try {
    const v = JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as Partial<StartFailure>;
    return typeof v.message === 'string' ? { at: String(v.at ?? ''), message: v.message, hint: typeof v.hint === 'string' ? v.hint : null } : null;
  } catch {
    return null;
  }
}
