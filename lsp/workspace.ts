/**
 * A session's workspace: the editor's folders, which indexed repositories they
 * cover, and file URIs <-> (repository, repo-relative path).
 */
import { realpathSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RepoRecord } from '../daemon/store/types.js';
import type { Engine } from '../daemon/engine.js';
import { isInside as inside } from '../daemon/repo/confine.js';

export function uriToPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

export function pathToUri(path: string): string {
  return pathToFileURL(path).href;
}

export { inside };

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

export interface FileInRepo {
  repo: RepoRecord;
  /** Repo-relative, forward slashes. */
  path: string;
  /** The absolute path on disk. */
  abs: string;
}

export class Workspace {
  /** Folders the editor opened (absolute, as given and as real paths). */
  private folders: string[] = [];
  /** The git work-tree root of each folder that is in one. */
  private readonly roots = new Map<string, string>();

  constructor(private readonly engine: Engine) {}

  setFolders(folders: string[]): void {
    this.folders = [...new Set(folders.flatMap((f) => [resolve(f), real(resolve(f))]))];
  }

  addFolders(add: string[], remove: string[] = []): void {
    const gone = new Set(remove.flatMap((f) => [resolve(f), real(resolve(f))]));
    for (const f of gone) this.roots.delete(f);
    this.setFolders([...this.folders.filter((f) => !gone.has(f)), ...add]);
  }

  /** Records the git root found for a folder (a folder may be a subdirectory of its repository). */
  setGitRoot(folder: string, root: string): void {
    this.roots.set(resolve(folder), root);
    this.roots.set(real(resolve(folder)), root);
  }

  get folderPaths(): readonly string[] {
    return this.folders;
  }

  /**
   * The indexed repositories of the workspace: those holding a folder, or held by
   * one. Null when the workspace maps to none (then queries cover every indexed
   * repository rather than answering nothing).
   */
  async repos(): Promise<RepoRecord[] | null> {
    const all = await this.engine.repos.listRepos();
    const gitRoots = new Set(this.folders.map((f) => this.roots.get(f)).filter((r): r is string => !!r));
    const mine = all.filter((r) => gitRoots.has(r.root) || this.folders.some((f) => inside(r.root, f) || inside(f, r.root)));
    return mine.length ? mine : null;
  }

  /** The indexed repository holding a file, and the file's repo-relative path. */
  async locate(uri: string): Promise<FileInRepo | null> {
    const p = uriToPath(uri);
    if (!p) return null;
    const candidates = [...new Set([resolve(p), real(resolve(p))])];
    const repos = await this.engine.repos.listRepos();
    for (const abs of candidates) {
      const repo = repos.filter((r) => inside(r.root, abs) || inside(real(r.root), abs)).sort((a, b) => b.root.length - a.root.length)[0];
      if (!repo) continue;
      const base = inside(repo.root, abs) ? repo.root : real(repo.root);
      const rel = relative(base, abs);
      if (!rel) continue;
      return { repo, path: rel.split(sep).join('/'), abs };
    }
    return null;
  }
}
