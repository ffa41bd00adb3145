/**
 * The embedding store on SQLite (tables: migration 4 in sqlite-schema.ts): vectors.ts on
 * the metadata store's own connection (and its REGEXP function and transactions).
 */
import type { Database as Db } from 'better-sqlite3';
import { viewSql } from './repos.js';
import { sqlitePort } from './sql-port.js';
import { SqlEmbeddingStore } from './vectors.js';

export class SqliteEmbeddingStore extends SqlEmbeddingStore {
  constructor(db: Db) {
    const port = sqlitePort(db);
    super(port, viewSql(port, null), 'sqlite');
  }
}
