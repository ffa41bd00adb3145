/**
 * Git history for both backends (one copy of the SQL, on SqlPort): commits stored once per id
 * and linked to the repositories that reach them, per-file blame as line ranges, co-change,
 * and the queries above them. Set-based statements (a round trip to a server costs more than
 * a row). What differs per engine (the commit-message index, matching an author) is a
 * `CommitLexicon` the backend passes in.
 */
import { errorMessage } from '../errors.js';
import { redactSecrets } from '../secrets.js';
import { batchesFor, valuesList, type SqlPort } from './sql-port.js';
import { asBool, CHUNK_COLS, COMMIT_COLS, toChunkRow, toCommit, type Row } from './tables.js';
import type {
  BlameStatus,
  BlameWork,
  BlameWrite,
  CoChangeCounts,
  CommitChunkRow,
  CommitInfo,
  CommitQuery,
  CommitRecord,
  CommitSearchQuery,
  CommitWithFiles,
  FileCommit,
  HistoryFilter,
  HistoryState,
  HistoryStats,
  HistoryStore,
  LineRangeQuery,
  LogUpdate,
  RangeBlame,
  RangeOwner,
  RenameRecord,
  StoredBlame,
  ViewFilter,
} from './types.js';

/** The view filter as SQL on a files-like alias (see repos.ts); `scoped`: other machines' repositories share the tables. */
export interface ViewSql {
  where(filter: ViewFilter, params: unknown[], alias?: string): string;
  readonly scoped: boolean;
}

/** What only the engine knows about commit messages and authors. */
export interface CommitLexicon {
  /** Indexes commit messages (rows of the message index under the commit's id). */
  add(c: SqlPort, rows: { id: number; subject: string; body: string }[]): Promise<void>;
  remove(c: SqlPort, ids: number[]): Promise<void>;
  /** A subquery `(id, score)` of the commits whose message matches (higher is better); null when none can. */
  matches(match: string, params: unknown[]): Promise<string | null>;
  /** Case-insensitive substring of the author's name or email, on commits alias `alias`. */
  author(alias: string, needle: string, params: unknown[]): string;
  /** Columns stored with each commit beyond the shared ones. */
  extra(m: { authorName: string; authorEmail: string }): Record<string, unknown>;
  /** The join that keeps the planner to the order written (SQLite's CROSS JOIN). */
  readonly fixedJoin: string;
  /** The error a user should see for a failed search (a bad MATCH, a path regex the engine refuses). */
  queryError(err: unknown): unknown;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const smaller = (a: string, b: string) => `CASE WHEN ${a} < ${b} THEN ${a} ELSE ${b} END`;
const larger = (a: string, b: string) => `CASE WHEN ${a} > ${b} THEN ${a} ELSE ${b} END`;

function groupBy<T, K>(rows: T[], key: (r: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list) list.push(r);
    else out.set(k, [r]);
  }
  return out;
}

/**
 * "Some line of [start, end] of file f is owned by a commit matching the filter". Lines not
 * committed yet count as changed now, by nobody in particular: they match a time window that
 * includes now and no author filter.
 */
export function historyFilterSql(
  lex: Pick<CommitLexicon, 'author'>,
  h: HistoryFilter,
  params: unknown[],
  startExpr: string,
  endExpr: string,
  fileAlias = 'f',
): string {
  const f = fileAlias;
  const conds: string[] = [];
  let sql = `EXISTS (SELECT 1 FROM blame_files hbf JOIN blame_ranges hb ON hb.repo_id = hbf.repo_id AND hb.path = hbf.path
      LEFT JOIN commits hc ON hc.id = hb.commit_id
      WHERE hbf.repo_id = ${f}.repo_id AND hbf.path = ${f}.path AND hbf.blob = ${f}.blob
        AND hb.start_line <= ${endExpr} AND hb.end_line >= ${startExpr}`;
  if (h.author) conds.push(lex.author('hc', h.author, params));
  timeWindow(conds, params, 'hc', h);
  const uncommittedOk = !h.author && (h.until === undefined || h.until >= Math.floor(Date.now() / 1000));
  sql += ` AND ((hb.commit_id IS NOT NULL AND ${conds.length ? conds.join(' AND ') : 'TRUE'})${uncommittedOk ? ' OR hb.commit_id IS NULL' : ''}))`;
  return sql;
}

/** `since` / `until` (unix seconds, inclusive) on a commits alias. */
function timeWindow(conds: string[], params: unknown[], alias: string, w: { since?: number; until?: number }): void {
  if (w.since !== undefined) {
    conds.push(`${alias}.author_time >= ?`);
    params.push(w.since);
  }
  if (w.until !== undefined) {
    conds.push(`${alias}.author_time <= ?`);
    params.push(w.until);
  }
}

const COMMIT_WRITE_COLS = [
  'sha',
  'parents',
  'author_name',
  'author_email',
  'author_time',
  'committer_name',
  'committer_email',
  'commit_time',
  'subject',
  'body',
  'files_changed',
];

export class SqlHistory implements HistoryStore {
  constructor(
    private readonly port: SqlPort,
    private readonly view: ViewSql,
    private readonly lex: CommitLexicon,
  ) {}

  private async upsertState(c: SqlPort, repoId: number, tip: string | null, shallow: boolean, grafts: string[]): Promise<void> {
    await c.run(
      `INSERT INTO history_state (repo_id, log_tip, shallow, grafts, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (repo_id) DO UPDATE SET log_tip = excluded.log_tip, shallow = excluded.shallow, grafts = excluded.grafts, updated_at = excluded.updated_at`,
      [repoId, tip, shallow, grafts.join(' '), Date.now()],
    );
  }

  private async stateOf(c: SqlPort, repoId: number): Promise<HistoryState | null> {
    const r = await c.get<Row>('SELECT log_tip, shallow, grafts, updated_at FROM history_state WHERE repo_id = ?', [repoId]);
    if (!r) return null;
    return {
      logTip: r.log_tip as string | null,
      shallow: asBool(r.shallow),
      grafts: r.grafts ? (r.grafts as string).split(' ') : [],
      updatedAt: r.updated_at as number,
    };
  }

  historyState(repoId: number): Promise<HistoryState | null> {
    return this.stateOf(this.port, repoId);
  }

  async resetHistoryLog(repoId: number): Promise<void> {
    await this.port.tx(async (c) => {
      const prev = await this.stateOf(c, repoId);
      await c.run('DELETE FROM repo_commits WHERE repo_id = ?', [repoId]);
      await this.upsertState(c, repoId, null, prev?.shallow ?? false, prev?.grafts ?? []);
    });
  }

  /** Inserts commits (new ones only: callers check) with their message rows; ids by sha, in input order. */
  private async insertCommits(c: SqlPort, commits: CommitInfo[], bodyless: boolean): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    if (!commits.length) return ids;
    const extraCols = Object.keys(this.lex.extra(commits[0]));
    for (const part of batchesFor(commits, COMMIT_WRITE_COLS.length + extraCols.length)) {
      const params: unknown[] = [];
      const rows = part.map((m) => [
        m.sha,
        m.parents.join(' '),
        m.authorName,
        m.authorEmail,
        m.authorTime,
        m.committerName,
        m.committerEmail,
        m.commitTime,
        m.subject,
        bodyless ? '' : m.body,
        bodyless ? null : m.filesChanged,
        ...Object.values(this.lex.extra(m)),
      ]);
      const sql = `INSERT INTO commits (${[...COMMIT_WRITE_COLS, ...extraCols].join(', ')}) VALUES ${valuesList(rows, params)} RETURNING id, sha`;
      for (const r of await c.all<{ id: number; sha: string }>(sql, params)) ids.set(r.sha, r.id);
    }
    await this.lex.add(
      c,
      commits.map((m) => ({ id: ids.get(m.sha)!, subject: m.subject, body: bodyless ? '' : m.body })),
    );
    return ids;
  }

  private async idsOf(c: SqlPort, shas: string[]): Promise<Map<string, { id: number; filesChanged: number | null }>> {
    const out = new Map<string, { id: number; filesChanged: number | null }>();
    if (!shas.length) return out;
    const params: unknown[] = [];
    const where = c.inList('sha', shas, params);
    for (const r of await c.all<Row>(`SELECT id, sha, files_changed FROM commits WHERE ${where}`, params)) {
      out.set(r.sha as string, { id: r.id as number, filesChanged: r.files_changed as number | null });
    }
    return out;
  }

  async addCommits(repoId: number, commits: CommitRecord[]): Promise<number> {
    if (!commits.length) return 0;
    return this.port.tx(async (c) => {
      const seen = new Set<string>();
      const list = commits.filter((m) => !seen.has(m.sha) && seen.add(m.sha));
      const existing = await this.idsOf(
        c,
        list.map((m) => m.sha),
      );
      const fresh = list.filter((m) => !existing.has(m.sha));
      const incomplete = list.filter((m) => existing.get(m.sha)?.filesChanged === null);
      const ids = await this.insertCommits(
        c,
        fresh.map((m) => ({ ...m, filesChanged: m.files.length })),
        false,
      );
      if (incomplete.length) {
        // Known so far only from blame (no body, no files): complete it, and its message row.
        for (const m of incomplete) {
          const id = existing.get(m.sha)!.id;
          const extra = this.lex.extra(m);
          await c.run(
            `UPDATE commits SET parents = ?, author_name = ?, author_email = ?, author_time = ?, committer_name = ?, committer_email = ?,
               commit_time = ?, subject = ?, body = ?, files_changed = ?${Object.keys(extra)
                 .map((k) => `, ${k} = ?`)
                 .join('')} WHERE id = ?`,
            [
              m.parents.join(' '),
              m.authorName,
              m.authorEmail,
              m.authorTime,
              m.committerName,
              m.committerEmail,
              m.commitTime,
              m.subject,
              m.body,
              m.files.length,
              ...Object.values(extra),
              id,
            ],
          );
          ids.set(m.sha, id);
        }
        await this.lex.remove(
          c,
          incomplete.map((m) => ids.get(m.sha)!),
        );
        await this.lex.add(
          c,
          incomplete.map((m) => ({ id: ids.get(m.sha)!, subject: m.subject, body: m.body })),
        );
      }
      const fileRows = [...fresh, ...incomplete].flatMap((m) => m.files.map((f) => [ids.get(m.sha)!, f.path, f.status, f.oldPath]));
      for (const part of batchesFor(fileRows, 4)) {
        const params: unknown[] = [];
        await c.run(`INSERT INTO commit_files (commit_id, path, status, old_path) VALUES ${valuesList(part, params)} ON CONFLICT DO NOTHING`, params);
      }
      const linked = list.map((m) => [repoId, ids.get(m.sha) ?? existing.get(m.sha)!.id]);
      for (const part of batchesFor(linked, 2)) {
        const params: unknown[] = [];
        await c.run(`INSERT INTO repo_commits (repo_id, commit_id) VALUES ${valuesList(part, params)} ON CONFLICT DO NOTHING`, params);
      }
      return fresh.length;
    });
  }

  async finishLogUpdate(repoId: number, u: LogUpdate): Promise<{ alreadyStale: string[] }> {
    return this.port.tx(async (c) => {
      let stale = new Set<string>();
      if (u.stalePaths.length) {
        const params: unknown[] = [repoId];
        const where = c.inList('path', u.stalePaths, params);
        stale = new Set((await c.all<{ path: string }>(`SELECT path FROM blame_files WHERE repo_id = ? AND stale AND ${where}`, params)).map((r) => r.path));
      }
      if (u.removed.length) {
        const params: unknown[] = [repoId];
        const where = c.inList('sha', u.removed, params);
        await c.run(`DELETE FROM repo_commits WHERE repo_id = ? AND commit_id IN (SELECT id FROM commits WHERE ${where})`, params);
      }
      if (u.staleAll) await c.run('UPDATE blame_files SET stale = ? WHERE repo_id = ?', [true, repoId]);
      else if (u.stalePaths.length) {
        const params: unknown[] = [true, repoId];
        const where = c.inList('path', u.stalePaths, params);
        await c.run(`UPDATE blame_files SET stale = ? WHERE repo_id = ? AND ${where}`, params);
      }
      await this.upsertState(c, repoId, u.tip, u.shallow, u.grafts);
      return { alreadyStale: u.stalePaths.filter((p) => stale.has(p)) };
    });
  }

  async commitPaths(shas: string[]): Promise<string[]> {
    if (!shas.length) return [];
    const params: unknown[] = [];
    const where = this.port.inList('cm.sha', shas, params);
    const out = new Set<string>();
    for (const r of await this.port.all<Row>(
      `SELECT cf.path, cf.old_path FROM commits cm JOIN commit_files cf ON cf.commit_id = cm.id WHERE ${where} ORDER BY cf.commit_id, cf.path`,
      params,
    )) {
      out.add(r.path as string);
      if (r.old_path) out.add(r.old_path as string);
    }
    return [...out];
  }

  async soleAdditions(repoId: number, paths: string[]): Promise<Map<string, string>> {
    if (!paths.length) return new Map();
    const params: unknown[] = [repoId];
    const where = this.port.inList('cf.path', paths, params);
    const rows = await this.port.all<{ path: string; sha: string }>(
      `SELECT cf.path, MIN(cm.sha) AS sha FROM commit_files cf
       JOIN repo_commits rc ON rc.commit_id = cf.commit_id AND rc.repo_id = ?
       JOIN commits cm ON cm.id = cf.commit_id
       WHERE ${where}
       GROUP BY cf.path HAVING COUNT(*) = 1 AND MIN(cf.status) = 'A'`,
      params,
    );
    return new Map(rows.map((r) => [r.path, r.sha]));
  }

  private toBlame(repoId: number) {
    return this.port.all<{ path: string; blob: string; size: number }>(
      `SELECT f.path, f.blob, f.size FROM files f
       LEFT JOIN blame_files b ON b.repo_id = f.repo_id AND b.path = f.path
       WHERE f.repo_id = ? AND f.status = 'indexed' AND (b.path IS NULL OR b.blob <> f.blob OR b.stale)
       ORDER BY f.path`,
      [repoId],
    );
  }

  async blameWork(repoId: number, paths?: string[]): Promise<BlameWork> {
    if (paths === undefined) {
      const orphans = await this.port.all<{ path: string }>(
        `SELECT b.path FROM blame_files b WHERE b.repo_id = ?
         AND NOT EXISTS (SELECT 1 FROM files f WHERE f.repo_id = b.repo_id AND f.path = b.path AND f.status = 'indexed')
         ORDER BY b.path`,
        [repoId],
      );
      return { toBlame: await this.toBlame(repoId), orphans: orphans.map((r) => r.path) };
    }
    const list = [...new Set(paths)];
    const out: BlameWork = { toBlame: [], orphans: [] };
    if (!list.length) return out;
    const read = async (sql: string) => {
      const params: unknown[] = [repoId];
      const where = this.port.inList('path', list, params);
      return new Map((await this.port.all<Row>(`${sql} WHERE repo_id = ? AND ${where}`, params)).map((r) => [r.path as string, r]));
    };
    const files = await read('SELECT path, blob, size, status FROM files');
    const blames = await read('SELECT path, blob, stale FROM blame_files');
    for (const path of list) {
      const f = files.get(path);
      const b = blames.get(path);
      if (f && f.status === 'indexed') {
        if (!b || b.blob !== f.blob || asBool(b.stale)) out.toBlame.push({ path, blob: f.blob as string, size: f.size as number });
      } else if (b) out.orphans.push(path);
    }
    out.toBlame.sort((a, b) => byText(a.path, b.path));
    return out;
  }

  /** Commits no repository reaches and no blame names (left by rewrites and removed repositories). */
  async pruneCommits(c: SqlPort): Promise<number> {
    const ids = (
      await c.all<{ id: number }>(
        `SELECT cm.id FROM commits cm WHERE NOT EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = cm.id)
         AND NOT EXISTS (SELECT 1 FROM blame_ranges b WHERE b.commit_id = cm.id)`,
      )
    ).map((r) => r.id);
    if (!ids.length) return 0;
    await this.lex.remove(c, ids);
    const params: unknown[] = [];
    await c.run(`DELETE FROM commits WHERE ${c.inList('id', ids, params)}`, params); // commit_files cascade
    return ids.length;
  }

  async writeBlames(repoId: number, files: BlameWrite[]): Promise<(string | null)[]> {
    if (!files.length) return [];
    try {
      return await this.port.tx((c) => this.writeBlameBatch(c, repoId, files));
    } catch (err) {
      if (this.port.lost(err)) throw err;
      // One file broke the batch: each in its own savepoint.
      return this.port.tx(async (c) => {
        const out: (string | null)[] = [];
        for (const f of files) {
          try {
            out.push((await c.tx((s) => this.writeBlameBatch(s, repoId, [f])))[0]);
          } catch (e) {
            if (this.port.lost(e)) throw e;
            out.push(errorMessage(e));
          }
        }
        return out;
      });
    }
  }

  private async writeBlameBatch(c: SqlPort, repoId: number, files: BlameWrite[]): Promise<(string | null)[]> {
    const named = new Set<string>();
    for (const f of files) {
      for (const r of f.ranges) if (r.sha !== null) named.add(r.sha);
      for (const m of f.commits) named.add(m.sha);
    }
    const ids = new Map([...(await this.idsOf(c, [...named]))].map(([sha, r]) => [sha, r.id]));
    // A file whose ranges name a commit that is neither stored nor described fails alone.
    const results: (string | null)[] = [];
    const ok = new Map<string, BlameWrite>();
    const described = new Set<string>();
    const toInsert: CommitInfo[] = [];
    for (const f of files) {
      const own = new Set(f.commits.map((m) => m.sha));
      const missing = f.ranges.find((r) => r.sha !== null && !ids.has(r.sha) && !own.has(r.sha) && !described.has(r.sha));
      if (missing) {
        results.push(`blame names commit ${missing.sha} that is not stored`);
        continue;
      }
      results.push(null);
      ok.set(f.path, f);
      // Not in the commit table yet (HEAD moved after the log walk): what blame said, completed by the next walk.
      for (const m of f.commits) {
        if (ids.has(m.sha) || described.has(m.sha)) continue;
        described.add(m.sha);
        toInsert.push(m);
      }
    }
    for (const [sha, id] of await this.insertCommits(c, toInsert, true)) ids.set(sha, id);
    if (!ok.size) return results;
    const params: unknown[] = [repoId];
    await c.run(`DELETE FROM blame_ranges WHERE repo_id = ? AND ${c.inList('path', [...ok.keys()], params)}`, params);
    const now = Date.now();
    for (const part of batchesFor([...ok.values()], 8)) {
      const p: unknown[] = [];
      await c.run(
        `INSERT INTO blame_files (repo_id, path, blob, status, detail, lines, stale, blamed_at) VALUES ${valuesList(
          part.map((f) => [repoId, f.path, f.blob, f.status, f.detail, f.lines, false, now]),
          p,
        )} ON CONFLICT (repo_id, path) DO UPDATE SET blob = excluded.blob, status = excluded.status, detail = excluded.detail,
           lines = excluded.lines, stale = excluded.stale, blamed_at = excluded.blamed_at`,
        p,
      );
    }
    const ranges = [...ok.values()].flatMap((f) => f.ranges.map((r) => [repoId, f.path, r.start, r.end, r.sha === null ? null : ids.get(r.sha)!]));
    for (const part of batchesFor(ranges, 5)) {
      const p: unknown[] = [];
      await c.run(`INSERT INTO blame_ranges (repo_id, path, start_line, end_line, commit_id) VALUES ${valuesList(part, p)}`, p);
    }
    return results;
  }

  async deleteBlames(repoId: number, paths: string[]): Promise<void> {
    if (!paths.length) return;
    const params: unknown[] = [repoId];
    await this.port.run(`DELETE FROM blame_files WHERE repo_id = ? AND ${this.port.inList('path', paths, params)}`, params); // ranges cascade
  }

  async fileBlame(repoId: number, path: string): Promise<StoredBlame | null> {
    const f = await this.port.get<Row>('SELECT blob, status, lines, stale FROM blame_files WHERE repo_id = ? AND path = ?', [repoId, path]);
    if (!f) return null;
    const ranges = await this.port.all<{ start_line: number; end_line: number; sha: string | null }>(
      `SELECT r.start_line, r.end_line, c.sha FROM blame_ranges r LEFT JOIN commits c ON c.id = r.commit_id
       WHERE r.repo_id = ? AND r.path = ? ORDER BY r.start_line`,
      [repoId, path],
    );
    return {
      blob: f.blob as string,
      status: f.status as BlameStatus,
      lines: f.lines as number,
      stale: asBool(f.stale),
      ranges: ranges.map((r) => ({ start: r.start_line, end: r.end_line, sha: r.sha })),
    };
  }

  /** Stored commits by id. */
  private async commitsById(ids: number[]): Promise<Map<number, CommitInfo>> {
    const out = new Map<number, CommitInfo>();
    if (!ids.length) return out;
    const params: unknown[] = [];
    for (const r of await this.port.all<Row>(`SELECT ${COMMIT_COLS} FROM commits cm WHERE ${this.port.inList('cm.id', ids, params)}`, params)) {
      out.set(r.id as number, toCommit(r));
    }
    return out;
  }

  async blameForRanges(queries: LineRangeQuery[]): Promise<RangeBlame[]> {
    if (!queries.length) return [];
    const qs = (params: unknown[]) =>
      `WITH q(i, repo_id, path, s, e) AS (VALUES ${queries
        .map(
          (x, i) => (
            params.push(i, x.repoId, x.path, x.startLine, x.endLine),
            '(CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT))'
          ),
        )
        .join(', ')}) `;
    const p1: unknown[] = [];
    const files = await this.port.all<Row>(
      `${qs(p1)}SELECT q.i, b.blob, b.status, b.detail, f.blob AS view_blob FROM q
       JOIN blame_files b ON b.repo_id = q.repo_id AND b.path = q.path
       LEFT JOIN files f ON f.repo_id = b.repo_id AND f.path = b.path`,
      p1,
    );
    const p2: unknown[] = [];
    const ranges = await this.port.all<{ i: number; start_line: number; end_line: number; commit_id: number | null }>(
      `${qs(p2)}SELECT q.i, r.start_line, r.end_line, r.commit_id FROM q
       JOIN blame_ranges r ON r.repo_id = q.repo_id AND r.path = q.path AND r.start_line <= q.e AND r.end_line >= q.s
       ORDER BY q.i, r.start_line`,
      p2,
    );
    const commits = await this.commitsById([...new Set(ranges.map((r) => r.commit_id).filter((id): id is number => id !== null))]);
    const fileOf = new Map(files.map((r) => [Number(r.i), r]));
    const rangesOf = groupBy(ranges, (r) => Number(r.i));
    return queries.map((q, i): RangeBlame => {
      const file = fileOf.get(i);
      if (!file || file.view_blob !== file.blob) return { status: 'pending', detail: null, owners: [] };
      const owners = new Map<number | null, RangeOwner>();
      for (const r of rangesOf.get(i) ?? []) {
        const start = Math.max(r.start_line, q.startLine);
        const end = Math.min(r.end_line, q.endLine);
        let o = owners.get(r.commit_id);
        if (!o) {
          o = { commit: r.commit_id === null ? null : commits.get(r.commit_id)!, lines: 0, ranges: [] };
          owners.set(r.commit_id, o);
        }
        o.lines += end - start + 1;
        o.ranges.push([start, end]);
      }
      return { status: file.status as BlameStatus, detail: file.detail as string | null, owners: [...owners.values()] };
    });
  }

  async searchCommitChunks(q: CommitSearchQuery): Promise<CommitChunkRow[]> {
    const params: unknown[] = [];
    const hits = await this.lex.matches(q.match, params);
    if (hits === null) return [];
    // A commit that touched hundreds of files explains none of them in particular.
    const conds = ['(cm.files_changed IS NULL OR cm.files_changed <= ?)'];
    params.push(q.maxCommitFiles);
    // Commits of the repositories searched. With none named every commit counts, except in a
    // shared database those only other machines' repositories reach.
    if (q.repoIds?.length)
      conds.push(`EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = s.id AND ${this.view.where({ repoIds: q.repoIds }, params, 'rc')})`);
    else if (this.view.scoped) {
      conds.push(`(NOT EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = s.id)
        OR EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = s.id AND ${this.view.where({}, params, 'rc')}))`);
    }
    if (q.history?.author) conds.push(this.lex.author('cm', q.history.author, params));
    if (q.history) timeWindow(conds, params, 'cm', q.history);
    params.push(q.commitLimit);
    const J = this.lex.fixedJoin;
    // The join order is fixed: the few matching commits first, then the lines they own
    // (blame_ranges_commit), then the chunks over those lines; text and bodies are loaded
    // afterwards, once. Equal scores are ordered by commit id (sha), then chunk place.
    const sql = `WITH hits AS MATERIALIZED (
        SELECT s.id AS cid, s.score, cm.sha FROM ${hits} s JOIN commits cm ON cm.id = s.id
        WHERE ${conds.join(' AND ')}
        ORDER BY s.score DESC, cm.sha LIMIT ?
      )
      SELECT ${CHUNK_COLS}, h.cid, h.score,
        SUM(${smaller('b.end_line', 'pc.end_line')} - ${larger('b.start_line', 'pc.start_line')} + 1) AS owned
      FROM hits h
      ${J} blame_ranges b ON b.commit_id = h.cid
      ${J} blame_files bf ON bf.repo_id = b.repo_id AND bf.path = b.path
      ${J} files f ON f.repo_id = b.repo_id AND f.path = b.path AND f.blob = bf.blob
      ${J} parse_chunks pc ON pc.parse_id = f.parse_id AND pc.start_line <= b.end_line AND pc.end_line >= b.start_line
      WHERE ${this.view.where({ repoIds: q.repoIds, languages: q.languages, pathRegexes: q.pathRegexes }, params)}
      GROUP BY f.repo_id, f.path, pc.id, h.cid, h.score, h.sha
      ORDER BY h.score DESC, owned DESC, h.sha, f.repo_id, f.path, pc.start_line, pc.end_line
      LIMIT 5000`;
    let rows: Row[];
    try {
      rows = await this.port.all<Row>(sql, params);
    } catch (err) {
      throw this.lex.queryError(err);
    }
    const commits = await this.commitsById([...new Set(rows.map((r) => r.cid as number))]);
    const texts = await chunkTexts(
      this.port,
      rows.map((r) => r.chunk_hash as string),
    );
    return rows.map((r) => {
      const c = commits.get(r.cid as number)!;
      return {
        ...toChunkRow({ ...r, text: texts.get(r.chunk_hash as string) }),
        commitSha: c.sha,
        commitSubject: redactSecrets(c.subject),
        commitBody: redactSecrets(c.body),
        commitScore: r.score as number,
        ownedLines: Number(r.owned),
      };
    });
  }

  async fileCommits(repoId: number, paths: string[], limit: number): Promise<FileCommit[]> {
    if (!paths.length) return [];
    const params: unknown[] = [repoId];
    const where = this.port.inList('cf.path', paths, params);
    params.push(limit);
    const rows = await this.port.all<Row>(
      `SELECT ${COMMIT_COLS}, cf.path, cf.status FROM commit_files cf
       JOIN repo_commits rc ON rc.commit_id = cf.commit_id AND rc.repo_id = ?
       JOIN commits cm ON cm.id = cf.commit_id
       WHERE ${where}
       ORDER BY cm.commit_time DESC, cm.author_time DESC, cm.id DESC, cf.path LIMIT ?`,
      params,
    );
    const seen = new Set<string>();
    const out: FileCommit[] = [];
    for (const r of rows) {
      if (seen.has(r.sha as string)) continue; // one commit touching two names of the file (a rename)
      seen.add(r.sha as string);
      out.push({ ...toCommit(r), path: r.path as string, status: r.status as string });
    }
    return out;
  }

  async renames(repoId: number): Promise<RenameRecord[]> {
    const rows = await this.port.all<{ old_path: string; path: string; sha: string; commit_time: number }>(
      `SELECT cf.old_path, cf.path, cm.sha, cm.commit_time FROM repo_commits rc
       JOIN commit_files cf ON cf.commit_id = rc.commit_id
       JOIN commits cm ON cm.id = rc.commit_id
       WHERE rc.repo_id = ? AND cf.status = 'R' AND cf.old_path IS NOT NULL
       ORDER BY cm.commit_time DESC, cm.id DESC, cf.path`,
      [repoId],
    );
    return rows.map((r) => ({ from: r.old_path, to: r.path, sha: r.sha, time: r.commit_time }));
  }

  async coChange(repoId: number, paths: string[], maxFiles: number): Promise<CoChangeCounts> {
    if (!paths.length) return { commits: 0, ignored: 0, partners: [] };
    // Merges never count: what they bring is counted in the commits they merge.
    const target = (params: unknown[]) =>
      `SELECT DISTINCT cf.commit_id FROM commit_files cf
       JOIN repo_commits rc ON rc.commit_id = cf.commit_id AND rc.repo_id = ${(params.push(repoId), '?')}
       JOIN commits m ON m.id = cf.commit_id AND m.parents NOT LIKE '% %'
       WHERE ${this.port.inList('cf.path', paths, params)}`;
    const p1: unknown[] = [maxFiles, maxFiles];
    const counts = (await this.port.get<{ ok: number; ignored: number }>(
      `SELECT COALESCE(SUM(CASE WHEN cm.files_changed <= ? THEN 1 ELSE 0 END), 0) AS ok,
         COALESCE(SUM(CASE WHEN cm.files_changed > ? THEN 1 ELSE 0 END), 0) AS ignored
       FROM (${target(p1)}) t JOIN commits cm ON cm.id = t.commit_id`,
      p1,
    ))!;
    const p2: unknown[] = [];
    const from = target(p2);
    p2.push(maxFiles);
    const partners = await this.port.all<{ path: string; n: number }>(
      `SELECT cf.path, COUNT(DISTINCT cf.commit_id) AS n
       FROM (${from}) t
       JOIN commits cm ON cm.id = t.commit_id AND cm.files_changed <= ?
       JOIN commit_files cf ON cf.commit_id = t.commit_id
       WHERE NOT (${this.port.inList('cf.path', paths, p2)})
       GROUP BY cf.path ORDER BY n DESC, cf.path`,
      p2,
    );
    return { commits: Number(counts.ok), ignored: Number(counts.ignored), partners: partners.map((p) => ({ path: p.path, count: Number(p.n) })) };
  }

  async recentCommits(q: CommitQuery): Promise<CommitWithFiles[]> {
    const params: unknown[] = [q.repoId];
    const conds = ['rc.repo_id = ?'];
    timeWindow(conds, params, 'cm', q);
    if (q.author) conds.push(this.lex.author('cm', q.author, params));
    params.push(q.limit);
    const rows = await this.port.all<Row>(
      `SELECT ${COMMIT_COLS} FROM repo_commits rc JOIN commits cm ON cm.id = rc.commit_id
       WHERE ${conds.join(' AND ')}
       ORDER BY cm.author_time DESC, cm.commit_time DESC, cm.id DESC LIMIT ?`,
      params,
    );
    let files = new Map<number, Row[]>();
    if (rows.length) {
      const p: unknown[] = [];
      const where = this.port.inList(
        'commit_id',
        rows.map((r) => r.id as number),
        p,
      );
      files = groupBy(
        await this.port.all<Row>(`SELECT commit_id, path, status, old_path FROM commit_files WHERE ${where} ORDER BY commit_id, path`, p),
        (f) => f.commit_id as number,
      );
    }
    return rows.map((r) => ({
      ...toCommit(r),
      files: (files.get(r.id as number) ?? []).map((f) => ({ path: f.path as string, status: f.status as string, oldPath: f.old_path as string | null })),
    }));
  }

  async historyStats(repoId: number): Promise<HistoryStats> {
    const state = await this.historyState(repoId);
    const files: Record<string, number> = {};
    for (const r of await this.port.all<{ status: string; n: number }>(
      'SELECT status, COUNT(*) AS n FROM blame_files WHERE repo_id = ? GROUP BY status ORDER BY status',
      [repoId],
    )) {
      files[r.status] = r.n;
    }
    const n = (await this.port.get<{ n: number }>('SELECT COUNT(*) AS n FROM repo_commits WHERE repo_id = ?', [repoId]))!.n;
    return { commits: n, logTip: state?.logTip ?? null, shallow: state?.shallow ?? false, files, pending: (await this.toBlame(repoId)).length };
  }
}

/** Chunk texts by hash (one read for all). */
export async function chunkTexts(port: SqlPort, hashes: string[]): Promise<Map<string, string>> {
  const list = [...new Set(hashes)];
  if (!list.length) return new Map();
  const params: unknown[] = [];
  const rows = await port.all<{ hash: string; text: string }>(`SELECT hash, text FROM chunks WHERE ${port.inList('hash', list, params)}`, params);
  return new Map(rows.map((r) => [r.hash, r.text]));
}
