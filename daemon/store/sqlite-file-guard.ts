/**
 * Watches over the SQLite index file while a store has it open:
 * - its files (`index.db`, `-wal`, `-shm`) are owner-only (0600) whatever the
 *   directory's mode, so a pre-existing 0755 data directory leaks nothing;
 * - the file on disk is still the one the connection writes to: deleted or replaced
 *   underneath a running daemon, the store says so (and a deleted one is restored
 *   from the open connection, so registrations and the index survive a restart);
 * - its pages are sound: `PRAGMA quick_check` on request (daemon start) and after
 *   any "malformed" error, so a corrupt database never reads as healthy.
 */
import type { Database as Db } from 'better-sqlite3';
import { chmodSync, existsSync, openSync, closeSync, renameSync, statSync, unlinkSync } from 'node:fs';

const OWNER_ONLY = 0o600;
const SIDE_FILES = ['', '-wal', '-shm', '-journal'];

/** Creates the database file owner-only before SQLite does (SQLite gives -wal/-shm the database file's mode). */
export function createOwnerOnly(path: string): void {
  if (!existsSync(path)) closeSync(openSync(path, 'a', OWNER_ONLY));
  tightenModes(path);
}

/** chmod 0600 every file of the database that is more open than that. */
export function tightenModes(path: string): void {
  for (const suffix of SIDE_FILES) {
    try {
      const st = statSync(path + suffix);
      if ((st.mode & 0o077) !== 0) chmodSync(path + suffix, OWNER_ONLY);
    } catch {
      // not there (yet)
    }
  }
}

const CORRUPT = /database disk image is malformed|file is not a database|SQLITE_CORRUPT|SQLITE_NOTADB/i;

export function isCorruptionError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return !!e && (CORRUPT.test(String(e.code ?? '')) || CORRUPT.test(String(e.message ?? '')));
}

export interface FileProblem {
  error: string;
  hint: string;
}

export class SqliteFileGuard {
  private readonly identity: { dev: number; ino: number } | null;
  private corruption: string | null = null;
  private restoredAt: string | null = null;

  constructor(
    private readonly db: Db,
    private readonly path: string,
  ) {
    const st = statSync(path, { throwIfNoEntry: false });
    this.identity = st ? { dev: st.dev, ino: st.ino } : null;
  }

  /** Runs `PRAGMA quick_check`; remembers and returns the problem, if any. */
  checkIntegrity(): string | null {
    try {
      const rows = this.db.pragma('quick_check(5)') as { quick_check: string }[];
      const bad = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
      this.corruption = bad.length ? bad.join('; ') : null;
    } catch (err) {
      this.corruption = (err as Error).message;
    }
    return this.corruption;
  }

  /** An error seen by a query: a corruption error triggers a full check. */
  noteError(err: unknown): void {
    if (!isCorruptionError(err) || this.corruption) return;
    // quick_check does not read index contents: the failing query's word counts too.
    if (!this.checkIntegrity()) this.corruption = (err as Error).message;
  }

  /**
   * What is wrong with the file right now, or null. A deleted database is first
   * restored to its path from this connection (VACUUM INTO), so nothing is lost.
   */
  problem(): FileProblem | null {
    if (this.corruption) {
      return {
        error: `the index database is corrupt (${this.corruption})`,
        hint: `stop the daemon, move it aside (mv "${this.path}" "${this.path}.bad") and start it again: repositories must then be added and indexed again`,
      };
    }
    if (!this.identity || this.path === ':memory:') return null;
    const st = statSync(this.path, { throwIfNoEntry: false });
    if (st && st.dev === this.identity.dev && st.ino === this.identity.ino) return null;
    if (!st && !this.restoredAt) this.restore();
    const now = statSync(this.path, { throwIfNoEntry: false });
    if (this.restoredAt && now) {
      return {
        error: `the index database was deleted while the daemon ran; it was restored from the open copy at ${this.restoredAt}, but writes since then go to the deleted file`,
        hint: 'restart the daemon (`contextd stop`, then start it again) so it uses the restored file',
      };
    }
    return st
      ? {
          error: 'the index database was replaced by another file while the daemon ran (it still writes to the old one)',
          hint: 'restart the daemon (`contextd stop`, then start it again) to use the file now at that path',
        }
      : {
          error: 'the index database was deleted while the daemon ran and could not be restored',
          hint: 'restart the daemon and add your repositories again (`contextd add`)',
        };
  }

  private restore(): void {
    const tmp = `${this.path}.restore-${process.pid}`;
    try {
      this.db.exec(`VACUUM INTO '${tmp.replace(/'/g, "''")}'`);
      chmodSync(tmp, OWNER_ONLY);
      renameSync(tmp, this.path);
      this.restoredAt = new Date().toISOString();
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing was written
      }
    }
  }
}
