/**
 * Opens the configured metadata store: the embedded SQLite file under the data
 * directory, or PostgreSQL when `[store] url` / CONTEXTD_DATABASE_URL names one.
 * The one place that knows which backends exist; the Engine only sees the
 * interfaces (MetadataStore, EmbeddingStore, RepoLock through the store).
 */
import { join } from 'node:path';
import type { ContextdConfig } from '../config/config.js';
import { SqliteStore } from './sqlite-store.js';
import { SqliteEmbeddingStore } from './sqlite-vectors.js';
import type { MetadataStore } from './types.js';
import type { EmbeddingStore } from './vector-types.js';
import { SqlSearchLog, type SearchLogStore } from './search-log.js';
import { sqlitePort } from './sql-port.js';

export interface OpenedStore {
  store: MetadataStore;
  /** Vectors live in the same database as the views (one join filters them by view). */
  embeddings: EmbeddingStore;
  /**
   * Changes when another connection wrote to the store, read without a round trip
   * (SQLite's data_version); null for a server database, where other daemons'
   * writes reach the query cache through its own invalidation (Redis pub/sub).
   */
  dataVersion: () => unknown;
  /** This machine's search history, in the same database. */
  searchLog: SearchLogStore;
}

export interface OpenStoreOptions {
  /** Called when an idle server connection breaks (for the daemon's log). */
  onConnectionError?: (err: Error) => void;
}

export function storeKind(config: ContextdConfig): 'postgres' | 'sqlite' {
  return config.store.url ? 'postgres' : 'sqlite';
}

export async function openStore(config: ContextdConfig, opts: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (config.store.url) {
    // Loaded only when configured: pg and slonik cost ~150 ms at every start otherwise.
    const { PostgresStore } = await import('./postgres-store.js');
    const store = await PostgresStore.open({
      url: config.store.url,
      machine: config.store.machine,
      poolSize: config.store.poolSize,
      onConnectionError: opts.onConnectionError,
    });
    return { store, embeddings: store.embeddings(), dataVersion: () => null, searchLog: store.searchLog() };
  }
  const store = new SqliteStore(join(config.paths.dataDir, 'index.db'));
  return {
    store,
    embeddings: new SqliteEmbeddingStore(store.raw),
    dataVersion: () => store.raw.pragma('data_version', { simple: true }),
    searchLog: new SqlSearchLog(sqlitePort(store.raw), config.store.machine),
  };
}

/**
 * Whether searches gain from running on worker threads with their own connections:
 * SQLite answers on the calling thread (better-sqlite3 is synchronous) and WAL lets
 * several readers work at once; a server database already works off this thread.
 */
export function parallelReadsHelp(config: ContextdConfig): boolean {
  return storeKind(config) === 'sqlite';
}

/** A read-only connection to the configured store, for a search worker thread. */
export async function openReadOnlyStore(config: ContextdConfig): Promise<MetadataStore> {
  if (storeKind(config) !== 'sqlite') throw new Error('openReadOnlyStore: only the embedded store has read-only connections');
  return new SqliteStore(join(config.paths.dataDir, 'index.db'), { readonly: true });
}
