/**
 * Who may index a repository right now. One daemon per data directory already holds
 * the daemon lock, so the embedded store needs nothing more (a no-op lock); daemons
 * sharing a PostgreSQL database take a PostgreSQL advisory lock per repository for the
 * length of an index run (postgres-store.ts), so two never index the same one at once.
 */
export interface RepoLease {
  /** Gives the lock back (safe to call twice; a lost connection has released it already). */
  release(): Promise<void>;
}

export interface RepoLock {
  readonly kind: string;
  /** Takes the lock of the repository at `root` (this machine's), or resolves null when another process holds it. */
  acquire(root: string): Promise<RepoLease | null>;
}

/** For backends with one writer by construction (the daemon lock guards the SQLite file). */
export const NO_REPO_LOCK: RepoLock = {
  kind: 'none',
  async acquire() {
    return { async release() {} };
  },
};
