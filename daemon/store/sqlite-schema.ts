/**
 * SQLite schema, as an ordered list of migrations. `PRAGMA user_version` records how
 * many have run; each runs in its own transaction, so a crash never leaves half a
 * migration behind.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  // 1: repositories, file views, content-addressed parses/chunks, symbols, lexical index.
  `
  CREATE TABLE repos (
    id INTEGER PRIMARY KEY,
    root TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    indexed_commit TEXT,
    indexed_at INTEGER,
    last_summary TEXT,
    last_error TEXT
  );

  -- A parse is the chunker's output for one content key (blob, language, chunker version).
  CREATE TABLE parses (
    id INTEGER PRIMARY KEY,
    parse_key TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL,
    fallback INTEGER NOT NULL,
    parse_error TEXT,
    created_at INTEGER NOT NULL
  );

  -- Chunk text, keyed by a hash of (language, chunker version, text): stored once.
  CREATE TABLE chunks (
    hash TEXT PRIMARY KEY,
    language TEXT NOT NULL,
    text TEXT NOT NULL
  ) WITHOUT ROWID;

  -- Where each chunk sits in a parse; its rowid is the lexical index's rowid.
  CREATE TABLE parse_chunks (
    id INTEGER PRIMARY KEY,
    parse_id INTEGER NOT NULL REFERENCES parses(id) ON DELETE CASCADE,
    ord INTEGER NOT NULL,
    chunk_hash TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    symbol TEXT,
    kind TEXT NOT NULL
  );
  CREATE INDEX parse_chunks_parse ON parse_chunks(parse_id, ord);
  CREATE INDEX parse_chunks_hash ON parse_chunks(chunk_hash);

  CREATE TABLE symbols (
    id INTEGER PRIMARY KEY,
    parse_id INTEGER NOT NULL REFERENCES parses(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    container TEXT,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    name_line INTEGER NOT NULL,
    name_col INTEGER NOT NULL,
    signature TEXT NOT NULL
  );
  CREATE INDEX symbols_name ON symbols(name);
  CREATE INDEX symbols_parse ON symbols(parse_id);

  -- The view: what each repository's working tree holds at each path.
  CREATE TABLE files (
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    blob TEXT NOT NULL,
    -- blob + language + chunker version: equal keys mean nothing to recompute.
    content_key TEXT NOT NULL,
    size INTEGER NOT NULL,
    language TEXT,
    encoding TEXT,
    status TEXT NOT NULL,
    skip_reason TEXT,
    parse_id INTEGER REFERENCES parses(id),
    indexed_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, path)
  ) WITHOUT ROWID;
  CREATE INDEX files_parse ON files(parse_id);

  -- Lexical index: identifier-split tokens of the symbol path and the chunk body.
  CREATE VIRTUAL TABLE chunk_fts USING fts5(symbol, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');
  `,
  // 2: the daemon: registered (watched) repositories and the persistent job queue.
  `
  ALTER TABLE repos ADD COLUMN registered INTEGER NOT NULL DEFAULT 0;

  -- Pending work per repository, deduplicated per path ('' = reconcile the whole tree).
  -- seq grows on every enqueue, so work re-requested while running is not lost.
  CREATE TABLE jobs (
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    seq INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, path)
  ) WITHOUT ROWID;
  CREATE INDEX jobs_seq ON jobs(repo_id, seq);
  `,
  // 3: git history: commits (stored once per id), their files and message index,
  // which repository holds which commit, and per-file blame as line ranges.
  `
  CREATE TABLE commits (
    id INTEGER PRIMARY KEY,
    sha TEXT NOT NULL UNIQUE,
    parents TEXT NOT NULL,            -- space-separated ids
    author_name TEXT NOT NULL,
    author_email TEXT NOT NULL,
    author_time INTEGER NOT NULL,     -- unix seconds
    committer_name TEXT NOT NULL,
    committer_email TEXT NOT NULL,
    commit_time INTEGER NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- files changed against the first parent; NULL while only blame has described the commit
    files_changed INTEGER
  );
  CREATE INDEX commits_author_time ON commits(author_time);

  -- Commit messages, identifier-split like code (rowid = commits.id).
  CREATE VIRTUAL TABLE commit_fts USING fts5(subject, body, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2');

  CREATE TABLE commit_files (
    commit_id INTEGER NOT NULL REFERENCES commits(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    status TEXT NOT NULL,
    old_path TEXT,
    PRIMARY KEY (commit_id, path)
  ) WITHOUT ROWID;
  CREATE INDEX commit_files_path ON commit_files(path, commit_id);

  -- The commits reachable from a repository's HEAD (as of its log tip).
  CREATE TABLE repo_commits (
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    commit_id INTEGER NOT NULL REFERENCES commits(id) ON DELETE CASCADE,
    PRIMARY KEY (repo_id, commit_id)
  ) WITHOUT ROWID;
  CREATE INDEX repo_commits_commit ON repo_commits(commit_id, repo_id);

  CREATE TABLE history_state (
    repo_id INTEGER PRIMARY KEY REFERENCES repos(id) ON DELETE CASCADE,
    log_tip TEXT,
    shallow INTEGER NOT NULL DEFAULT 0,
    grafts TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
  );

  -- One row per blamed file of a view: the blob it describes, and whether it must be redone.
  CREATE TABLE blame_files (
    repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    blob TEXT NOT NULL,
    status TEXT NOT NULL,             -- blamed | uncommitted | too-large | failed
    detail TEXT,
    lines INTEGER NOT NULL,
    stale INTEGER NOT NULL DEFAULT 0,
    blamed_at INTEGER NOT NULL,
    PRIMARY KEY (repo_id, path)
  ) WITHOUT ROWID;

  -- Consecutive lines owned by one commit (NULL: not committed yet).
  CREATE TABLE blame_ranges (
    repo_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    start_line INTEGER NOT NULL,
    end_line INTEGER NOT NULL,
    commit_id INTEGER,
    PRIMARY KEY (repo_id, path, start_line),
    FOREIGN KEY (repo_id, path) REFERENCES blame_files(repo_id, path) ON DELETE CASCADE
  ) WITHOUT ROWID;
  CREATE INDEX blame_ranges_commit ON blame_ranges(commit_id);
  `,
  // 4: embeddings: one vector per (chunk, model), the models (a learned model's
  // weights), and small settings (which model serves semantic queries).
  `
  CREATE TABLE embed_models (
    id TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    dim INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    trained_chunks INTEGER NOT NULL DEFAULT 0,
    blob BLOB
  );

  -- rowid = the ANN index key. Vectors go with their chunk (prune cascades).
  CREATE TABLE chunk_vectors (
    id INTEGER PRIMARY KEY,
    model_id TEXT NOT NULL REFERENCES embed_models(id) ON DELETE CASCADE,
    chunk_hash TEXT NOT NULL REFERENCES chunks(hash) ON DELETE CASCADE,
    vector BLOB NOT NULL,
    UNIQUE (model_id, chunk_hash)
  );
  CREATE INDEX chunk_vectors_hash ON chunk_vectors(chunk_hash);

  CREATE TABLE embed_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // 5: chunk text in a rowid table with a unique hash: the WITHOUT ROWID table stored
  // whole texts in its b-tree and cost twice the CPU per insert (measured on the stdlib).
  `
  CREATE TABLE chunks_v5 (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL,
    text TEXT NOT NULL
  );
  INSERT INTO chunks_v5 (hash, language, text) SELECT hash, language, text FROM chunks;
  DROP TABLE chunks;
  ALTER TABLE chunks_v5 RENAME TO chunks;
  `,
  // 6: the code graph (see sqliteGraphSchema below).
  sqliteGraphSchema(),
  // ---- 7: change localization (daemon/locate/): ranking weights learned per repository ----
  `
  CREATE TABLE locate_models (
    repo_id INTEGER PRIMARY KEY REFERENCES repos(id) ON DELETE CASCADE,
    trained_commit TEXT NOT NULL,     -- newest commit the training replayed (never past the indexed one)
    trained_at INTEGER NOT NULL,
    history_commits INTEGER NOT NULL, -- commits known when trained: a grown history retrains
    model TEXT NOT NULL               -- JSON, daemon/locate/model.ts
  );
  `,
  // 8: search history (search-log.ts; issue 18), its own block. One row per search made
  // through the CLI, MCP or LSP; the id is made by the recorder (rows are written in batches)
  // and grows with time, so a row is an append to the rowid b-tree and nothing else (no other
  // index: listing scans at most the retention window).
  `
  CREATE TABLE search_log (
    id INTEGER PRIMARY KEY,
    machine TEXT NOT NULL,
    at INTEGER NOT NULL,
    front_end TEXT NOT NULL,
    repo TEXT,
    mode TEXT NOT NULL,
    query TEXT NOT NULL,
    hits INTEGER NOT NULL,
    latency_us INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    opened_path TEXT,
    opened_rank INTEGER
  );
  `,
];

// ---- the code graph (daemon/store/graph-store.ts) --------------------------------------------
/**
 * Graph facts per parse (content-addressed like chunks; pruning a parse cascades): the uses of
 * names and the imports of each parse in one row, and an index of the names each parse uses. A function, so the array above can name it before this point in the module.
 */
function sqliteGraphSchema(): string {
  return `
  -- imports: what the file imports; bases: what each class inherits from; patterns (JSON, graph-codec.ts).
  CREATE TABLE graph_parses (
    parse_id INTEGER PRIMARY KEY REFERENCES parses(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    pkg TEXT,
    imports TEXT NOT NULL,
    bases TEXT NOT NULL,
    -- endpoints, database queries, error handling on their lines (lang/graph/patterns.ts)
    patterns TEXT NOT NULL
  );
  -- The uses of each name in each parse (the lookup behind every query reads only these rows).
  CREATE TABLE graph_names (
    name TEXT NOT NULL,
    parse_id INTEGER NOT NULL REFERENCES graph_parses(parse_id) ON DELETE CASCADE,
    uses TEXT NOT NULL,
    PRIMARY KEY (name, parse_id)
  ) WITHOUT ROWID;
  CREATE INDEX graph_names_parse ON graph_names(parse_id);
  `;
}
