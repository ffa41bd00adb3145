/**
 * Repositories and their views, for both backends (SqlPort): one copy of the SQL. On a
 * shared PostgreSQL database repositories belong to a machine (`scope`); a view filter
 * without repositories then means this machine's.
 */
import { FILE_COLS, REPO_COLS, REPO_PATCH_COLS, toFile, toRepo, type RepoPatch, type Row } from './tables.js';
import type { ViewSql } from './history-store.js';
import type { SqlPort } from './sql-port.js';
import type { FileRecord, RepoRecord, RepoStore, ViewFilter, ViewStats } from './types.js';

/** The column that says whose a repository is, and this store's value (PostgreSQL: `machine`). */
export type RepoScope = { col: string; value: string } | null;

/** The view filter on a files-like alias (repo_id, language, path) as SQL; params in order. */
export function viewSql(port: SqlPort, scope: RepoScope): ViewSql {
  return {
    scoped: scope !== null,
    where(filter: ViewFilter, params: unknown[], alias = 'f'): string {
      const clauses: string[] = [];
      if (filter.repoIds?.length) clauses.push(port.inList(`${alias}.repo_id`, filter.repoIds, params));
      else if (scope) {
        clauses.push(`${alias}.repo_id IN (SELECT id FROM repos WHERE ${scope.col} = ?)`);
        params.push(scope.value);
      }
      if (filter.languages?.length) clauses.push(port.inList(`${alias}.language`, filter.languages, params));
      if (filter.pathRegexes?.length) {
        clauses.push(`(${filter.pathRegexes.map((re) => (params.push(re), `${alias}.path ${port.regexOp} ?`)).join(' OR ')})`);
      }
      return clauses.length ? clauses.join(' AND ') : 'TRUE';
    },
  };
}

export class SqlRepos implements RepoStore {
  private readonly mine: string;
  private readonly mineParams: unknown[];

  constructor(
    private readonly port: SqlPort,
    private readonly scope: RepoScope,
  ) {
    this.mine = scope ? `${scope.col} = ?` : 'TRUE';
    this.mineParams = scope ? [scope.value] : [];
  }

  async ensureRepo(root: string, name: string): Promise<RepoRecord> {
    const cols = ['root', 'name', 'added_at', ...(this.scope ? [this.scope.col] : [])];
    await this.port.run(`INSERT INTO repos (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')}) ON CONFLICT DO NOTHING`, [
      root,
      name,
      Date.now(),
      ...this.mineParams,
    ]);
    return (await this.getRepo(root))!;
  }

  async getRepo(root: string): Promise<RepoRecord | null> {
    const r = await this.port.get<Row>(`SELECT ${REPO_COLS} FROM repos WHERE ${this.mine} AND root = ?`, [...this.mineParams, root]);
    return r ? toRepo(r) : null;
  }

  async getRepoById(id: number): Promise<RepoRecord | null> {
    const r = await this.port.get<Row>(`SELECT ${REPO_COLS} FROM repos WHERE id = ?`, [id]);
    return r ? toRepo(r) : null;
  }

  async listRepos(): Promise<RepoRecord[]> {
    return (await this.port.all<Row>(`SELECT ${REPO_COLS} FROM repos WHERE ${this.mine} ORDER BY root`, this.mineParams)).map(toRepo);
  }

  async updateRepo(id: number, patch: RepoPatch): Promise<void> {
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || !(key in REPO_PATCH_COLS)) continue;
      sets.push(`${REPO_PATCH_COLS[key as keyof typeof REPO_PATCH_COLS]} = ?`);
      params.push(value);
    }
    if (sets.length) await this.port.run(`UPDATE repos SET ${sets.join(', ')} WHERE id = ?`, [...params, id]);
  }

  async removeRepo(id: number): Promise<void> {
    // Jobs, blame and history links go with it (foreign keys cascade).
    await this.port.tx(async (c) => {
      await c.run('DELETE FROM files WHERE repo_id = ?', [id]);
      await c.run('DELETE FROM repos WHERE id = ?', [id]);
    });
  }

  async listFiles(repoId: number): Promise<Map<string, FileRecord>> {
    const rows = await this.port.all<Row>(`SELECT ${FILE_COLS} FROM files WHERE repo_id = ?`, [repoId]);
    return new Map(rows.map((r) => [r.path as string, toFile(r)]));
  }

  async deleteFiles(repoId: number, paths: string[]): Promise<void> {
    if (!paths.length) return;
    const params: unknown[] = [repoId];
    await this.port.run(`DELETE FROM files WHERE repo_id = ? AND ${this.port.inList('path', paths, params)}`, params);
  }

  async stats(repoId?: number): Promise<ViewStats> {
    const where = repoId === undefined ? `f.repo_id IN (SELECT id FROM repos WHERE ${this.mine})` : 'f.repo_id = ?';
    const params = repoId === undefined ? this.mineParams : [repoId];
    const files = await this.port.all<{ status: string; language: string | null; n: number; bytes: number | null }>(
      `SELECT status, language, COUNT(*) AS n, SUM(size) AS bytes FROM files f WHERE ${where} GROUP BY status, language`,
      params,
    );
    const out: ViewStats = { files: 0, skipped: 0, chunks: 0, symbols: 0, bytes: 0, languages: {} };
    for (const r of files) {
      if (r.status === 'skipped') {
        out.skipped += Number(r.n);
        continue;
      }
      out.files += Number(r.n);
      out.bytes += Number(r.bytes ?? 0);
      if (r.language) out.languages[r.language] = (out.languages[r.language] ?? 0) + Number(r.n);
    }
    const counts = (await this.port.get<{ chunks: number; symbols: number }>(
      `SELECT (SELECT COUNT(*) FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id WHERE ${where}) AS chunks,
        (SELECT COUNT(*) FROM files f JOIN symbols s ON s.parse_id = f.parse_id WHERE ${where}) AS symbols`,
      [...params, ...params],
    ))!;
    out.chunks = Number(counts.chunks);
    out.symbols = Number(counts.symbols);
    return out;
  }
}
