/**
 * The library's front door: one object that owns the store and the parse pool and
 * offers index/search/symbols. The CLI (in-process commands) and the daemon's
 * servers both go through it; neither touches the store directly.
 */
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ContextdConfig } from './config/config.js';
import { ContextdError } from './errors.js';
import { indexRepository, type IndexOptions, type IndexSummary } from './index/indexer.js';
import { ParsePool } from './lang/parse-pool.js';
import { findRepoRoot } from './repo/git.js';
import { searchCode, type SearchHit } from './search/search.js';
import { findSymbols, type SymbolHit } from './search/symbols.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { MetadataStore, RepoRecord } from './store/types.js';

export interface QueryScope {
  /** A path inside a repository to restrict to; all indexed repositories when absent. */
  repo?: string;
  languages?: string[];
  paths?: string[];
  limit?: number;
}

export type EngineSearchHit = SearchHit & { repo: string };
export type EngineSymbolHit = SymbolHit & { repo: string };

export class Engine {
  private pool: ParsePool | null = null;

  private constructor(
    readonly config: ContextdConfig,
    readonly store: MetadataStore,
  ) {}

  static async open(config: ContextdConfig): Promise<Engine> {
    const dataDir = config.paths.dataDir;
    try {
      if (!statSync(dataDir).isDirectory()) {
        throw new ContextdError('bad-data-dir', `the data directory ${dataDir} is not a directory`, {
          hint: 'set CONTEXTD_DATA_DIR or XDG_DATA_HOME to a directory',
        });
      }
    } catch (err) {
      if (err instanceof ContextdError) throw err;
      // Missing is fine: the store creates it.
    }
    const store = new SqliteStore(join(dataDir, 'index.db'));
    return new Engine(config, store);
  }

  private parsePool(): ParsePool {
    if (!this.pool) this.pool = new ParsePool({ workers: this.config.index.workers });
    return this.pool;
  }

  async index(path: string, opts: IndexOptions = {}): Promise<IndexSummary> {
    return indexRepository({ store: this.store, pool: this.parsePool(), config: this.config.index }, resolve(path), opts);
  }

  /** The indexed repository containing `path`, or a clear error saying how to index it. */
  async repoFor(path: string): Promise<RepoRecord> {
    const root = await findRepoRoot(resolve(path));
    const repo = await this.store.getRepo(root);
    if (!repo) {
      throw new ContextdError('not-indexed', `${root} is not indexed yet`, { hint: `run: contextd index ${JSON.stringify(root)}` });
    }
    return repo;
  }

  private async scope(scope: QueryScope): Promise<{ repoIds?: number[]; roots: Map<number, string> }> {
    const repos = await this.store.listRepos();
    const roots = new Map(repos.map((r) => [r.id, r.root]));
    if (!scope.repo) return { roots };
    const repo = await this.repoFor(scope.repo);
    return { repoIds: [repo.id], roots };
  }

  async search(query: string, scope: QueryScope = {}): Promise<EngineSearchHit[]> {
    const { repoIds, roots } = await this.scope(scope);
    const hits = await searchCode(this.store, query, {
      repoIds,
      languages: scope.languages,
      paths: scope.paths,
      limit: scope.limit ?? this.config.search.defaultLimit,
    });
    return hits.map((h) => ({ ...h, repo: roots.get(h.repoId) ?? '' }));
  }

  async symbols(query: string, scope: QueryScope & { kinds?: string[] } = {}): Promise<EngineSymbolHit[]> {
    const { repoIds, roots } = await this.scope(scope);
    const hits = await findSymbols(this.store, query, {
      repoIds,
      languages: scope.languages,
      paths: scope.paths,
      kinds: scope.kinds,
      limit: scope.limit ?? 20,
    });
    return hits.map((h) => ({ ...h, repo: roots.get(h.repoId) ?? '' }));
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
    await this.store.close();
  }
}
