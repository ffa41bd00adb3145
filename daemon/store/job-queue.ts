/**
 * The persistent job queue for both backends (SqlPort). Work is a row per (repository,
 * path), '' = reconcile the whole tree; `seq` grows on every enqueue, so work requested
 * again while it runs is not lost (finishing removes only rows not queued since).
 */
import { batchesFor, valuesList, type SqlPort } from './sql-port.js';
import type { RepoScope } from './repos.js';
import type { JobBatch, JobQueue } from './types.js';

export class SqlJobQueue implements JobQueue {
  constructor(
    private readonly port: SqlPort,
    private readonly scope: RepoScope,
    /** n fresh sequence numbers, increasing (SQLite: a counter; PostgreSQL: a sequence shared by every daemon). */
    private readonly nextSeqs: (n: number) => Promise<number[]>,
  ) {}

  async enqueue(repoId: number, paths: string[] | null, reason: string): Promise<void> {
    const list = [...new Set(paths ?? [''])];
    if (!list.length) return;
    const seqs = await this.nextSeqs(list.length);
    const now = Date.now();
    await this.port.tx(async (c) => {
      for (const part of batchesFor(
        list.map((p, i) => [repoId, p, seqs[i], reason, now]),
        5,
      )) {
        const params: unknown[] = [];
        await c.run(
          `INSERT INTO jobs (repo_id, path, seq, reason, created_at) VALUES ${valuesList(part, params)}
           ON CONFLICT (repo_id, path) DO UPDATE SET seq = excluded.seq, reason = excluded.reason`,
          params,
        );
      }
    });
  }

  async pendingJobs(): Promise<Map<number, number>> {
    const mine = this.scope ? `WHERE j.repo_id IN (SELECT id FROM repos WHERE ${this.scope.col} = ?)` : '';
    const rows = await this.port.all<{ repo_id: number; n: number }>(
      `SELECT j.repo_id, COUNT(*) AS n FROM jobs j ${mine} GROUP BY j.repo_id ORDER BY j.repo_id`,
      this.scope ? [this.scope.value] : [],
    );
    return new Map(rows.map((r) => [r.repo_id, Number(r.n)]));
  }

  async takeJobs(repoId: number, max: number): Promise<JobBatch | null> {
    const full = await this.port.get<{ seq: number }>("SELECT seq FROM jobs WHERE repo_id = ? AND path = ''", [repoId]);
    const rows = full
      ? await this.port.all<{ path: string; seq: number; reason: string }>('SELECT path, seq, reason FROM jobs WHERE repo_id = ? ORDER BY path', [repoId])
      : await this.port.all<{ path: string; seq: number; reason: string }>('SELECT path, seq, reason FROM jobs WHERE repo_id = ? ORDER BY seq LIMIT ?', [
          repoId,
          max,
        ]);
    if (!rows.length) return null;
    return {
      full: !!full,
      paths: rows.filter((r) => r.path !== '').map((r) => r.path),
      reasons: [...new Set(rows.map((r) => r.reason))],
      taken: rows.map((r) => [r.path, r.seq]),
    };
  }

  async finishJobs(repoId: number, batch: JobBatch): Promise<void> {
    await this.port.tx(async (c) => {
      for (const part of batchesFor(batch.taken, 2)) {
        const params: unknown[] = [];
        const values = part.map(([path, seq]) => (params.push(path, seq), '(CAST(? AS TEXT), CAST(? AS BIGINT))')).join(', ');
        params.push(repoId);
        await c.run(
          `WITH t(path, seq) AS (VALUES ${values}) DELETE FROM jobs WHERE repo_id = ? AND EXISTS (SELECT 1 FROM t WHERE t.path = jobs.path AND jobs.seq <= t.seq)`,
          params,
        );
      }
    });
  }
}
