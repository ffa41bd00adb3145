/**
 * LocateStore on SqlPort: the same SQL for SQLite and PostgreSQL (see locate-types.ts).
 * Reads are whole-repository on purpose: daemon/locate/ builds its in-memory file and
 * commit indexes once per indexed state and answers every query from them.
 */
import { redactSecrets } from '../secrets.js';
import type { SqlPort } from './sql-port.js';
import type { LocateCommit, LocateFileText, LocateStore, StoredLocateModel } from './locate-types.js';

export class SqlLocateStore implements LocateStore {
  constructor(private readonly port: SqlPort) {}

  async locateCommits(repoId: number): Promise<LocateCommit[]> {
    const rows = await this.port.all<{ id: number; sha: string; author_time: number; subject: string; body: string; parents: string }>(
      `SELECT cm.id, cm.sha, cm.author_time, cm.subject, cm.body, cm.parents
       FROM repo_commits rc JOIN commits cm ON cm.id = rc.commit_id
       WHERE rc.repo_id = ? AND cm.files_changed IS NOT NULL
       ORDER BY cm.commit_time, cm.author_time, cm.id`,
      [repoId],
    );
    const files = await this.port.all<{ commit_id: number; path: string; old_path: string | null }>(
      `SELECT cf.commit_id, cf.path, cf.old_path FROM repo_commits rc JOIN commit_files cf ON cf.commit_id = rc.commit_id
       WHERE rc.repo_id = ? ORDER BY cf.commit_id, cf.path`,
      [repoId],
    );
    const byCommit = new Map<number, { files: string[]; renames: { from: string; to: string }[] }>();
    for (const f of files) {
      let e = byCommit.get(Number(f.commit_id));
      if (!e) byCommit.set(Number(f.commit_id), (e = { files: [], renames: [] }));
      e.files.push(f.path);
      if (f.old_path) e.renames.push({ from: f.old_path, to: f.path });
    }
    return rows
      .filter((r) => r.parents.split(' ').filter(Boolean).length <= 1)
      .map((r) => ({
        sha: r.sha,
        authorTime: Number(r.author_time),
        // Indexes written before commit text was redacted on the way in.
        subject: redactSecrets(r.subject),
        body: redactSecrets(r.body),
        files: byCommit.get(Number(r.id))?.files ?? [],
        renames: byCommit.get(Number(r.id))?.renames ?? [],
      }));
  }

  async locateFileTexts(repoId: number): Promise<LocateFileText[]> {
    const rows = await this.port.all<{ path: string; text: string }>(
      `SELECT f.path, c.text FROM files f
       JOIN parse_chunks pc ON pc.parse_id = f.parse_id
       JOIN chunks c ON c.hash = pc.chunk_hash
       WHERE f.repo_id = ? AND f.status = 'indexed'
       ORDER BY f.path, pc.ord`,
      [repoId],
    );
    const out: LocateFileText[] = [];
    for (const r of rows) {
      const last = out[out.length - 1];
      if (last && last.path === r.path) last.text += `\n${r.text}`;
      else out.push({ path: r.path, text: r.text });
    }
    return out;
  }

  async getLocateModel(repoId: number): Promise<StoredLocateModel | null> {
    const r = await this.port.get<{ trained_commit: string; trained_at: number; history_commits: number; model: string }>(
      'SELECT trained_commit, trained_at, history_commits, model FROM locate_models WHERE repo_id = ?',
      [repoId],
    );
    return r ? { trainedCommit: r.trained_commit, trainedAt: Number(r.trained_at), historyCommits: Number(r.history_commits), model: r.model } : null;
  }

  async putLocateModel(repoId: number, m: StoredLocateModel): Promise<void> {
    await this.port.run(
      `INSERT INTO locate_models (repo_id, trained_commit, trained_at, history_commits, model) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (repo_id) DO UPDATE SET trained_commit = excluded.trained_commit, trained_at = excluded.trained_at,
         history_commits = excluded.history_commits, model = excluded.model`,
      [repoId, m.trainedCommit, m.trainedAt, m.historyCommits, m.model],
    );
  }
}
