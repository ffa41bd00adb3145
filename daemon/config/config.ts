/**
 * Configuration: defaults, then the config file (TOML or JSON), then environment
 * variables. Validated once; every other module receives a typed, frozen object.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ContextdError } from '../errors.js';
import { resolvePaths, type ContextdPaths } from './paths.js';

export interface IndexConfig {
  /** Files larger than this are skipped (bytes). */
  maxFileBytes: number;
  /** Extra globs to exclude (repo-relative, picomatch syntax). */
  exclude: string[];
  /** Parse workers for large index runs (0 = in-process). */
  workers: number;
  /** Build the code graph (references, calls, imports) while indexing. Default true. */
  graph: boolean;
}

export interface SearchConfig {
  defaultLimit: number;
  /**
   * Worker threads that answer searches in the daemon, each with its own read-only
   * connection to the embedded store, so concurrent clients are served in parallel
   * (0 = on the main thread; a PostgreSQL store never needs them).
   */
  workers: number;
  /**
   * The semantic weight of hybrid search's score fusion (0: words only, 1: meaning only);
   * unset: the serving model's tuned weight (daemon/search/fusion-weights.ts).
   */
  semanticWeight?: number;
}

export interface HistoryConfig {
  /** Enrich chunks with git history (blame, commit table) as part of every index run. */
  enabled: boolean;
  /** Files larger than this are not blamed (bytes); their history says so. */
  maxBlameBytes: number;
  /** Commits that changed more files than this are ignored by co-change and history search. */
  maxCommitFiles: number;
  /** `git blame` processes run at once. */
  blameConcurrency: number;
  /** A blame taking longer than this is killed and the file reported as failed (ms). */
  blameTimeoutMs: number;
  /**
   * Write git's commit-graph with changed-path Bloom filters before a large blame run when the
   * repository has none (git's own cache file; makes each blame 2-3x faster on long histories).
   */
  commitGraph: boolean;
  /** Keep a history of searches (CLI, MCP, LSP) in the store: `contextd searches`, the dashboard. */
  searches: boolean;
  /** Searches older than this are deleted (days). */
  searchRetentionDays: number;
}

export interface OtelConfig {
  /** An OTLP/HTTP collector (http://127.0.0.1:4318): spans of searches and index runs go to <endpoint>/v1/traces; null = no traces. */
  endpoint: string | null;
  serviceName: string;
  /** How often queued spans are posted (ms). */
  flushMs: number;
}

export interface HttpConfig {
  /** Where the HTTP endpoint (/metrics, /health, the dashboard) listens; null = off (the default). */
  listen: { host: string; port: number } | null;
  /** How often the dashboard's time series takes a sample (ms). */
  sampleMs: number;
}

export interface EmbedConfig {
  /** builtin: the static code model shipped with contextd (no download, no training); ollama: a local Ollama server; off: no semantic search. */
  provider: 'builtin' | 'ollama' | 'off';
  /** The Ollama embedding model (provider = ollama). */
  model: string;
  ollamaHost: string;
  /** Chunks per embed call; 0 = the provider's default (built-in 512, Ollama 32). */
  batchSize: number;
  /** Ollama requests in flight at once. */
  workers: number;
  /** Vector count from which the in-process HNSW index replaces the exact scan. */
  annThreshold: number;
  /** An embed call that takes longer is abandoned and retried with backoff (ms). */
  callTimeoutMs: number;
}

export interface LspConfig {
  /** Register the repositories of an editor's workspace folders when it connects. */
  autoRegister: boolean;
  /** `textDocument/definition` from the symbol table: off, on, or for the listed languages only. */
  definitionFallback: boolean | string[];
  /** Most `workspace/symbol` results per request. */
  workspaceSymbolLimit: number;
}

export interface McpConfig {
  /**
   * Register a linked worktree of a registered repository when an agent works in it
   * (agents often run in `git worktree`s): its content is shared with the repository,
   * so nothing is parsed or embedded twice.
   */
  autoRegisterWorktrees: boolean;
  /**
   * Streamable HTTP at http://127.0.0.1:PORT/mcp (bearer token in the data dir's
   * `http-token`); null: off (a network listener is opt-in, even on loopback). 0: any free port.
   */
  httpPort: number | null;
}

export interface StoreConfig {
  /** A PostgreSQL URL (`postgres://user:password@host:5432/db`, `?schema=name` optional); null: the embedded SQLite store. */
  url: string | null;
  /** This machine's name in a shared database: repositories are keyed by (machine, root path). */
  machine: string;
  /** PostgreSQL connections this daemon keeps at most. */
  poolSize: number;
}

export interface CacheConfig {
  /** A shared Redis (`redis://[:password@]host:port[/db]`); null: the in-process LRU only. */
  redis: string | null;
  /** Entries expire after this long even if nothing changed (history ages in hits are relative to now). */
  ttlSeconds: number;
  /** In-process entries kept (the LRU, and Redis's memory layer). */
  maxEntries: number;
  /** In-process byte budget for cached results (MiB). */
  maxMegabytes: number;
  /** Per Redis command: a hanging Redis costs at most this, then counts as a miss (ms). */
  timeoutMs: number;
  /** Redis key prefix (the store's id is appended, so daemons share entries only when they share a store). */
  keyPrefix: string;
}

export interface QdrantConfig {
  /** Qdrant's REST URL (`http://host:6333`); null: the embedded vector index. */
  url: string | null;
  apiKey: string | null;
  /** Collections are named `<prefix>_<store id>_<model>_<dim>`. */
  collectionPrefix: string;
  /** Per query (ms): a hanging Qdrant costs at most this, then semantic search is off until it answers again. */
  timeoutMs: number;
  /** Per write batch (ms). */
  writeTimeoutMs: number;
  /** Points per upsert request. */
  batchSize: number;
  /** A filtered view of up to this many vectors is pushed down to Qdrant as its id set; larger views post-filter. */
  maxFilterIds: number;
}

export interface AskConfig {
  /** The Ollama chat model that answers `contextd ask` / `ask_codebase`. */
  model: string;
  /** Set up on purpose (an [ask] section or CONTEXTD_ASK_MODEL): `doctor` fails when it does not work. */
  configured: boolean;
  /** The Ollama server (defaults to embed.ollamaHost / CONTEXTD_OLLAMA_HOST). */
  ollamaHost: string;
  /** Code chunks given to the model at most. */
  contextChunks: number;
  /** Characters of code context at most (about 4 characters a token). */
  maxContextChars: number;
  /** The model's context window (Ollama num_ctx). */
  numCtx: number;
  temperature: number;
  /** Longest wait for the first token (model loading included) and between tokens (ms). */
  timeoutMs: number;
}

export interface ContextdConfig {
  paths: ContextdPaths;
  /** Where the config was read from, if anywhere. */
  configFile: string | null;
  index: IndexConfig;
  search: SearchConfig;
  lsp: LspConfig;
  mcp: McpConfig;
  embed: EmbedConfig;
  history: HistoryConfig;
  http: HttpConfig;
  otel: OtelConfig;
  store: StoreConfig;
  cache: CacheConfig;
  qdrant: QdrantConfig;
  ask: AskConfig;
}

const DEFAULTS = {
  index: { maxFileBytes: 1024 * 1024, exclude: [] as string[], workers: 2, graph: true },
  search: { defaultLimit: 10, workers: 2 },
  lsp: { autoRegister: true, definitionFallback: false as boolean | string[], workspaceSymbolLimit: 100 },
  mcp: { autoRegisterWorktrees: true, httpPort: null as number | null },
  embed: {
    provider: 'builtin' as const,
    model: 'nomic-embed-text',
    ollamaHost: 'http://127.0.0.1:11434',
    batchSize: 0,
    workers: 2,
    annThreshold: 20_000,
    callTimeoutMs: 60_000,
  },
  history: {
    enabled: true,
    maxBlameBytes: 512 * 1024,
    maxCommitFiles: 50,
    blameConcurrency: 2,
    blameTimeoutMs: 60_000,
    commitGraph: true,
    searches: true,
    searchRetentionDays: 30,
  },
  http: { sampleMs: 5000 },
  otel: { serviceName: 'contextd', flushMs: 2000 },
  store: { poolSize: 8 },
  cache: { ttlSeconds: 600, maxEntries: 2000, maxMegabytes: 64, timeoutMs: 250, keyPrefix: 'contextd' },
  qdrant: { collectionPrefix: 'contextd', timeoutMs: 2000, writeTimeoutMs: 30_000, batchSize: 256, maxFilterIds: 16_384 },
  ask: { model: 'qwen2.5-coder:7b', contextChunks: 8, maxContextChars: 24_000, numCtx: 8192, temperature: 0.1, timeoutMs: 120_000 },
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function readConfigFile(configDir: string): { file: string | null; data: Record<string, Json> } {
  for (const name of ['config.toml', 'config.json']) {
    const file = join(configDir, name);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    try {
      const data = name.endsWith('.toml') ? (parseToml(text) as Record<string, Json>) : (JSON.parse(text) as Record<string, Json>);
      if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new Error('the top level must be a table/object');
      return { file, data };
    } catch (err) {
      throw new ContextdError('bad-config', `cannot read ${file}: ${(err as Error).message}`, { hint: 'fix the file or move it aside' });
    }
  }
  return { file: null, data: {} };
}

function section(data: Record<string, Json>, name: string): Record<string, Json> {
  const v = data[name];
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ContextdError('bad-config', `config: [${name}] must be a table`);
  return v;
}

function unitInterval(value: Json | string | undefined, where: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new ContextdError('bad-config', `config: ${where} must be a number from 0 to 1 (got ${JSON.stringify(value)})`);
  }
  return n;
}

function positiveInt(value: Json | string | undefined, where: string, fallback: number, allowZero = false): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < (allowZero ? 0 : 1)) {
    throw new ContextdError('bad-config', `config: ${where} must be a ${allowZero ? 'non-negative' : 'positive'} integer (got ${JSON.stringify(value)})`);
  }
  return n;
}

function boolFlag(value: Json | string | undefined, where: string, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (value === true || value === 'true' || value === '1' || value === 'on') return true;
  if (value === false || value === 'false' || value === '0' || value === 'off') return false;
  throw new ContextdError('bad-config', `config: ${where} must be true or false (got ${JSON.stringify(value)})`);
}

function stringList(value: Json | undefined, where: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ContextdError('bad-config', `config: ${where} must be a list of strings`);
  }
  return value as string[];
}

function embedProvider(value: Json | string | undefined): EmbedConfig['provider'] {
  if (value === undefined || value === '') return DEFAULTS.embed.provider;
  if (value === 'builtin' || value === 'ollama' || value === 'off') return value;
  throw new ContextdError('bad-config', `config: embed.provider (CONTEXTD_EMBEDDER) must be builtin, ollama or off (got ${JSON.stringify(value)})`);
}

function portOrOff(value: Json | string | undefined, where: string): number | null {
  if (value === undefined || value === '' || value === null || value === 'off' || value === false) return null;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new ContextdError('bad-config', `config: ${where} must be a port from 0 to 65535, or off (got ${JSON.stringify(value)})`);
  return n;
}

/** `host:port` (IPv6 in brackets: `[::1]:7420`); off / empty = null. */
function listenAddress(value: Json | string | undefined, where: string): HttpConfig['listen'] {
  if (value === undefined || value === null || value === '' || value === 'off' || value === false) return null;
  const m = typeof value === 'string' ? /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(value) : null;
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535)
    throw new ContextdError('bad-config', `config: ${where} must be host:port, e.g. "127.0.0.1:7420", or off (got ${JSON.stringify(value)})`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port };
}

function nonEmpty(value: Json | string | undefined, where: string, fallback: string): string {
  if (value === undefined || value === '') return fallback;
  if (typeof value !== 'string') throw new ContextdError('bad-config', `config: ${where} must be a string (got ${JSON.stringify(value)})`);
  return value;
}

/** A service URL: null when unset or empty; must parse with one of the given schemes. */
function serviceUrl(value: Json | string | undefined, where: string, schemes: string[]): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw new ContextdError('bad-config', `config: ${where} must be a URL string (got ${JSON.stringify(value)})`);
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ContextdError('bad-config', `config: ${where} is not a URL: ${JSON.stringify(value)}`, { hint: `e.g. ${schemes[0]}//127.0.0.1` });
  }
  if (!schemes.includes(u.protocol))
    throw new ContextdError('bad-config', `config: ${where} must start with ${schemes.join(' or ')} (got ${JSON.stringify(value)})`);
  return value;
}

function temperature(value: Json | string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 2)
    throw new ContextdError('bad-config', `config: ask.temperature must be a number from 0 to 2 (got ${JSON.stringify(value)})`);
  return n;
}

function lspConfig(lsp: Record<string, Json>, env: NodeJS.ProcessEnv): LspConfig {
  const fb = lsp.definitionFallback;
  return {
    autoRegister: boolFlag(env.CONTEXTD_LSP_AUTO_REGISTER ?? lsp.autoRegister, 'lsp.autoRegister', DEFAULTS.lsp.autoRegister),
    definitionFallback: Array.isArray(fb)
      ? stringList(fb, 'lsp.definitionFallback').map((l) => l.toLowerCase())
      : boolFlag(fb, 'lsp.definitionFallback (true, false or a list of languages)', false),
    workspaceSymbolLimit: positiveInt(lsp.workspaceSymbolLimit, 'lsp.workspaceSymbolLimit', DEFAULTS.lsp.workspaceSymbolLimit),
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ContextdConfig {
  const paths = resolvePaths(env);
  const { file, data } = readConfigFile(paths.configDir);
  const idx = section(data, 'index');
  const search = section(data, 'search');
  const embed = section(data, 'embed');
  const history = section(data, 'history');
  const store = section(data, 'store');
  const cache = section(data, 'cache');
  const qdrant = section(data, 'qdrant');
  const ask = section(data, 'ask');
  const ollamaHost = nonEmpty(env.CONTEXTD_OLLAMA_HOST ?? embed.ollamaHost, 'embed.ollamaHost', DEFAULTS.embed.ollamaHost);
  const config: ContextdConfig = {
    paths,
    configFile: file,
    index: {
      maxFileBytes: positiveInt(env.CONTEXTD_MAX_FILE_BYTES ?? idx.maxFileBytes, 'index.maxFileBytes', DEFAULTS.index.maxFileBytes),
      exclude: stringList(idx.exclude, 'index.exclude'),
      workers: positiveInt(env.CONTEXTD_WORKERS ?? idx.workers, 'index.workers', DEFAULTS.index.workers, true),
      graph: boolFlag(env.CONTEXTD_GRAPH ?? idx.graph, 'index.graph', DEFAULTS.index.graph),
    },
    search: {
      defaultLimit: positiveInt(search.defaultLimit, 'search.defaultLimit', DEFAULTS.search.defaultLimit),
      workers: positiveInt(env.CONTEXTD_SEARCH_WORKERS ?? search.workers, 'search.workers', DEFAULTS.search.workers, true),
      semanticWeight: unitInterval(env.CONTEXTD_SEMANTIC_WEIGHT ?? search.semanticWeight, 'search.semanticWeight'),
    },
    lsp: lspConfig(section(data, 'lsp'), env),
    mcp: {
      autoRegisterWorktrees: boolFlag(
        env.CONTEXTD_MCP_AUTO_WORKTREES ?? section(data, 'mcp').autoRegisterWorktrees,
        'mcp.autoRegisterWorktrees',
        DEFAULTS.mcp.autoRegisterWorktrees,
      ),
      httpPort: portOrOff(env.CONTEXTD_HTTP_PORT ?? section(data, 'mcp').httpPort, 'mcp.httpPort (CONTEXTD_HTTP_PORT)'),
    },
    embed: {
      provider: embedProvider(env.CONTEXTD_EMBEDDER ?? embed.provider),
      model: nonEmpty(env.CONTEXTD_EMBED_MODEL ?? embed.model, 'embed.model', DEFAULTS.embed.model),
      ollamaHost,
      batchSize: positiveInt(env.CONTEXTD_EMBED_BATCH ?? embed.batchSize, 'embed.batchSize', DEFAULTS.embed.batchSize, true),
      workers: positiveInt(env.CONTEXTD_EMBED_WORKERS ?? embed.workers, 'embed.workers', DEFAULTS.embed.workers),
      annThreshold: positiveInt(embed.annThreshold, 'embed.annThreshold', DEFAULTS.embed.annThreshold),
      callTimeoutMs: positiveInt(env.CONTEXTD_EMBED_TIMEOUT_MS ?? embed.callTimeoutMs, 'embed.callTimeoutMs', DEFAULTS.embed.callTimeoutMs),
    },
    history: {
      enabled: boolFlag(env.CONTEXTD_HISTORY ?? history.enabled, 'history.enabled', DEFAULTS.history.enabled),
      maxBlameBytes: positiveInt(env.CONTEXTD_MAX_BLAME_BYTES ?? history.maxBlameBytes, 'history.maxBlameBytes', DEFAULTS.history.maxBlameBytes),
      maxCommitFiles: positiveInt(env.CONTEXTD_MAX_COMMIT_FILES ?? history.maxCommitFiles, 'history.maxCommitFiles', DEFAULTS.history.maxCommitFiles),
      blameConcurrency: positiveInt(history.blameConcurrency, 'history.blameConcurrency', DEFAULTS.history.blameConcurrency),
      blameTimeoutMs: positiveInt(history.blameTimeoutMs, 'history.blameTimeoutMs', DEFAULTS.history.blameTimeoutMs),
      commitGraph: boolFlag(env.CONTEXTD_COMMIT_GRAPH ?? history.commitGraph, 'history.commitGraph', DEFAULTS.history.commitGraph),
      searches: boolFlag(env.CONTEXTD_SEARCH_HISTORY ?? history.searches, 'history.searches (CONTEXTD_SEARCH_HISTORY)', DEFAULTS.history.searches),
      searchRetentionDays: positiveInt(history.searchRetentionDays, 'history.searchRetentionDays', DEFAULTS.history.searchRetentionDays),
    },
    http: {
      listen: listenAddress(env.CONTEXTD_HTTP_LISTEN ?? section(data, 'http').listen, 'http.listen (CONTEXTD_HTTP_LISTEN)'),
      sampleMs: positiveInt(env.CONTEXTD_HTTP_SAMPLE_MS ?? section(data, 'http').sampleMs, 'http.sampleMs', DEFAULTS.http.sampleMs),
    },
    otel: {
      endpoint: serviceUrl(
        env.CONTEXTD_OTLP_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? section(data, 'otel').endpoint,
        'otel.endpoint (CONTEXTD_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT)',
        ['http:', 'https:'],
      ),
      serviceName: nonEmpty(env.OTEL_SERVICE_NAME ?? section(data, 'otel').serviceName, 'otel.serviceName', DEFAULTS.otel.serviceName),
      flushMs: positiveInt(env.CONTEXTD_OTLP_FLUSH_MS ?? section(data, 'otel').flushMs, 'otel.flushMs', DEFAULTS.otel.flushMs),
    },
    store: {
      url: serviceUrl(env.CONTEXTD_DATABASE_URL ?? store.url, 'store.url (CONTEXTD_DATABASE_URL)', ['postgres:', 'postgresql:']),
      machine: nonEmpty(env.CONTEXTD_MACHINE ?? store.machine, 'store.machine (CONTEXTD_MACHINE)', hostname()),
      poolSize: positiveInt(env.CONTEXTD_DB_POOL ?? store.poolSize, 'store.poolSize', DEFAULTS.store.poolSize),
    },
    cache: {
      redis: serviceUrl(env.CONTEXTD_REDIS_URL ?? cache.redis, 'cache.redis (CONTEXTD_REDIS_URL)', ['redis:', 'rediss:']),
      ttlSeconds: positiveInt(cache.ttlSeconds, 'cache.ttlSeconds', DEFAULTS.cache.ttlSeconds),
      maxEntries: positiveInt(cache.maxEntries, 'cache.maxEntries', DEFAULTS.cache.maxEntries, true),
      maxMegabytes: positiveInt(cache.maxMegabytes, 'cache.maxMegabytes', DEFAULTS.cache.maxMegabytes, true),
      timeoutMs: positiveInt(cache.timeoutMs, 'cache.timeoutMs', DEFAULTS.cache.timeoutMs),
      keyPrefix: nonEmpty(env.CONTEXTD_REDIS_PREFIX ?? cache.keyPrefix, 'cache.keyPrefix', DEFAULTS.cache.keyPrefix),
    },
    qdrant: {
      url: serviceUrl(env.CONTEXTD_QDRANT_URL ?? qdrant.url, 'qdrant.url (CONTEXTD_QDRANT_URL)', ['http:', 'https:']),
      apiKey: env.CONTEXTD_QDRANT_API_KEY || (qdrant.apiKey === undefined ? null : nonEmpty(qdrant.apiKey, 'qdrant.apiKey', '')) || null,
      collectionPrefix: nonEmpty(qdrant.collectionPrefix, 'qdrant.collectionPrefix', DEFAULTS.qdrant.collectionPrefix),
      timeoutMs: positiveInt(qdrant.timeoutMs, 'qdrant.timeoutMs', DEFAULTS.qdrant.timeoutMs),
      writeTimeoutMs: positiveInt(qdrant.writeTimeoutMs, 'qdrant.writeTimeoutMs', DEFAULTS.qdrant.writeTimeoutMs),
      batchSize: positiveInt(qdrant.batchSize, 'qdrant.batchSize', DEFAULTS.qdrant.batchSize),
      maxFilterIds: positiveInt(qdrant.maxFilterIds, 'qdrant.maxFilterIds', DEFAULTS.qdrant.maxFilterIds, true),
    },
    ask: {
      model: nonEmpty(env.CONTEXTD_ASK_MODEL ?? ask.model, 'ask.model (CONTEXTD_ASK_MODEL)', DEFAULTS.ask.model),
      configured: !!(env.CONTEXTD_ASK_MODEL || Object.keys(ask).length),
      ollamaHost: nonEmpty(ask.ollamaHost, 'ask.ollamaHost', ollamaHost),
      contextChunks: positiveInt(ask.contextChunks, 'ask.contextChunks', DEFAULTS.ask.contextChunks),
      maxContextChars: positiveInt(ask.maxContextChars, 'ask.maxContextChars', DEFAULTS.ask.maxContextChars),
      numCtx: positiveInt(ask.numCtx, 'ask.numCtx', DEFAULTS.ask.numCtx),
      temperature: temperature(ask.temperature, DEFAULTS.ask.temperature),
      timeoutMs: positiveInt(env.CONTEXTD_ASK_TIMEOUT_MS ?? ask.timeoutMs, 'ask.timeoutMs', DEFAULTS.ask.timeoutMs),
    },
  };
  return config;
}
