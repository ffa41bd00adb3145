/**
 * The SQLite side of git history (schema: migration 3): commits stored once per
 * id and linked to the repositories that reach them, commit messages in FTS5,
 * per-file blame as line ranges, and the queries above them. Used by
 * SqliteStore, which exposes these through the backend-neutral MetadataStore.
 */
import type { Database as Db } from 'better-sqlite3';
import { ContextdError } from '../errors.js';
import { redactSecrets } from '../secrets.js';
import { indexText } from '../search/tokenize.js';
import type { ChunkKind } from '../lang/types.js';
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
  LineRangeQuery,
  LogUpdate,
  RangeBlame,
  RangeOwner,
  RenameRecord,
  StoredBlame,
  ViewFilter,
} from './types.js';

interface CommitRow {
  id: number;
  sha: string;
  parents: string;
  author_name: string;
  author_email: string;
  author_time: number;
  committer_name: string;
  committer_email: string;
  commit_time: number;
  subject: string;
  body: string;
  files_changed: number | null;
}

function toCommit(r: CommitRow): CommitInfo {
  return {
    sha: r.sha,
    parents: r.parents ? r.parents.split(' ') : [],
    authorName: r.author_name,
    authorEmail: r.author_email,
    authorTime: r.author_time,
    committerName: r.committer_name,
    committerEmail: r.committer_email,
    commitTime: r.commit_time,
    // Indexes written before commit messages were redacted on the way in are redacted on the way out.
    subject: redactSecrets(r.subject),
    body: redactSecrets(r.body),
    filesChanged: r.files_changed,
  };
}

const COMMIT_COLS =
  'cm.id, cm.sha, cm.parents, cm.author_name, cm.author_email, cm.author_time, cm.committer_name, cm.committer_email, cm.commit_time, cm.subject, cm.body, cm.files_changed';

/** SQL for "a path filter on alias f": provided by SqliteStore so both modules filter views the same way. */
export type ViewWhere = (filter: ViewFilter, params: unknown[], alias?: string) => string;

function chunked<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function placeholders(n: number): string {
  return new Array(n).fill('?').join(',');
}

/**
 * The condition "some line of [start, end] of file f is owned by a commit matching
 * the filter", as SQL. Lines not committed yet count as changed now, by nobody in
 * particular: they match a time window that includes now and no author filter.
 */
export function historyFilterSql(h: HistoryFilter, params: unknown[], startExpr: string, endExpr: string, fileAlias = 'f'): string {
  const commitConds: string[] = [];
  if (h.author) {
    commitConds.push('(contextd_icontains(hc.author_name, ?) OR contextd_icontains(hc.author_email, ?))');
    params.push(h.author.toLowerCase(), h.author.toLowerCase());
  }
  if (h.since !== undefined) {
    commitConds.push('hc.author_time >= ?');
    params.push(h.since);
  }
  if (h.until !== undefined) {
    commitConds.push('hc.author_time <= ?');
    params.push(h.until);
  }
  const now = Math.floor(Date.now() / 1000);
  const uncommittedOk = !h.author && (h.until === undefined || h.until >= now);
  const commitSql = commitConds.length ? commitConds.join(' AND ') : '1';
  return `EXISTS (SELECT 1 FROM blame_files hbf JOIN blame_ranges hb ON hb.repo_id = hbf.repo_id AND hb.path = hbf.path
      LEFT JOIN commits hc ON hc.id = hb.commit_id
      WHERE hbf.repo_id = ${fileAlias}.repo_id AND hbf.path = ${fileAlias}.path AND hbf.blob = ${fileAlias}.blob
        AND hb.start_line <= ${endExpr} AND hb.end_line >= ${startExpr}
        AND ((hb.commit_id IS NOT NULL AND ${commitSql})${uncommittedOk ? ' OR hb.commit_id IS NULL' : ''}))`;
}

export class SqliteHistory {
  private readonly s: ReturnType<SqliteHistory['prepare']>;

  constructor(
    private readonly db: Db,
    private readonly viewWhere: ViewWhere,
  ) {
    // Case-insensitive substring for any script (SQLite's LIKE and lower() only fold ASCII).
    // The needle arrives lowercased.
    db.function('contextd_icontains', { deterministic: true }, (hay: unknown, needle: unknown) =>
      typeof hay === 'string' && typeof needle === 'string' && hay.toLowerCase().includes(needle) ? 1 : 0,
    );
    this.s = this.prepare();
  }

  private prepare() {
    const db = this.db;
    return {
      state: db.prepare<[number], { log_tip: string | null; shallow: number; grafts: string; updated_at: number }>(
        'SELECT log_tip, shallow, grafts, updated_at FROM history_state WHERE repo_id = ?',
      ),
      upsertState: db.prepare(
        `INSERT INTO history_state (repo_id, log_tip, shallow, grafts, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (repo_id) DO UPDATE SET log_tip = excluded.log_tip, shallow = excluded.shallow, grafts = excluded.grafts, updated_at = excluded.updated_at`,
      ),
      commitBySha: db.prepare<[string], { id: number; files_changed: number | null }>('SELECT id, files_changed FROM commits WHERE sha = ?'),
      commitById: db.prepare<[number], CommitRow>(`SELECT ${COMMIT_COLS} FROM commits cm WHERE cm.id = ?`),
      insertCommit: db.prepare(
        `INSERT INTO commits (sha, parents, author_name, author_email, author_time, committer_name, committer_email, commit_time, subject, body, files_changed)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      completeCommit: db.prepare(
        `UPDATE commits SET parents = ?, author_name = ?, author_email = ?, author_time = ?, committer_name = ?, committer_email = ?,
           commit_time = ?, subject = ?, body = ?, files_changed = ? WHERE id = ?`,
      ),
      insertCommitFts: db.prepare('INSERT INTO commit_fts (rowid, subject, body) VALUES (?, ?, ?)'),
      deleteCommitFts: db.prepare('DELETE FROM commit_fts WHERE rowid = ?'),
      insertCommitFile: db.prepare('INSERT OR IGNORE INTO commit_files (commit_id, path, status, old_path) VALUES (?, ?, ?, ?)'),
      link: db.prepare('INSERT OR IGNORE INTO repo_commits (repo_id, commit_id) VALUES (?, ?)'),
      unlink: db.prepare('DELETE FROM repo_commits WHERE repo_id = ? AND commit_id = (SELECT id FROM commits WHERE sha = ?)'),
      unlinkAll: db.prepare('DELETE FROM repo_commits WHERE repo_id = ?'),
      staleAll: db.prepare('UPDATE blame_files SET stale = 1 WHERE repo_id = ?'),
      stalePath: db.prepare('UPDATE blame_files SET stale = 1 WHERE repo_id = ? AND path = ?'),
      toBlame: db.prepare<[number], { path: string; blob: string; size: number }>(
        `SELECT f.path, f.blob, f.size FROM files f
         LEFT JOIN blame_files b ON b.repo_id = f.repo_id AND b.path = f.path
         WHERE f.repo_id = ? AND f.status = 'indexed' AND (b.path IS NULL OR b.blob != f.blob OR b.stale = 1)
         ORDER BY f.path`,
      ),
      orphans: db.prepare<[number], { path: string }>(
        `SELECT b.path FROM blame_files b WHERE b.repo_id = ?
         AND NOT EXISTS (SELECT 1 FROM files f WHERE f.repo_id = b.repo_id AND f.path = b.path AND f.status = 'indexed')`,
      ),
      deleteRanges: db.prepare('DELETE FROM blame_ranges WHERE repo_id = ? AND path = ?'),
      deleteBlameFile: db.prepare('DELETE FROM blame_files WHERE repo_id = ? AND path = ?'),
      insertBlameFile: db.prepare(
        `INSERT INTO blame_files (repo_id, path, blob, status, detail, lines, stale, blamed_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?)
         ON CONFLICT (repo_id, path) DO UPDATE SET blob = excluded.blob, status = excluded.status, detail = excluded.detail,
           lines = excluded.lines, stale = 0, blamed_at = excluded.blamed_at`,
      ),
      insertRange: db.prepare('INSERT INTO blame_ranges (repo_id, path, start_line, end_line, commit_id) VALUES (?, ?, ?, ?, ?)'),
      blameFile: db.prepare<[number, string], { blob: string; status: string; detail: string | null; view_blob: string | null }>(
        `SELECT b.blob, b.status, b.detail, f.blob AS view_blob FROM blame_files b
         LEFT JOIN files f ON f.repo_id = b.repo_id AND f.path = b.path
         WHERE b.repo_id = ? AND b.path = ?`,
      ),
      rangesIn: db.prepare<[number, string, number, number], { start_line: number; end_line: number; commit_id: number | null }>(
        `SELECT start_line, end_line, commit_id FROM blame_ranges
         WHERE repo_id = ? AND path = ? AND start_line <= ? AND end_line >= ? ORDER BY start_line`,
      ),
      filesOfCommit: db.prepare<[number], { path: string; status: string; old_path: string | null }>(
        'SELECT path, status, old_path FROM commit_files WHERE commit_id = ? ORDER BY path',
      ),
      renames: db.prepare<[number], { old_path: string; path: string; sha: string; commit_time: number }>(
        `SELECT cf.old_path, cf.path, cm.sha, cm.commit_time FROM repo_commits rc
         JOIN commit_files cf ON cf.commit_id = rc.commit_id
         JOIN commits cm ON cm.id = rc.commit_id
         WHERE rc.repo_id = ? AND cf.status = 'R' AND cf.old_path IS NOT NULL
         ORDER BY cm.commit_time DESC, cm.id DESC, cf.path`,
      ),
      repoCommitCount: db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM repo_commits WHERE repo_id = ?'),
      blameStatusCounts: db.prepare<[number], { status: string; n: number }>(
        'SELECT status, COUNT(*) AS n FROM blame_files WHERE repo_id = ? GROUP BY status',
      ),
    };
  }

  historyState(repoId: number): HistoryState | null {
    const r = this.s.state.get(repoId);
    if (!r) return null;
    return { logTip: r.log_tip, shallow: r.shallow === 1, grafts: r.grafts ? r.grafts.split(' ') : [], updatedAt: r.updated_at };
  }

  resetHistoryLog(repoId: number): void {
    this.db.transaction(() => {
      const prev = this.historyState(repoId);
      this.s.unlinkAll.run(repoId);
      this.s.upsertState.run(repoId, null, prev?.shallow ? 1 : 0, prev?.grafts.join(' ') ?? '', Date.now());
    })();
  }

  addCommits(repoId: number, commits: CommitRecord[]): number {
    return this.db.transaction(() => {
      let added = 0;
      for (const c of commits) {
        const existing = this.s.commitBySha.get(c.sha);
        let id: number;
        const fields = [
          c.parents.join(' '),
          c.authorName,
          c.authorEmail,
          c.authorTime,
          c.committerName,
          c.committerEmail,
          c.commitTime,
          c.subject,
          c.body,
          c.files.length,
        ] as const;
        if (!existing) {
          id = Number(this.s.insertCommit.run(c.sha, ...fields).lastInsertRowid);
          added++;
        } else if (existing.files_changed === null) {
          // Known so far only from blame (no body, no files): complete it.
          id = existing.id;
          this.s.completeCommit.run(...fields, id);
          this.s.deleteCommitFts.run(id);
        } else {
          this.s.link.run(repoId, existing.id);
          continue;
        }
        this.s.insertCommitFts.run(id, indexText(c.subject), indexText(c.body));
        for (const f of c.files) this.s.insertCommitFile.run(id, f.path, f.status, f.oldPath);
        this.s.link.run(repoId, id);
      }
      return added;
    })();
  }

  finishLogUpdate(repoId: number, u: LogUpdate): { alreadyStale: string[] } {
    const isStale = this.db.prepare<[number, string], { stale: number }>('SELECT stale FROM blame_files WHERE repo_id = ? AND path = ?');
    return this.db.transaction(() => {
      const alreadyStale = u.stalePaths.filter((p) => isStale.get(repoId, p)?.stale === 1);
      for (const sha of u.removed) this.s.unlink.run(repoId, sha);
      if (u.staleAll) this.s.staleAll.run(repoId);
      else for (const p of u.stalePaths) this.s.stalePath.run(repoId, p);
      this.s.upsertState.run(repoId, u.tip, u.shallow ? 1 : 0, u.grafts.join(' '), Date.now());
      return { alreadyStale };
    })();
  }

  commitPaths(shas: string[]): string[] {
    const out = new Set<string>();
    for (const part of chunked(shas, 500)) {
      const rows = this.db
        .prepare<unknown[], { path: string; old_path: string | null }>(
          `SELECT cf.path, cf.old_path FROM commits cm JOIN commit_files cf ON cf.commit_id = cm.id WHERE cm.sha IN (${placeholders(part.length)})`,
        )
        .all(...part);
      for (const r of rows) {
        out.add(r.path);
        if (r.old_path) out.add(r.old_path);
      }
    }
    return [...out];
  }

  soleAdditions(repoId: number, paths: string[]): Map<string, string> {
    const out = new Map<string, string>();
    for (const part of chunked(paths, 500)) {
      const rows = this.db
        .prepare<unknown[], { path: string; sha: string }>(
          `SELECT cf.path, MIN(cm.sha) AS sha FROM commit_files cf
           JOIN repo_commits rc ON rc.commit_id = cf.commit_id AND rc.repo_id = ?
           JOIN commits cm ON cm.id = cf.commit_id
           WHERE cf.path IN (${placeholders(part.length)})
           GROUP BY cf.path HAVING COUNT(*) = 1 AND MIN(cf.status) = 'A'`,
        )
        .all(repoId, ...part);
      for (const r of rows) out.set(r.path, r.sha);
    }
    return out;
  }

  blameWork(repoId: number, paths?: string[]): BlameWork {
    if (paths === undefined) return { toBlame: this.s.toBlame.all(repoId), orphans: this.s.orphans.all(repoId).map((r) => r.path) };
    const out: BlameWork = { toBlame: [], orphans: [] };
    const file = this.db.prepare<[number, string], { blob: string; size: number; status: string }>('SELECT blob, size, status FROM files WHERE repo_id = ? AND path = ?');
    const blame = this.db.prepare<[number, string], { blob: string; stale: number }>('SELECT blob, stale FROM blame_files WHERE repo_id = ? AND path = ?');
    for (const path of new Set(paths)) {
      const f = file.get(repoId, path);
      const b = blame.get(repoId, path);
      if (f && f.status === 'indexed') {
        if (!b || b.blob !== f.blob || b.stale === 1) out.toBlame.push({ path, blob: f.blob, size: f.size });
      } else if (b) out.orphans.push(path);
    }
    out.toBlame.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return out;
  }

  /** Commits no repository reaches and no blame names (left by rewrites and removed repositories). */
  pruneCommits(): number {
    const ids = this.db
      .prepare<[], { id: number }>(
        `SELECT c.id FROM commits c WHERE NOT EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = c.id)
         AND NOT EXISTS (SELECT 1 FROM blame_ranges b WHERE b.commit_id = c.id)`,
      )
      .all();
    const del = this.db.prepare('DELETE FROM commits WHERE id = ?');
    for (const { id } of ids) {
      this.s.deleteCommitFts.run(id);
      del.run(id); // commit_files cascade
    }
    return ids.length;
  }

  writeBlames(repoId: number, files: BlameWrite[]): (string | null)[] {
    const ids = new Map<string, number>();
    const idOf = (sha: string): number | undefined => {
      let id = ids.get(sha);
      if (id === undefined) {
        id = this.s.commitBySha.get(sha)?.id;
        if (id !== undefined) ids.set(sha, id);
      }
      return id;
    };
    const one = this.db.transaction((f: BlameWrite) => {
      for (const c of f.commits) {
        if (idOf(c.sha) !== undefined) continue;
        // Not in the commit table yet (HEAD moved after the log walk): what blame said, completed by the next walk.
        const id = Number(
          this.s.insertCommit.run(c.sha, c.parents.join(' '), c.authorName, c.authorEmail, c.authorTime, c.committerName, c.committerEmail, c.commitTime, c.subject, '', null)
            .lastInsertRowid,
        );
        this.s.insertCommitFts.run(id, indexText(c.subject), '');
        ids.set(c.sha, id);
      }
      this.s.deleteRanges.run(repoId, f.path);
      this.s.insertBlameFile.run(repoId, f.path, f.blob, f.status, f.detail, f.lines, Date.now());
      for (const r of f.ranges) {
        const id = r.sha === null ? null : idOf(r.sha);
        if (id === undefined) throw new Error(`blame names commit ${r.sha} that is not stored`);
        this.s.insertRange.run(repoId, f.path, r.start, r.end, id);
      }
    });
    return this.db.transaction(() =>
      files.map((f) => {
        try {
          one(f);
          return null;
        } catch (err) {
          return (err as Error).message;
        }
      }),
    )();
  }

  deleteBlames(repoId: number, paths: string[]): void {
    this.db.transaction(() => {
      for (const p of paths) {
        this.s.deleteRanges.run(repoId, p);
        this.s.deleteBlameFile.run(repoId, p);
      }
    })();
  }

  fileBlame(repoId: number, path: string): StoredBlame | null {
    const f = this.db
      .prepare<[number, string], { blob: string; status: string; lines: number; stale: number }>(
        'SELECT blob, status, lines, stale FROM blame_files WHERE repo_id = ? AND path = ?',
      )
      .get(repoId, path);
    if (!f) return null;
    const ranges = this.db
      .prepare<[number, string], { start_line: number; end_line: number; sha: string | null }>(
        `SELECT r.start_line, r.end_line, c.sha FROM blame_ranges r LEFT JOIN commits c ON c.id = r.commit_id
         WHERE r.repo_id = ? AND r.path = ? ORDER BY r.start_line`,
      )
      .all(repoId, path)
      .map((r) => ({ start: r.start_line, end: r.end_line, sha: r.sha }));
    return { blob: f.blob, status: f.status as BlameStatus, lines: f.lines, stale: f.stale === 1, ranges };
  }

  blameForRanges(queries: LineRangeQuery[]): RangeBlame[] {
    const commits = new Map<number, CommitInfo>();
    const commitOf = (id: number): CommitInfo => {
      let c = commits.get(id);
      if (!c) {
        c = toCommit(this.s.commitById.get(id)!);
        commits.set(id, c);
      }
      return c;
    };
    return queries.map((q): RangeBlame => {
      const file = this.s.blameFile.get(q.repoId, q.path);
      if (!file || file.view_blob !== file.blob) return { status: 'pending', detail: null, owners: [] };
      const owners = new Map<number | null, RangeOwner>();
      for (const r of this.s.rangesIn.all(q.repoId, q.path, q.endLine, q.startLine)) {
        const start = Math.max(r.start_line, q.startLine);
        const end = Math.min(r.end_line, q.endLine);
        let o = owners.get(r.commit_id);
        if (!o) {
          o = { commit: r.commit_id === null ? null : commitOf(r.commit_id), lines: 0, ranges: [] };
          owners.set(r.commit_id, o);
        }
        o.lines += end - start + 1;
        o.ranges.push([start, end]);
      }
      return { status: file.status as BlameStatus, detail: file.detail, owners: [...owners.values()] };
    });
  }

  searchCommitChunks(q: CommitSearchQuery): CommitChunkRow[] {
    const cteParams: unknown[] = [q.match];
    const cteWhere: string[] = [];
    if (q.repoIds?.length) {
      cteWhere.push(`EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = commit_fts.rowid AND rc.repo_id IN (${placeholders(q.repoIds.length)}))`);
      cteParams.push(...q.repoIds);
    }
    // A commit that touched hundreds of files explains none of them in particular.
    const commitConds = ['(cm.files_changed IS NULL OR cm.files_changed <= ?)'];
    cteParams.push(q.maxCommitFiles);
    if (q.history?.author) {
      commitConds.push('(contextd_icontains(cm.author_name, ?) OR contextd_icontains(cm.author_email, ?))');
      cteParams.push(q.history.author.toLowerCase(), q.history.author.toLowerCase());
    }
    if (q.history?.since !== undefined) {
      commitConds.push('cm.author_time >= ?');
      cteParams.push(q.history.since);
    }
    if (q.history?.until !== undefined) {
      commitConds.push('cm.author_time <= ?');
      cteParams.push(q.history.until);
    }
    cteWhere.push(`EXISTS (SELECT 1 FROM commits cm WHERE cm.id = commit_fts.rowid AND ${commitConds.join(' AND ')})`);
    cteParams.push(q.commitLimit);
    const params: unknown[] = [...cteParams];
    const viewWhere = this.viewWhere({ repoIds: q.repoIds, languages: q.languages, pathRegexes: q.pathRegexes }, params);
    // CROSS JOIN fixes the order: the few matching commits first, then the lines they own
    // (blame_ranges_commit), then the chunks over those lines. Left to itself the planner
    // starts from every file of the repository. Text and bodies are loaded afterwards, once.
    // Equal scores are ordered by commit id (sha), chunk place: the same order on every backend.
    const sql = `WITH hits AS MATERIALIZED (
        SELECT commit_fts.rowid AS cid, -bm25(commit_fts, 2.0, 1.0) AS score, (SELECT sha FROM commits WHERE id = commit_fts.rowid) AS sha FROM commit_fts
        WHERE commit_fts MATCH ? AND ${cteWhere.join(' AND ')}
        ORDER BY bm25(commit_fts, 2.0, 1.0), sha LIMIT ?
      )
      SELECT pc.id AS occ, pc.chunk_hash, f.repo_id, f.path, f.language, pc.start_line, pc.end_line, pc.symbol, pc.kind,
        h.cid, h.score, SUM(MIN(b.end_line, pc.end_line) - MAX(b.start_line, pc.start_line) + 1) AS owned
      FROM hits h
      CROSS JOIN blame_ranges b ON b.commit_id = h.cid
      CROSS JOIN blame_files bf ON bf.repo_id = b.repo_id AND bf.path = b.path
      CROSS JOIN files f ON f.repo_id = b.repo_id AND f.path = b.path AND f.blob = bf.blob
      CROSS JOIN parse_chunks pc ON pc.parse_id = f.parse_id AND pc.start_line <= b.end_line AND pc.end_line >= b.start_line
      WHERE 1${viewWhere}
      GROUP BY f.repo_id, f.path, pc.id, h.cid
      ORDER BY h.score DESC, owned DESC, h.sha, f.repo_id, f.path, pc.start_line, pc.end_line
      LIMIT 5000`;
    let rows: RawCommitChunk[];
    try {
      rows = this.db.prepare<unknown[], RawCommitChunk>(sql).all(...params);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_ERROR' && /fts5|syntax/i.test((err as Error).message)) {
        throw new ContextdError('bad-query', `cannot search commit messages for that query: ${(err as Error).message}`);
      }
      throw err;
    }
    const commits = new Map<number, { sha: string; subject: string; body: string }>();
    for (const part of chunked([...new Set(rows.map((r) => r.cid))], 500)) {
      for (const c of this.db
        .prepare<unknown[], { id: number; sha: string; subject: string; body: string }>(`SELECT id, sha, subject, body FROM commits WHERE id IN (${placeholders(part.length)})`)
        .all(...part)) {
        commits.set(c.id, c);
      }
    }
    const texts = new Map<string, string>();
    for (const part of chunked([...new Set(rows.map((r) => r.chunk_hash))], 500)) {
      for (const c of this.db
        .prepare<unknown[], { hash: string; text: string }>(`SELECT hash, text FROM chunks WHERE hash IN (${placeholders(part.length)})`)
        .all(...part)) {
        texts.set(c.hash, c.text);
      }
    }
    return rows.map((r) => {
      const c = commits.get(r.cid)!;
      return {
        occurrenceId: r.occ,
        chunkHash: r.chunk_hash,
        repoId: r.repo_id,
        path: r.path,
        language: r.language,
        startLine: r.start_line,
        endLine: r.end_line,
        symbol: r.symbol,
        kind: r.kind as ChunkKind,
        text: texts.get(r.chunk_hash) ?? '',
        commitSha: c.sha,
        commitSubject: redactSecrets(c.subject),
        commitBody: redactSecrets(c.body),
        commitScore: r.score,
        ownedLines: r.owned,
      };
    });
  }

  fileCommits(repoId: number, paths: string[], limit: number): FileCommit[] {
    if (!paths.length) return [];
    const rows = this.db
      .prepare<unknown[], CommitRow & { path: string; status: string }>(
        `SELECT ${COMMIT_COLS}, cf.path, cf.status FROM commit_files cf
         JOIN repo_commits rc ON rc.commit_id = cf.commit_id AND rc.repo_id = ?
         JOIN commits cm ON cm.id = cf.commit_id
         WHERE cf.path IN (${placeholders(paths.length)})
         ORDER BY cm.commit_time DESC, cm.author_time DESC, cm.id DESC, cf.path LIMIT ?`,
      )
      .all(repoId, ...paths, limit);
    const seen = new Set<string>();
    const out: FileCommit[] = [];
    for (const r of rows) {
      if (seen.has(r.sha)) continue; // one commit touching two names of the file (a rename)
      seen.add(r.sha);
      out.push({ ...toCommit(r), path: r.path, status: r.status });
    }
    return out;
  }

  renames(repoId: number): RenameRecord[] {
    return this.s.renames.all(repoId).map((r) => ({ from: r.old_path, to: r.path, sha: r.sha, time: r.commit_time }));
  }

  coChange(repoId: number, paths: string[], maxFiles: number): CoChangeCounts {
    if (!paths.length) return { commits: 0, ignored: 0, partners: [] };
    const ph = placeholders(paths.length);
    // Merges never count: what they bring is counted in the commits they merge.
    const target = `SELECT DISTINCT cf.commit_id FROM commit_files cf
      JOIN repo_commits rc ON rc.commit_id = cf.commit_id AND rc.repo_id = ?
      JOIN commits m ON m.id = cf.commit_id AND instr(m.parents, ' ') = 0
      WHERE cf.path IN (${ph})`;
    const counts = this.db
      .prepare<unknown[], { ok: number | null; ignored: number | null }>(
        `SELECT SUM(cm.files_changed <= ?) AS ok, SUM(cm.files_changed > ?) AS ignored
         FROM (${target}) t JOIN commits cm ON cm.id = t.commit_id`,
      )
      .get(maxFiles, maxFiles, repoId, ...paths)!;
    const partners = this.db
      .prepare<unknown[], { path: string; n: number }>(
        `SELECT cf.path, COUNT(DISTINCT cf.commit_id) AS n
         FROM (${target}) t
         JOIN commits cm ON cm.id = t.commit_id AND cm.files_changed <= ?
         JOIN commit_files cf ON cf.commit_id = t.commit_id
         WHERE cf.path NOT IN (${ph})
         GROUP BY cf.path ORDER BY n DESC, cf.path`,
      )
      .all(repoId, ...paths, maxFiles, ...paths);
    return { commits: counts.ok ?? 0, ignored: counts.ignored ?? 0, partners: partners.map((p) => ({ path: p.path, count: p.n })) };
  }

  recentCommits(q: CommitQuery): CommitWithFiles[] {
    const params: unknown[] = [q.repoId];
    const where: string[] = [];
    if (q.since !== undefined) {
      where.push('cm.author_time >= ?');
      params.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('cm.author_time <= ?');
      params.push(q.until);
    }
    if (q.author) {
      where.push('(contextd_icontains(cm.author_name, ?) OR contextd_icontains(cm.author_email, ?))');
      params.push(q.author.toLowerCase(), q.author.toLowerCase());
    }
    params.push(q.limit);
    const rows = this.db
      .prepare<unknown[], CommitRow>(
        `SELECT ${COMMIT_COLS} FROM repo_commits rc JOIN commits cm ON cm.id = rc.commit_id
         WHERE rc.repo_id = ?${where.length ? ' AND ' + where.join(' AND ') : ''}
         ORDER BY cm.author_time DESC, cm.commit_time DESC, cm.id DESC LIMIT ?`,
      )
      .all(...params);
    return rows.map((r) => ({
      ...toCommit(r),
      files: this.s.filesOfCommit.all(r.id).map((f) => ({ path: f.path, status: f.status, oldPath: f.old_path })),
    }));
  }

  historyStats(repoId: number): HistoryStats {
    const state = this.historyState(repoId);
    const files: Record<string, number> = {};
    for (const r of this.s.blameStatusCounts.all(repoId)) files[r.status] = r.n;
    return {
      commits: this.s.repoCommitCount.get(repoId)!.n,
      logTip: state?.logTip ?? null,
      shallow: state?.shallow ?? false,
      files,
      pending: this.s.toBlame.all(repoId).length,
    };
  }
}

interface RawCommitChunk {
  occ: number;
  chunk_hash: string;
  repo_id: number;
  path: string;
  language: string;
  start_line: number;
  end_line: number;
  symbol: string | null;
  kind: string;
  cid: number;
  score: number;
  owned: number;
}
