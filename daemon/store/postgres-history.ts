/**
 * The PostgreSQL side of git history (schema: migration 2 in postgres-schema.ts),
 * query for query the SQLite store's (sqlite-history.ts): commits stored once per
 * id and linked to the repositories that reach them, commit messages ranked with
 * FTS5's BM25 (postgres-lexical.ts), per-file blame as line ranges. Set-based
 * statements where SQLite loops (a round trip costs more than a row here).
 */
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import { redactSecrets } from '../secrets.js';
import { indexText } from '../search/tokenize.js';
import { isConnectionError, sql, type PgDb, type Queryable, type TxConnection } from './pg-db.js';
import { bm25Rows, COMMIT_LEXICON, lexicalDocs, type LexicalKnown, type LexicalTable } from './postgres-lexical.js';
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

type Fragment = ReturnType<typeof sql.fragment>;

const commitRow = z.object({
  id: z.number(),
  sha: z.string(),
  parents: z.string(),
  author_name: z.string(),
  author_email: z.string(),
  author_time: z.number(),
  committer_name: z.string(),
  committer_email: z.string(),
  commit_time: z.number(),
  subject: z.string(),
  body: z.string(),
  files_changed: z.number().nullable(),
});
const COMMIT_COLS = sql.fragment`cm.id, cm.sha, cm.parents, cm.author_name, cm.author_email, cm.author_time, cm.committer_name, cm.committer_email, cm.commit_time, cm.subject, cm.body, cm.files_changed`;

function toCommit(r: z.infer<typeof commitRow>): CommitInfo {
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

/** Case-insensitive substring of the author's name or email (the lowercased copies were made in JavaScript). */
function authorMatches(author: string, alias = 'cm'): Fragment {
  const a = sql.identifier([alias]);
  const needle = author.toLowerCase();
  return sql.fragment`(strpos(${a}.author_lc, ${needle}) > 0 OR strpos(${a}.email_lc, ${needle}) > 0)`;
}

/**
 * "Some line of [start, end] of file f is owned by a commit matching the filter"
 * (historyFilterSql in sqlite-history.ts). Uncommitted lines count as changed now, by nobody.
 */
export function pgHistoryFilter(h: HistoryFilter, startExpr: Fragment, endExpr: Fragment, fileAlias = 'f'): Fragment {
  const f = sql.identifier([fileAlias]);
  const conds: Fragment[] = [];
  if (h.author) conds.push(authorMatches(h.author, 'hc'));
  if (h.since !== undefined) conds.push(sql.fragment`hc.author_time >= ${h.since}`);
  if (h.until !== undefined) conds.push(sql.fragment`hc.author_time <= ${h.until}`);
  const now = Math.floor(Date.now() / 1000);
  const uncommittedOk = !h.author && (h.until === undefined || h.until >= now);
  const commitSql = conds.length ? sql.join(conds, sql.fragment` AND `) : sql.fragment`TRUE`;
  return sql.fragment`EXISTS (SELECT 1 FROM blame_files hbf JOIN blame_ranges hb ON hb.repo_id = hbf.repo_id AND hb.path = hbf.path
      LEFT JOIN commits hc ON hc.id = hb.commit_id
      WHERE hbf.repo_id = ${f}.repo_id AND hbf.path = ${f}.path AND hbf.blob = ${f}.blob
        AND hb.start_line <= ${endExpr} AND hb.end_line >= ${startExpr}
        AND ((hb.commit_id IS NOT NULL AND ${commitSql})${uncommittedOk ? sql.fragment` OR hb.commit_id IS NULL` : sql.fragment``}))`;
}

export type PgViewWhere = (filter: ViewFilter, alias?: string) => Fragment;

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class PostgresHistory {
  constructor(
    private readonly db: PgDb,
    private readonly viewWhere: PgViewWhere,
    /** The store's cached statistics and phrase counts (see PostgresStore.lexicalKnown). */
    private readonly known: (lt: LexicalTable, match: string) => Promise<LexicalKnown>,
  ) {}

  private stateOf(q: Queryable, repoId: number) {
    return q.maybeOne(
      sql.type(z.object({ log_tip: z.string().nullable(), shallow: z.boolean(), grafts: z.string(), updated_at: z.number() }))`
        SELECT log_tip, shallow, grafts, updated_at FROM history_state WHERE repo_id = ${repoId}`,
    );
  }

  private upsertState(q: Queryable, repoId: number, tip: string | null, shallow: boolean, grafts: string[]) {
    return q.exec(sql.unsafe`INSERT INTO history_state (repo_id, log_tip, shallow, grafts, updated_at)
      VALUES (${repoId}, ${tip}, ${shallow}, ${grafts.join(' ')}, ${Date.now()})
      ON CONFLICT (repo_id) DO UPDATE SET log_tip = excluded.log_tip, shallow = excluded.shallow, grafts = excluded.grafts, updated_at = excluded.updated_at`);
  }

  async historyState(repoId: number): Promise<HistoryState | null> {
    const r = await this.stateOf(this.db, repoId);
    if (!r) return null;
    return { logTip: r.log_tip, shallow: r.shallow, grafts: r.grafts ? r.grafts.split(' ') : [], updatedAt: r.updated_at };
  }

  async resetHistoryLog(repoId: number): Promise<void> {
    await this.db.tx(async (c) => {
      const prev = await this.stateOf(c, repoId);
      await c.exec(sql.unsafe`DELETE FROM repo_commits WHERE repo_id = ${repoId}`);
      await this.upsertState(c, repoId, null, prev?.shallow ?? false, prev?.grafts ? prev.grafts.split(' ') : []);
    });
  }

  /** Inserts commit message rows (and bumps FTS5-style statistics) for (id, subject, body). */
  private async insertCommitLex(c: Queryable, rows: { id: number; subject: string; body: string }[]): Promise<void> {
    if (!rows.length) return;
    const docs = lexicalDocs(
      rows.map((r) => [indexText(r.subject), indexText(r.body)]),
      COMMIT_LEXICON.weights,
    );
    await c.exec(sql.unsafe`INSERT INTO commit_lex (id, tsv, tf, ntok, c0, c1)
      SELECT id, tsv::tsvector, tf::jsonb, ntok, c0, c1 FROM ${sql.unnest(
        docs.map((d, i) => [rows[i].id, d.tsv, d.tf, d.ntok, d.c0, d.c1]) as never[][],
        ['int8', 'text', 'text', 'int4', 'text', 'text'],
      )} AS t(id, tsv, tf, ntok, c0, c1)`);
    await c.exec(sql.unsafe`UPDATE commit_lex_stats SET nrow = nrow + ${docs.length}, ntok = ntok + ${docs.reduce((n, d) => n + d.ntok, 0)}, version = version + 1`);
  }

  private async insertCommits(c: Queryable, commits: CommitInfo[], bodyless: boolean): Promise<Map<string, number>> {
    if (!commits.length) return new Map();
    const rows = commits.map((m) => [
      m.sha,
      m.parents.join(' '),
      m.authorName,
      m.authorEmail,
      m.authorName.toLowerCase(),
      m.authorEmail.toLowerCase(),
      m.authorTime,
      m.committerName,
      m.committerEmail,
      m.commitTime,
      m.subject,
      bodyless ? '' : m.body,
      bodyless ? null : m.filesChanged,
    ]);
    // In input order (identity values follow it, as SQLite's rowids do).
    const inserted = await c.rows(
      sql.type(z.object({ id: z.number(), sha: z.string() }))`INSERT INTO commits
        (sha, parents, author_name, author_email, author_lc, email_lc, author_time, committer_name, committer_email, commit_time, subject, body, files_changed)
        SELECT sha, parents, author_name, author_email, author_lc, email_lc, author_time, committer_name, committer_email, commit_time, subject, body, files_changed
        FROM ${sql.unnest(rows as never[][], ['text', 'text', 'text', 'text', 'text', 'text', 'int8', 'text', 'text', 'int8', 'text', 'text', 'int4'])}
          WITH ORDINALITY AS t(sha, parents, author_name, author_email, author_lc, email_lc, author_time, committer_name, committer_email, commit_time, subject, body, files_changed, ord)
        ORDER BY ord RETURNING id, sha`,
    );
    const ids = new Map(inserted.map((r) => [r.sha, r.id]));
    await this.insertCommitLex(
      c,
      commits.map((m) => ({ id: ids.get(m.sha)!, subject: m.subject, body: bodyless ? '' : m.body })),
    );
    return ids;
  }

  async addCommits(repoId: number, commits: CommitRecord[]): Promise<number> {
    if (!commits.length) return 0;
    return this.db.tx(async (c) => {
      const seen = new Set<string>();
      const list = commits.filter((m) => !seen.has(m.sha) && seen.add(m.sha));
      const existing = new Map<string, { id: number; files_changed: number | null }>();
      for (const r of await c.rows(
        sql.type(z.object({ id: z.number(), sha: z.string(), files_changed: z.number().nullable() }))`SELECT id, sha, files_changed FROM commits
          WHERE sha = ANY(${sql.array(
            list.map((m) => m.sha),
            'text',
          )})`,
      )) {
        existing.set(r.sha, r);
      }
      const fresh = list.filter((m) => !existing.has(m.sha));
      const incomplete = list.filter((m) => existing.get(m.sha)?.files_changed === null);
      const ids = await this.insertCommits(
        c,
        fresh.map((m) => ({ ...m, filesChanged: m.files.length })),
        false,
      );
      if (incomplete.length) {
        // Known so far only from blame (no body, no files): complete it, and its message row.
        const rows = incomplete.map((m) => [
          existing.get(m.sha)!.id,
          m.parents.join(' '),
          m.authorName,
          m.authorEmail,
          m.authorName.toLowerCase(),
          m.authorEmail.toLowerCase(),
          m.authorTime,
          m.committerName,
          m.committerEmail,
          m.commitTime,
          m.subject,
          m.body,
          m.files.length,
        ]);
        await c.exec(sql.unsafe`UPDATE commits cm SET parents = t.parents, author_name = t.author_name, author_email = t.author_email,
            author_lc = t.author_lc, email_lc = t.email_lc, author_time = t.author_time, committer_name = t.committer_name,
            committer_email = t.committer_email, commit_time = t.commit_time, subject = t.subject, body = t.body, files_changed = t.files_changed
          FROM ${sql.unnest(rows as never[][], ['int8', 'text', 'text', 'text', 'text', 'text', 'int8', 'text', 'text', 'int8', 'text', 'text', 'int4'])}
            AS t(id, parents, author_name, author_email, author_lc, email_lc, author_time, committer_name, committer_email, commit_time, subject, body, files_changed)
          WHERE cm.id = t.id`);
        const inc = incomplete.map((m) => existing.get(m.sha)!.id);
        await c.exec(sql.unsafe`DELETE FROM commit_lex WHERE id = ANY(${sql.array(inc, 'int8')})`);
        await this.insertCommitLex(
          c,
          incomplete.map((m) => ({ id: existing.get(m.sha)!.id, subject: m.subject, body: m.body })),
        );
        for (const m of incomplete) ids.set(m.sha, existing.get(m.sha)!.id);
      }
      const fileRows: unknown[][] = [];
      for (const m of [...fresh, ...incomplete]) {
        const id = ids.get(m.sha)!;
        for (const fc of m.files) fileRows.push([id, fc.path, fc.status, fc.oldPath]);
      }
      if (fileRows.length) {
        await c.exec(sql.unsafe`INSERT INTO commit_files (commit_id, path, status, old_path)
          SELECT * FROM ${sql.unnest(fileRows as never[][], ['int8', 'text', 'text', 'text'])} ON CONFLICT DO NOTHING`);
      }
      const linked = list.map((m) => ids.get(m.sha) ?? existing.get(m.sha)!.id);
      await c.exec(sql.unsafe`INSERT INTO repo_commits (repo_id, commit_id)
        SELECT ${repoId}, id FROM unnest(${sql.array(linked, 'int8')}) AS t(id) ON CONFLICT DO NOTHING`);
      return fresh.length;
    });
  }

  async finishLogUpdate(repoId: number, u: LogUpdate): Promise<{ alreadyStale: string[] }> {
    return this.db.tx(async (c) => {
      const stale = u.stalePaths.length
        ? new Set(
            (
              await c.rows(
                sql.type(z.object({ path: z.string() }))`SELECT path FROM blame_files WHERE repo_id = ${repoId} AND stale AND path = ANY(${sql.array(u.stalePaths, 'text')})`,
              )
            ).map((r) => r.path),
          )
        : new Set<string>();
      const alreadyStale = u.stalePaths.filter((p) => stale.has(p));
      if (u.removed.length) {
        await c.exec(sql.unsafe`DELETE FROM repo_commits WHERE repo_id = ${repoId}
          AND commit_id IN (SELECT id FROM commits WHERE sha = ANY(${sql.array(u.removed, 'text')}))`);
      }
      if (u.staleAll) await c.exec(sql.unsafe`UPDATE blame_files SET stale = true WHERE repo_id = ${repoId}`);
      else if (u.stalePaths.length) {
        await c.exec(sql.unsafe`UPDATE blame_files SET stale = true WHERE repo_id = ${repoId} AND path = ANY(${sql.array(u.stalePaths, 'text')})`);
      }
      await this.upsertState(c, repoId, u.tip, u.shallow, u.grafts);
      return { alreadyStale };
    });
  }

  async commitPaths(shas: string[]): Promise<string[]> {
    if (!shas.length) return [];
    const rows = await this.db.rows(
      sql.type(z.object({ path: z.string(), old_path: z.string().nullable() }))`SELECT cf.path, cf.old_path
        FROM commits cm JOIN commit_files cf ON cf.commit_id = cm.id WHERE cm.sha = ANY(${sql.array(shas, 'text')})
        ORDER BY cf.commit_id, cf.path`,
    );
    const out = new Set<string>();
    for (const r of rows) {
      out.add(r.path);
      if (r.old_path) out.add(r.old_path);
    }
    return [...out];
  }

  async soleAdditions(repoId: number, paths: string[]): Promise<Map<string, string>> {
    if (!paths.length) return new Map();
    const rows = await this.db.rows(
      sql.type(z.object({ path: z.string(), sha: z.string() }))`SELECT cf.path, MIN(cm.sha) AS sha FROM commit_files cf
        JOIN repo_commits rc ON rc.commit_id = cf.commit_id AND rc.repo_id = ${repoId}
        JOIN commits cm ON cm.id = cf.commit_id
        WHERE cf.path = ANY(${sql.array(paths, 'text')})
        GROUP BY cf.path HAVING count(*) = 1 AND MIN(cf.status) = 'A'`,
    );
    return new Map(rows.map((r) => [r.path, r.sha]));
  }

  private toBlame(q: Queryable, repoId: number) {
    return q.rows(
      sql.type(z.object({ path: z.string(), blob: z.string(), size: z.number() }))`SELECT f.path, f.blob, f.size FROM files f
        LEFT JOIN blame_files b ON b.repo_id = f.repo_id AND b.path = f.path
        WHERE f.repo_id = ${repoId} AND f.status = 'indexed' AND (b.path IS NULL OR b.blob <> f.blob OR b.stale)
        ORDER BY f.path`,
    );
  }

  async blameWork(repoId: number, paths?: string[]): Promise<BlameWork> {
    if (paths === undefined) {
      const orphans = await this.db.rows(
        sql.type(z.object({ path: z.string() }))`SELECT b.path FROM blame_files b WHERE b.repo_id = ${repoId}
          AND NOT EXISTS (SELECT 1 FROM files f WHERE f.repo_id = b.repo_id AND f.path = b.path AND f.status = 'indexed')
          ORDER BY b.path`,
      );
      return { toBlame: await this.toBlame(this.db, repoId), orphans: orphans.map((r) => r.path) };
    }
    const list = [...new Set(paths)];
    const rows = list.length
      ? await this.db.rows(
          sql.type(
            z.object({
              path: z.string(),
              fblob: z.string().nullable(),
              size: z.number().nullable(),
              status: z.string().nullable(),
              bblob: z.string().nullable(),
              stale: z.boolean().nullable(),
            }),
          )`SELECT p.path, f.blob AS fblob, f.size, f.status, b.blob AS bblob, b.stale
            FROM unnest(${sql.array(list, 'text')}) WITH ORDINALITY AS p(path, ord)
            LEFT JOIN files f ON f.repo_id = ${repoId} AND f.path = p.path
            LEFT JOIN blame_files b ON b.repo_id = ${repoId} AND b.path = p.path
            ORDER BY p.ord`,
        )
      : [];
    const out: BlameWork = { toBlame: [], orphans: [] };
    for (const r of rows) {
      if (r.fblob !== null && r.status === 'indexed') {
        if (r.bblob === null || r.bblob !== r.fblob || r.stale) out.toBlame.push({ path: r.path, blob: r.fblob, size: r.size ?? 0 });
      } else if (r.bblob !== null) out.orphans.push(r.path);
    }
    out.toBlame.sort((a, b) => byText(a.path, b.path));
    return out;
  }

  /** Commits no repository reaches and no blame names (left by rewrites and removed repositories). */
  async pruneCommits(c: TxConnection): Promise<number> {
    const n = await c.exec(sql.unsafe`DELETE FROM commits cm WHERE NOT EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = cm.id)
      AND NOT EXISTS (SELECT 1 FROM blame_ranges b WHERE b.commit_id = cm.id)`);
    // Fewer live message rows: cached document counts are out of date.
    if (n) await c.exec(sql.unsafe`UPDATE commit_lex_stats SET version = version + 1`);
    return n;
  }

  async writeBlames(repoId: number, files: BlameWrite[]): Promise<(string | null)[]> {
    if (!files.length) return [];
    try {
      return await this.db.tx((c) => this.writeBlameBatch(c, repoId, files));
    } catch (err) {
      if (isConnectionError(err)) throw err;
      // One file broke the batch: each in its own savepoint.
      return this.db.tx(async (c) => {
        const out: (string | null)[] = [];
        for (const f of files) {
          try {
            out.push((await c.savepoint((s) => this.writeBlameBatch(s, repoId, [f])))[0]);
          } catch (e) {
            if (isConnectionError(e)) throw e;
            out.push(errorMessage(e));
          }
        }
        return out;
      });
    }
  }

  private async writeBlameBatch(c: Queryable, repoId: number, files: BlameWrite[]): Promise<(string | null)[]> {
    const named = new Set<string>();
    for (const f of files) {
      for (const r of f.ranges) if (r.sha !== null) named.add(r.sha);
      for (const m of f.commits) named.add(m.sha);
    }
    const ids = new Map<string, number>();
    if (named.size) {
      for (const r of await c.rows(sql.type(z.object({ id: z.number(), sha: z.string() }))`SELECT id, sha FROM commits WHERE sha = ANY(${sql.array([...named], 'text')})`)) {
        ids.set(r.sha, r.id);
      }
    }
    // A file whose ranges name a commit that is neither stored nor described fails alone.
    const results: (string | null)[] = [];
    const ok: BlameWrite[] = [];
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
      ok.push(f);
      // Not in the commit table yet (HEAD moved after the log walk): what blame said, completed by the next walk.
      for (const m of f.commits) {
        if (ids.has(m.sha) || described.has(m.sha)) continue;
        described.add(m.sha);
        toInsert.push(m);
      }
    }
    for (const [sha, id] of await this.insertCommits(c, toInsert, true)) ids.set(sha, id);
    if (!ok.length) return results;
    const paths = ok.map((f) => f.path);
    await c.exec(sql.unsafe`DELETE FROM blame_ranges WHERE repo_id = ${repoId} AND path = ANY(${sql.array(paths, 'text')})`);
    const now = Date.now();
    const byPath = new Map(ok.map((f) => [f.path, f]));
    await c.exec(sql.unsafe`INSERT INTO blame_files (repo_id, path, blob, status, detail, lines, stale, blamed_at)
      SELECT ${repoId}, path, blob, status, detail, lines, false, ${now} FROM ${sql.unnest(
        [...byPath.values()].map((f) => [f.path, f.blob, f.status, f.detail, f.lines]) as never[][],
        ['text', 'text', 'text', 'text', 'int4'],
      )} AS t(path, blob, status, detail, lines)
      ON CONFLICT (repo_id, path) DO UPDATE SET blob = excluded.blob, status = excluded.status, detail = excluded.detail,
        lines = excluded.lines, stale = false, blamed_at = excluded.blamed_at`);
    const ranges: unknown[][] = [];
    for (const f of byPath.values()) for (const r of f.ranges) ranges.push([f.path, r.start, r.end, r.sha === null ? null : ids.get(r.sha)!]);
    if (ranges.length) {
      await c.exec(sql.unsafe`INSERT INTO blame_ranges (repo_id, path, start_line, end_line, commit_id)
        SELECT ${repoId}, path, s, e, cid FROM ${sql.unnest(ranges as never[][], ['text', 'int4', 'int4', 'int8'])} AS t(path, s, e, cid)`);
    }
    return results;
  }

  async deleteBlames(repoId: number, paths: string[]): Promise<void> {
    if (!paths.length) return;
    await this.db.exec(sql.unsafe`DELETE FROM blame_files WHERE repo_id = ${repoId} AND path = ANY(${sql.array(paths, 'text')})`);
  }

  async fileBlame(repoId: number, path: string): Promise<StoredBlame | null> {
    const f = await this.db.maybeOne(
      sql.type(z.object({ blob: z.string(), status: z.string(), lines: z.number(), stale: z.boolean() }))`SELECT blob, status, lines, stale FROM blame_files
        WHERE repo_id = ${repoId} AND path = ${path}`,
    );
    if (!f) return null;
    const ranges = await this.db.rows(
      sql.type(z.object({ start_line: z.number(), end_line: z.number(), sha: z.string().nullable() }))`SELECT r.start_line, r.end_line, c.sha
        FROM blame_ranges r LEFT JOIN commits c ON c.id = r.commit_id
        WHERE r.repo_id = ${repoId} AND r.path = ${path} ORDER BY r.start_line`,
    );
    return { blob: f.blob, status: f.status as BlameStatus, lines: f.lines, stale: f.stale, ranges: ranges.map((r) => ({ start: r.start_line, end: r.end_line, sha: r.sha })) };
  }

  async blameForRanges(queries: LineRangeQuery[]): Promise<RangeBlame[]> {
    if (!queries.length) return [];
    const q = sql.unnest(
      queries.map((x, i) => [i, x.repoId, x.path, x.startLine, x.endLine]) as never[][],
      ['int4', 'int8', 'text', 'int8', 'int8'],
    );
    const files = await this.db.rows(
      sql.type(z.object({ i: z.number(), blob: z.string(), status: z.string(), detail: z.string().nullable(), view_blob: z.string().nullable() }))`
        SELECT q.i, b.blob, b.status, b.detail, f.blob AS view_blob FROM ${q} AS q(i, repo_id, path, s, e)
        JOIN blame_files b ON b.repo_id = q.repo_id AND b.path = q.path
        LEFT JOIN files f ON f.repo_id = b.repo_id AND f.path = b.path`,
    );
    const ranges = await this.db.rows(
      sql.type(z.object({ i: z.number(), start_line: z.number(), end_line: z.number(), commit_id: z.number().nullable() }))`
        SELECT q.i, r.start_line, r.end_line, r.commit_id FROM ${q} AS q(i, repo_id, path, s, e)
        JOIN blame_ranges r ON r.repo_id = q.repo_id AND r.path = q.path AND r.start_line <= q.e AND r.end_line >= q.s
        ORDER BY q.i, r.start_line`,
    );
    const commitIds = [...new Set(ranges.map((r) => r.commit_id).filter((id): id is number => id !== null))];
    const commits = new Map<number, CommitInfo>();
    if (commitIds.length) {
      for (const r of await this.db.rows(sql.type(commitRow)`SELECT ${COMMIT_COLS} FROM commits cm WHERE cm.id = ANY(${sql.array(commitIds, 'int8')})`)) {
        commits.set(r.id, toCommit(r));
      }
    }
    const fileOf = new Map(files.map((r) => [r.i, r]));
    const rangesOf = new Map<number, typeof ranges>();
    for (const r of ranges) {
      let list = rangesOf.get(r.i);
      if (!list) rangesOf.set(r.i, (list = []));
      list.push(r);
    }
    return queries.map((qq, i): RangeBlame => {
      const file = fileOf.get(i);
      if (!file || file.view_blob !== file.blob) return { status: 'pending', detail: null, owners: [] };
      const owners = new Map<number | null, RangeOwner>();
      for (const r of rangesOf.get(i) ?? []) {
        const start = Math.max(r.start_line, qq.startLine);
        const end = Math.min(r.end_line, qq.endLine);
        let o = owners.get(r.commit_id);
        if (!o) {
          o = { commit: r.commit_id === null ? null : commits.get(r.commit_id)!, lines: 0, ranges: [] };
          owners.set(r.commit_id, o);
        }
        o.lines += end - start + 1;
        o.ranges.push([start, end]);
      }
      return { status: file.status as BlameStatus, detail: file.detail, owners: [...owners.values()] };
    });
  }

  async searchCommitChunks(q: CommitSearchQuery): Promise<CommitChunkRow[]> {
    const scored = bm25Rows(q.match, COMMIT_LEXICON, await this.known(COMMIT_LEXICON, q.match));
    if (!scored) return [];
    const conds: Fragment[] = [sql.fragment`(cm.files_changed IS NULL OR cm.files_changed <= ${q.maxCommitFiles})`];
    // Commits of the repositories searched. With none named, as in the SQLite store every commit
    // counts, except those only other machines' repositories reach (a shared database).
    if (q.repoIds?.length) {
      conds.push(sql.fragment`EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = s.id AND ${this.viewWhere({ repoIds: q.repoIds }, 'rc')})`);
    } else {
      conds.push(sql.fragment`(NOT EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = s.id)
        OR EXISTS (SELECT 1 FROM repo_commits rc WHERE rc.commit_id = s.id AND ${this.viewWhere({}, 'rc')}))`);
    }
    if (q.history?.author) conds.push(authorMatches(q.history.author));
    if (q.history?.since !== undefined) conds.push(sql.fragment`cm.author_time >= ${q.history.since}`);
    if (q.history?.until !== undefined) conds.push(sql.fragment`cm.author_time <= ${q.history.until}`);
    const view = this.viewWhere({ repoIds: q.repoIds, languages: q.languages, pathRegexes: q.pathRegexes });
    const rows = await this.db.rows(
      sql.type(
        z.object({
          occ: z.number(),
          chunk_hash: z.string(),
          repo_id: z.number(),
          path: z.string(),
          language: z.string(),
          start_line: z.number(),
          end_line: z.number(),
          symbol: z.string().nullable(),
          kind: z.string(),
          cid: z.number(),
          score: z.number(),
          owned: z.number(),
        }),
      )`WITH hits AS MATERIALIZED (
          SELECT s.id AS cid, s.score, cm.sha FROM ${scored} s JOIN commits cm ON cm.id = s.id
          WHERE ${sql.join(conds, sql.fragment` AND `)}
          ORDER BY s.score DESC, cm.sha LIMIT ${q.commitLimit}
        )
        SELECT pc.id AS occ, pc.chunk_hash, f.repo_id, f.path, f.language, pc.start_line, pc.end_line, pc.symbol, pc.kind,
          h.cid, h.score, SUM(LEAST(b.end_line, pc.end_line) - GREATEST(b.start_line, pc.start_line) + 1)::int8 AS owned
        FROM hits h
        JOIN blame_ranges b ON b.commit_id = h.cid
        JOIN blame_files bf ON bf.repo_id = b.repo_id AND bf.path = b.path
        JOIN files f ON f.repo_id = b.repo_id AND f.path = b.path AND f.blob = bf.blob
        JOIN parse_chunks pc ON pc.parse_id = f.parse_id AND pc.start_line <= b.end_line AND pc.end_line >= b.start_line
        WHERE ${view}
        GROUP BY f.repo_id, f.path, pc.id, h.cid, h.score, h.sha
        ORDER BY h.score DESC, owned DESC, h.sha, f.repo_id, f.path, pc.start_line, pc.end_line
        LIMIT 5000`,
    );
    const commits = new Map<number, { sha: string; subject: string; body: string }>();
    const cids = [...new Set(rows.map((r) => r.cid))];
    if (cids.length) {
      for (const c of await this.db.rows(
        sql.type(z.object({ id: z.number(), sha: z.string(), subject: z.string(), body: z.string() }))`SELECT id, sha, subject, body FROM commits WHERE id = ANY(${sql.array(cids, 'int8')})`,
      )) {
        commits.set(c.id, c);
      }
    }
    const texts = new Map<string, string>();
    const hashes = [...new Set(rows.map((r) => r.chunk_hash))];
    if (hashes.length) {
      for (const c of await this.db.rows(sql.type(z.object({ hash: z.string(), text: z.string() }))`SELECT hash, text FROM chunks WHERE hash = ANY(${sql.array(hashes, 'text')})`)) {
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
        kind: r.kind as CommitChunkRow['kind'],
        text: texts.get(r.chunk_hash) ?? '',
        commitSha: c.sha,
        commitSubject: redactSecrets(c.subject),
        commitBody: redactSecrets(c.body),
        commitScore: r.score,
        ownedLines: r.owned,
      };
    });
  }

  async fileCommits(repoId: number, paths: string[], limit: number): Promise<FileCommit[]> {
    if (!paths.length) return [];
    const rows = await this.db.rows(
      sql.type(commitRow.extend({ path: z.string(), status: z.string() }))`SELECT ${COMMIT_COLS}, cf.path, cf.status FROM commit_files cf
        JOIN repo_commits rc ON rc.commit_id = cf.commit_id AND rc.repo_id = ${repoId}
        JOIN commits cm ON cm.id = cf.commit_id
        WHERE cf.path = ANY(${sql.array(paths, 'text')})
        ORDER BY cm.commit_time DESC, cm.author_time DESC, cm.id DESC, cf.path LIMIT ${limit}`,
    );
    const seen = new Set<string>();
    const out: FileCommit[] = [];
    for (const r of rows) {
      if (seen.has(r.sha)) continue; // one commit touching two names of the file (a rename)
      seen.add(r.sha);
      out.push({ ...toCommit(r), path: r.path, status: r.status });
    }
    return out;
  }

  async renames(repoId: number): Promise<RenameRecord[]> {
    const rows = await this.db.rows(
      sql.type(z.object({ old_path: z.string(), path: z.string(), sha: z.string(), commit_time: z.number() }))`SELECT cf.old_path, cf.path, cm.sha, cm.commit_time
        FROM repo_commits rc JOIN commit_files cf ON cf.commit_id = rc.commit_id JOIN commits cm ON cm.id = rc.commit_id
        WHERE rc.repo_id = ${repoId} AND cf.status = 'R' AND cf.old_path IS NOT NULL
        ORDER BY cm.commit_time DESC, cm.id DESC, cf.path`,
    );
    return rows.map((r) => ({ from: r.old_path, to: r.path, sha: r.sha, time: r.commit_time }));
  }

  async coChange(repoId: number, paths: string[], maxFiles: number): Promise<CoChangeCounts> {
    if (!paths.length) return { commits: 0, ignored: 0, partners: [] };
    const list = sql.array(paths, 'text');
    // Merges never count: what they bring is counted in the commits they merge.
    const target = sql.fragment`SELECT DISTINCT cf.commit_id FROM commit_files cf
      JOIN repo_commits rc ON rc.commit_id = cf.commit_id AND rc.repo_id = ${repoId}
      JOIN commits m ON m.id = cf.commit_id AND strpos(m.parents, ' ') = 0
      WHERE cf.path = ANY(${list})`;
    const counts = await this.db.one(
      sql.type(z.object({ ok: z.number(), ignored: z.number() }))`SELECT
        count(*) FILTER (WHERE cm.files_changed <= ${maxFiles}) AS ok, count(*) FILTER (WHERE cm.files_changed > ${maxFiles}) AS ignored
        FROM (${target}) t JOIN commits cm ON cm.id = t.commit_id`,
    );
    const partners = await this.db.rows(
      sql.type(z.object({ path: z.string(), n: z.number() }))`SELECT cf.path, count(DISTINCT cf.commit_id) AS n
        FROM (${target}) t
        JOIN commits cm ON cm.id = t.commit_id AND cm.files_changed <= ${maxFiles}
        JOIN commit_files cf ON cf.commit_id = t.commit_id
        WHERE NOT (cf.path = ANY(${list}))
        GROUP BY cf.path ORDER BY n DESC, cf.path`,
    );
    return { commits: counts.ok, ignored: counts.ignored, partners: partners.map((p) => ({ path: p.path, count: p.n })) };
  }

  async recentCommits(q: CommitQuery): Promise<CommitWithFiles[]> {
    const conds: Fragment[] = [sql.fragment`rc.repo_id = ${q.repoId}`];
    if (q.since !== undefined) conds.push(sql.fragment`cm.author_time >= ${q.since}`);
    if (q.until !== undefined) conds.push(sql.fragment`cm.author_time <= ${q.until}`);
    if (q.author) conds.push(authorMatches(q.author));
    const rows = await this.db.rows(
      sql.type(commitRow)`SELECT ${COMMIT_COLS} FROM repo_commits rc JOIN commits cm ON cm.id = rc.commit_id
        WHERE ${sql.join(conds, sql.fragment` AND `)}
        ORDER BY cm.author_time DESC, cm.commit_time DESC, cm.id DESC LIMIT ${q.limit}`,
    );
    const files = new Map<number, { path: string; status: string; oldPath: string | null }[]>();
    if (rows.length) {
      for (const f of await this.db.rows(
        sql.type(z.object({ commit_id: z.number(), path: z.string(), status: z.string(), old_path: z.string().nullable() }))`SELECT commit_id, path, status, old_path
          FROM commit_files WHERE commit_id = ANY(${sql.array(
            rows.map((r) => r.id),
            'int8',
          )}) ORDER BY commit_id, path`,
      )) {
        let list = files.get(f.commit_id);
        if (!list) files.set(f.commit_id, (list = []));
        list.push({ path: f.path, status: f.status, oldPath: f.old_path });
      }
    }
    return rows.map((r) => ({ ...toCommit(r), files: files.get(r.id) ?? [] }));
  }

  async historyStats(repoId: number): Promise<HistoryStats> {
    const state = await this.historyState(repoId);
    const files: Record<string, number> = {};
    for (const r of await this.db.rows(
      sql.type(z.object({ status: z.string(), n: z.number() }))`SELECT status, count(*) AS n FROM blame_files WHERE repo_id = ${repoId} GROUP BY status ORDER BY status`,
    )) {
      files[r.status] = r.n;
    }
    const n = await this.db.one(sql.type(z.object({ n: z.number() }))`SELECT count(*) AS n FROM repo_commits WHERE repo_id = ${repoId}`);
    return {
      commits: n.n,
      logTip: state?.logTip ?? null,
      shallow: state?.shallow ?? false,
      files,
      pending: (await this.toBlame(this.db, repoId)).length,
    };
  }
}
