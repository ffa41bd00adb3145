/**
 * The daemon: one per user per machine. Owns the engine, the control socket, the
 * job scheduler, file watchers and maintenance. `contextd daemon` runs it in the
 * foreground; systemd/launchd keep it alive.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:net';
import { join, resolve } from 'node:path';
import { loadConfig, type ContextdConfig } from '../config/config.js';
import { Engine } from '../engine.js';
import { ContextdError, errorMessage } from '../errors.js';
import { findRepoRoot, headCommit, workTreeOf } from '../repo/git.js';
import { installHooks, uninstallHooks } from '../repo/hooks-installer.js';
import { CHAINED_SUFFIX } from '../repo/hook-script.js';
import { PACKAGE_ROOT, VERSION } from '../version.js';
import { CONTROL_SOCKET, LSP_SOCKET, MCP_SOCKET } from './constants.js';
import { AuditLog } from './audit-log.js';
import { createMcpSocketServer } from './mcp-socket.js';
import { createLspSocketServer, type LspSocketContext } from './lsp-socket.js';
import type { McpContext } from '../mcp/context.js';
import { queuedFreshness, type Freshness } from '../index/freshness.js';
import { createControlServer, type RpcHandler } from './control-server.js';
import { RPC_INVALID_PARAMS, RpcError } from './json-rpc.js';
import { acquireLock, type DaemonLock } from './lock.js';
import { startMcpHttp, type McpHttpEndpoint } from './mcp-http.js';
import { HTTP_TOKEN_FILE, loadOrCreateToken } from './http-token.js';
import { clearStartFailure, recordStartFailure } from './start-failure.js';
import { createLogger, logFilePath, rotateLog, type DaemonLogger } from './logger.js';
import { scheduleMaintenance } from './maintenance.js';
import { Scheduler } from './scheduler.js';
import { DeferredQueue } from './deferred-queue.js';
import { inheritedSockets, listenOwnerOnly, prepareSocketDir } from './sockets.js';
import { backendHealth, type DaemonStatus, type RepoStatus } from './status.js';
import type { EmbeddingProgress } from '../embed/types.js';
import type { MetadataStore } from '../store/types.js';
import type { SearchEvent, SearchLogEntry } from '../types.js';
import type { DaemonSearchAnswer, SearchScope } from '../types.js';
import { RepoWatcher } from './watcher.js';
import { DaemonMetrics } from '../metrics/metrics.js';
import { DashboardSeries } from '../metrics/dashboard-data.js';
import { NOOP_TRACER, OtlpTracer } from '../metrics/tracing.js';
import type { Tracer } from '../types.js';
import { startHttpEndpoint, type HttpEndpoint } from './http-endpoint.js';

export interface DaemonOptions {
  config?: ContextdConfig;
  /** Log to stderr as well as the log file (default true). */
  stderrLogs?: boolean;
  /** File-event debounce (ms). */
  debounceMs?: number;
  /** Install git hooks on `add` (default true). */
  installHooks?: boolean;
}

function str(params: unknown, key: string, required = true): string | undefined {
  const v = params && typeof params === 'object' ? (params as Record<string, unknown>)[key] : undefined;
  if (v === undefined || v === null) {
    if (required) throw new RpcError(RPC_INVALID_PARAMS, `missing parameter: ${key}`);
    return undefined;
  }
  if (typeof v !== 'string' || !v) throw new RpcError(RPC_INVALID_PARAMS, `parameter ${key} must be a non-empty string`);
  return v;
}

export class Daemon {
  readonly config: ContextdConfig;
  private engine!: Engine;
  private logger!: DaemonLogger;
  private lock!: DaemonLock;
  private scheduler!: Scheduler;
  private control: Server | null = null;
  private controlPath = '';
  private mcp: Server | null = null;
  private mcpPath = '';
  private lsp: Server | null = null;
  private lspPath = '';
  private http: McpHttpEndpoint | null = null;
  private httpError: string | null = null;
  /** Prometheus metrics (always recorded: cheap) and the monitoring endpoint (off unless configured or asked for). */
  readonly metrics = new DaemonMetrics();
  private monitor: HttpEndpoint | null = null;
  private monitorStarting: Promise<HttpEndpoint> | null = null;
  private monitorError: string | null = null;
  private series: DashboardSeries | null = null;
  /** OTLP traces when `[otel] endpoint` is set; else the tracer that does nothing. */
  private tracer: Tracer & { shutdown?: () => Promise<void> } = NOOP_TRACER;
  private audit!: AuditLog;
  private readonly watchers = new Map<number, RepoWatcher>();
  private stopMaintenance: (() => void) | null = null;
  /** Repositories whose events arrived while the store was unreachable: reconciled when it answers. */
  private deferred: DeferredQueue | null = null;
  private readonly startedAt = Date.now();
  private stopping: Promise<void> | null = null;
  private storeWatch: NodeJS.Timeout | null = null;
  private lastStoreProblem: string | null = null;
  private readonly opts: DaemonOptions;
  /** Resolves when the daemon has fully stopped. */
  readonly stopped: Promise<void>;
  private resolveStopped!: () => void;

  constructor(opts: DaemonOptions = {}) {
    this.opts = opts;
    this.config = opts.config ?? loadConfig();
    this.stopped = new Promise((r) => (this.resolveStopped = r));
  }

  get log() {
    return this.logger.log;
  }

  async start(): Promise<void> {
    const { dataDir, socketDir } = this.config.paths;
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.lock = acquireLock(dataDir, { socketDir });
    try {
      this.logger = createLogger(dataDir, { stderr: this.opts.stderrLogs ?? true });
      const { otel } = this.config;
      if (otel.endpoint) {
        let warned = false;
        this.tracer = new OtlpTracer({
          endpoint: otel.endpoint,
          serviceName: otel.serviceName,
          flushMs: otel.flushMs,
          // Once per run: a collector that is away must not fill the log.
          onError: (message) => {
            if (!warned) this.log.warn({ endpoint: otel.endpoint }, message);
            warned = true;
          },
        });
      }
      this.engine = await Engine.open(this.config, {
        onBackendEvent: (level, message, data) => this.log[level](data ?? {}, message),
        searchWorkers: this.config.search.workers,
        observer: this.metrics,
        tracer: this.tracer,
      });
      this.metrics.bind({
        status: () => this.status(),
        cacheStats: () => this.engine.cache.stats(),
        storeLatencyMs: async () => {
          // Timed here: the probe reports whole milliseconds, and SQLite answers in far less.
          const t0 = performance.now();
          const h = await this.engine.storeHealth();
          return h.healthy ? performance.now() - t0 : null;
        },
      });
      const corrupt = this.engine.checkIntegrity();
      if (corrupt)
        this.log.error(
          { problem: corrupt, database: this.engine.storeInfo.location },
          'the index database failed its integrity check; `contextd status` says how to fix it',
        );
      this.scheduler = new Scheduler(this.engine, this.log, 2, this.metrics, this.tracer);
      this.deferred = new DeferredQueue(async (root) => {
        const repo = await this.engine.repos.getRepo(root);
        if (repo?.registered) await this.scheduler.schedule(repo.id, null, 'events while the store was down');
      }, this.log);
      // Catch up with whatever happened while we were down (a reconcile reads only changed
      // files), queued before the sockets answer: nobody may see an idle daemon that is not.
      const registered = (await this.engine.repos.listRepos()).filter((r) => r.registered);
      for (const repo of registered) await this.engine.jobs.enqueue(repo.id, null, 'startup');
      prepareSocketDir(socketDir);
      this.control = createControlServer({
        handlers: this.handlers(),
        onError: (err, method) => this.log.error({ method, err: errorMessage(err) }, 'control request failed'),
      });
      const inherited = inheritedSockets();
      this.controlPath = await listenOwnerOnly(this.control, socketDir, CONTROL_SOCKET, inherited.get('control'));
      this.audit = new AuditLog(join(dataDir, 'logs', 'mcp-audit.jsonl'));
      this.mcp = createMcpSocketServer(this.mcpContext(), this.log);
      this.mcpPath = await listenOwnerOnly(this.mcp, socketDir, MCP_SOCKET, inherited.get('mcp'));
      this.lsp = createLspSocketServer(this.lspContext(), this.log);
      this.lspPath = await listenOwnerOnly(this.lsp, socketDir, LSP_SOCKET, inherited.get('lsp'));
      if (this.config.mcp.httpPort !== null) {
        // Opt-in, and never fatal: a port someone else holds costs the HTTP endpoint, not the daemon.
        try {
          this.http = await startMcpHttp(this.mcpContext(), this.log, { port: this.config.mcp.httpPort, token: loadOrCreateToken(dataDir) });
          this.log.info({ url: this.http.url }, 'MCP over HTTP listening');
        } catch (err) {
          this.httpError = errorMessage(err);
          this.log.error({ port: this.config.mcp.httpPort, err: this.httpError }, 'MCP over HTTP could not start');
        }
      }

      if (this.config.http.listen) {
        // Opt-in, and never fatal, like MCP over HTTP.
        await this.startMonitor(this.config.http.listen).catch((err) =>
          this.log.error({ listen: this.config.http.listen, err: errorMessage(err) }, 'the HTTP endpoint (metrics, health, dashboard) could not start'),
        );
      }

      for (const repo of registered) await this.watch(repo.id, repo.root);
      this.scheduler.kick();
      // Hooks a hook manager rewrote while we were down. They are a fast path only (the watcher
      // and reconciles keep the index fresh without them): repaired in the background.
      void (async () => {
        for (const repo of registered) if (!this.stopping) await this.repairHooks(repo.root);
      })();
      // A half-finished embedding run (crash, restart) resumes without waiting for the next index run.
      this.kickEmbedding();
      // The store's own watch (a database file deleted or replaced underneath us is noticed,
      // and a deleted one restored, within seconds, not at the next status call).
      this.storeWatch = setInterval(() => void this.engine.storeHealth().then((h) => this.reportStore(h)), STORE_WATCH_MS);
      this.storeWatch.unref();
      this.stopMaintenance = scheduleMaintenance(
        {
          reconcile: async () => {
            for (const repo of await this.engine.repos.listRepos()) {
              if (!repo.registered) continue;
              await this.repairHooks(repo.root);
              await this.scheduler.schedule(repo.id, null, 'periodic reconcile');
            }
            this.kickEmbedding();
          },
          prune: async () => {
            const removed = await this.engine.prune();
            this.log.info(removed, 'pruned unreferenced content');
          },
          rotateLogs: () => {
            if (rotateLog(logFilePath(dataDir))) this.logger.reopen();
          },
        },
        this.log,
      );
      this.log.info({ version: VERSION, socket: this.controlPath, dataDir }, 'contextd daemon started');
      clearStartFailure(dataDir);
    } catch (err) {
      recordStartFailure(dataDir, err);
      this.lock.release();
      throw err;
    }
  }

  private embedRetry: NodeJS.Timeout | null = null;
  private embedFailures = 0;

  /**
   * Embeds whatever chunks lack vectors, in the background. A failing or hanging
   * embedder is retried with exponential backoff (30 s doubling to 10 min); lexical,
   * symbol and history search never wait for it.
   */
  private kickEmbedding(): void {
    if (this.stopping || this.embedRetry) return;
    void this.engine.embedPending({}).then(
      () => {
        this.embedFailures = 0;
        void this.engine.warmVectors().catch(() => {});
      },
      (err) => {
        if (this.stopping) return;
        const base = Number(process.env.CONTEXTD_EMBED_RETRY_BASE_MS) || 30_000;
        const delay = Math.min(600_000, base * 2 ** this.embedFailures++);
        this.log.warn({ err: errorMessage(err), retryInMs: delay }, 'embedding failed; will retry');
        this.embedRetry = setTimeout(() => {
          this.embedRetry = null;
          this.kickEmbedding();
        }, delay);
        this.embedRetry.unref();
      },
    );
  }

  private mcpContext(): McpContext {
    return {
      engine: this.engine,
      status: () => this.status(),
      askAvailable: async () => (await this.engine.backendReports()).some((b) => b.name === 'llm' && b.state === 'ok'),
      reindex: async (root, paths) => {
        const repo = await this.engine.repos.getRepo(root);
        if (!repo) throw new ContextdError('not-registered', `${root} is not registered`);
        await this.scheduler.schedule(repo.id, paths ?? null, 'mcp reindex');
      },
      indexActivity: async (root) => {
        const repo = await this.engine.repoFor(root);
        const act = this.scheduler.activity().find((a) => a.repoId === repo.id);
        const p = act?.progress;
        return {
          running: !!act,
          pending: await this.engine.pendingWork(root),
          progress: p ? { phase: p.phase, done: p.done, total: p.total } : null,
          lastError: repo.lastError,
        };
      },
      cancelIndex: async (root, reason) => this.scheduler.cancel((await this.engine.repoFor(root)).id, reason),
      audit: (entry) => {
        this.audit.record(entry);
        this.metrics.mcpCall(entry.tool, entry.error !== null);
      },
      registeredRoots: async () => (await this.engine.repos.listRepos()).filter((r) => r.registered).map((r) => r.root),
      repoForPath: (path, registered) => this.repoForClientPath(path, registered),
      freshness: (root) => this.freshness(root),
    };
  }

  /** Work tree and common git dir per path (an MCP session asks on every call; a work tree does not move). */
  private readonly workTrees = new Map<string, Promise<{ top: string; commonDir: string } | null>>();

  private workTree(path: string): Promise<{ top: string; commonDir: string } | null> {
    let known = this.workTrees.get(path);
    if (!known) {
      known = workTreeOf(path);
      this.workTrees.set(path, known);
      // Forget a miss soon (the directory may become a repository); keep the map small.
      void known.then((w) => (w ? undefined : setTimeout(() => this.workTrees.delete(path), 10_000).unref()));
      if (this.workTrees.size > 500) this.workTrees.delete(this.workTrees.keys().next().value!);
    }
    return known;
  }

  /** Registrations in progress, so that concurrent calls from one agent register a worktree once. */
  private readonly autoRegistering = new Map<string, Promise<string>>();

  /**
   * The registered repository an MCP client working at `path` means, by git's own
   * answer (a worktree nested inside a registered repository's directory is not that
   * repository). A linked worktree of a registered repository is registered on the spot
   * when `mcp.autoRegisterWorktrees` allows (its content is shared with the repository,
   * so nothing is parsed or embedded twice) and given a few seconds for its first index.
   * Null when git puts the path in no registered repository's worktrees.
   */
  private async repoForClientPath(path: string, registered: string[]): Promise<string | null> {
    const wt = await this.workTree(path);
    if (!wt) return null;
    if (registered.includes(wt.top)) return wt.top;
    if (!this.config.mcp.autoRegisterWorktrees) return null;
    const siblings = await Promise.all(registered.map((root) => this.workTree(root)));
    if (!siblings.some((s) => s?.commonDir === wt.commonDir)) return null;
    let pending = this.autoRegistering.get(wt.top);
    if (!pending) {
      pending = (async () => {
        this.log.info({ worktree: wt.top }, 'registering a worktree of a registered repository (an agent works in it)');
        const { root, repoId } = await this.registerRepo(wt.top);
        await this.scheduler.idle(10_000, repoId);
        return root;
      })().finally(() => this.autoRegistering.delete(wt.top));
      this.autoRegistering.set(wt.top, pending);
    }
    return pending;
  }

  /** Freshness from what the daemon knows (queue, HEAD on disk): no git process per answer. */
  async freshness(root: string): Promise<Freshness> {
    const repo = await this.engine.repos.getRepo(root);
    if (!repo) throw new ContextdError('not-registered', `${root} is not registered`);
    const pending = (await this.engine.jobs.pendingJobs()).get(repo.id) ?? 0;
    const queued = pending ? await this.engine.jobs.takeJobs(repo.id, 200) : null;
    const running = this.scheduler.isBusy(repo.id);
    const fresh = await queuedFreshness(root, repo.indexedCommit, queued, pending + (running ? 1 : 0));
    // Counts are a few seconds old at most (counting live chunks is a join over the whole store).
    const e = await this.engine.embeddingProgress(5000).catch(() => null);
    return e && e.state !== 'off' && e.embedded < e.total ? { ...fresh, vectors: { embedded: e.embedded, total: e.total } } : fresh;
  }

  /**
   * `contextd search` when a daemon runs: answered here (warm caches, the search workers, the
   * vector graph in memory) instead of a new process opening the whole index.
   */
  private async searchRpc(p: unknown): Promise<DaemonSearchAnswer> {
    const { query, scope, cwd } = (p ?? {}) as { query?: unknown; scope?: unknown; cwd?: unknown };
    if (typeof query !== 'string' || !query.trim()) throw new ContextdError('bad-argument', 'search needs a query');
    const s = { ...((scope && typeof scope === 'object' ? scope : {}) as SearchScope) };
    let note: string | undefined;
    // No --repo: the repository around the caller's directory, else every indexed one (as the in-process command does).
    if (!s.repo && typeof cwd === 'string') {
      const around = await this.engine.repoFor(cwd).catch((err: unknown) => {
        if (err instanceof ContextdError && err.code === 'not-indexed')
          note = `${err.message}; searching every indexed repository${err.hint ? ` (${err.hint})` : ''}`;
        return null;
      });
      if (around) s.repo = cwd;
    }
    const hits = await this.engine.search(query, s);
    let fresh: Freshness | null = null;
    const repo = s.repo ? await this.engine.repoFor(s.repo).catch(() => null) : null;
    if (repo) fresh = await (repo.registered ? this.freshness(repo.root) : this.engine.freshness(repo.root)).catch(() => null);
    return { hits, freshness: fresh, ...(note ? { note } : {}), searchedAll: !s.repo };
  }

  private lspContext(): LspSocketContext {
    return {
      engine: this.engine,
      settings: this.config.lsp,
      registerRepo: (path) => this.registerRepo(path),
      status: () => this.status(),
      freshness: (root) => this.freshness(root),
      log: this.log,
    };
  }

  private async watch(repoId: number, root: string): Promise<void> {
    if (this.watchers.has(repoId)) return;
    const w = new RepoWatcher({
      root,
      ignoreDirs: [this.config.paths.dataDir],
      debounceMs: this.opts.debounceMs ?? 300,
      onPaths: (paths) => {
        this.metrics.eventQueued(root, Date.now());
        void this.scheduler
          .schedule(repoId, paths, 'file events', 'file')
          .catch((err) => (storeDown(err) ? this.deferred?.add(root, err) : this.log.error({ err: errorMessage(err) }, 'cannot queue file events')));
      },
      onHeadMoved: () => {
        this.metrics.eventQueued(root, Date.now());
        void this.scheduler
          .schedule(repoId, null, 'HEAD moved', 'ref')
          .catch((err) => (storeDown(err) ? this.deferred?.add(root, err) : this.log.error({ err: errorMessage(err) }, 'cannot queue reconcile')));
      },
      onError: (err) => this.log.warn({ repo: root, err: err.message }, 'file watcher error'),
    });
    try {
      await w.start();
      this.watchers.set(repoId, w);
    } catch (err) {
      this.log.warn({ repo: root, err: errorMessage(err) }, 'cannot watch repository; relying on hooks and periodic reconcile');
    }
  }

  private hookCommand() {
    return { node: process.execPath, notifyScript: join(PACKAGE_ROOT, 'hooks', 'notify.mjs'), socketPath: this.controlPath };
  }

  /** Repos whose hook conflicts were already logged (once per run, not every reconcile). */
  private readonly hookConflictsLogged = new Set<string>();

  /**
   * Puts back hooks that went missing or stale since `add`: a hook manager rewrote them
   * (husky does on every `npm install`), node moved, the socket path changed. Idempotent:
   * nothing is written when they are in place. Hooks are a fast path only (the watcher and
   * the periodic reconcile catch up without them), so failures are logged, never thrown.
   */
  private async repairHooks(root: string): Promise<void> {
    if (!(this.opts.installHooks ?? true)) return;
    try {
      const report = await installHooks(root, this.hookCommand());
      const repaired = report.hooks.filter((h) => h.action !== 'unchanged' && h.action !== 'conflict').map((h) => `${h.hook} (${h.action})`);
      if (repaired.length) this.log.info({ repo: root, hooks: repaired }, 'git hooks repaired');
      const conflicts = report.hooks.filter((h) => h.action === 'conflict');
      if (conflicts.length && !this.hookConflictsLogged.has(root)) {
        this.hookConflictsLogged.add(root);
        this.log.warn(
          { repo: root, hooks: conflicts.map((h) => h.path) },
          `another tool replaced contextd's git hooks with different scripts; left as they are (the watcher and the periodic reconcile keep the index fresh). ` +
            `Compare each hook with its ${CHAINED_SUFFIX} copy, delete the one you no longer want, then run: contextd add ${JSON.stringify(root)}`,
        );
      }
    } catch (err) {
      this.log.warn({ repo: root, err: errorMessage(err) }, 'cannot check git hooks');
    }
  }

  private async registerRepo(path: string): Promise<{ root: string; repoId: number; hooks: unknown }> {
    const root = await findRepoRoot(resolve(path));
    const repo = await this.engine.repos.ensureRepo(root, root.split('/').pop() || root);
    await this.engine.repos.updateRepo(repo.id, { registered: true });
    let hooks: unknown = null;
    if (this.opts.installHooks ?? true) {
      hooks = await installHooks(root, this.hookCommand());
    }
    await this.watch(repo.id, root);
    await this.scheduler.schedule(repo.id, null, 'added');
    this.log.info({ repo: root }, 'repository registered');
    return { root, repoId: repo.id, hooks };
  }

  private async unregisterRepo(path: string): Promise<{ root: string }> {
    const root = await findRepoRoot(resolve(path)).catch(() => resolve(path));
    const repo = await this.engine.repos.getRepo(root);
    if (!repo) throw new ContextdError('not-registered', `${root} is not registered`, { hint: 'see `contextd list`' });
    await this.watchers.get(repo.id)?.stop();
    this.watchers.delete(repo.id);
    if (this.opts.installHooks ?? true) await uninstallHooks(root).catch((err) => this.log.warn({ err: errorMessage(err) }, 'cannot remove hooks'));
    await this.engine.repos.removeRepo(repo.id);
    this.log.info({ repo: root }, 'repository removed');
    return { root };
  }

  private handlers(): Record<string, RpcHandler> {
    return {
      ping: () => ({ pong: true, pid: process.pid, version: VERSION }),
      status: () => this.status(),
      'repo.add': async (p) => {
        const { root, hooks } = await this.registerRepo(str(p, 'path')!);
        return { root, hooks };
      },
      'repo.remove': (p) => this.unregisterRepo(str(p, 'path')!),
      'repo.list': async () => (await this.status()).repos,
      search: (p) => this.searchRpc(p),
      notify: async (p) => {
        const worktree = str(p, 'worktree')!;
        const event = str(p, 'event')!;
        try {
          const repo = await this.engine.repos.getRepo(resolve(worktree));
          if (!repo || !repo.registered) return { queued: false, reason: 'repository not registered' };
          this.metrics.eventQueued(repo.root, Date.now());
          await this.scheduler.schedule(repo.id, null, event, 'hook');
        } catch (err) {
          if (!storeDown(err)) throw err;
          this.deferred?.add(resolve(worktree), err);
          return { queued: true, deferred: true };
        }
        return { queued: true };
      },
      reindex: async (p) => {
        const path = str(p, 'path')!;
        const root = await findRepoRoot(resolve(path));
        const repo = await this.engine.repos.getRepo(root);
        if (!repo) throw new ContextdError('not-registered', `${root} is not registered`, { hint: `run: contextd add ${JSON.stringify(root)}` });
        await this.scheduler.schedule(repo.id, null, 'reindex');
        return { queued: true, root };
      },
      // `contextd locate` through the daemon: its corpus stays warm between calls (a one-shot CLI rebuilds it).
      locate: (p) => {
        const o = (p ?? {}) as { limit?: unknown; retrain?: unknown };
        const limit = typeof o.limit === 'number' && Number.isInteger(o.limit) && o.limit > 0 ? Math.min(o.limit, 200) : undefined;
        return this.engine.locate(str(p, 'description')!, { repo: str(p, 'repo')!, limit, retrain: o.retrain === true });
      },
      wait: async (p) => {
        const timeout =
          p && typeof p === 'object' && typeof (p as { timeoutMs?: unknown }).timeoutMs === 'number' ? (p as { timeoutMs: number }).timeoutMs : 60_000;
        return { idle: await this.scheduler.idle(Math.min(timeout, 600_000)) };
      },
      stop: () => {
        setImmediate(() => void this.stop());
        return { stopping: true };
      },
      metrics: async (p) => {
        const json = !!p && typeof p === 'object' && (p as { format?: unknown }).format === 'json';
        const text = await this.metrics.text();
        return json
          ? { contentType: this.metrics.contentType, text, families: await this.metrics.registry.getMetricsAsJSON() }
          : { contentType: this.metrics.contentType, text };
      },
      'http.start': async (p) => {
        const port = p && typeof p === 'object' ? (p as { port?: unknown }).port : undefined;
        if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535))
          throw new RpcError(RPC_INVALID_PARAMS, 'parameter port must be an integer from 0 to 65535');
        const endpoint = await this.ensureMonitor(port as number | undefined);
        return { url: endpoint.url, dashboardUrl: endpoint.dashboardUrl, port: endpoint.port };
      },
      'searches.flush': async () => {
        await this.engine.searches.flush();
        return { flushed: true };
      },
      // One-shot CLI searches (in their own process) hand over their metrics events and history entries.
      'searches.observed': (p) => {
        const o = (p && typeof p === 'object' ? p : {}) as { events?: unknown; entries?: unknown };
        const events = Array.isArray(o.events) ? o.events.slice(0, 1000).map(parseObservedSearch) : [];
        const entries = Array.isArray(o.entries) ? o.entries.slice(0, 1000).map(parseLogEntry) : [];
        for (const ev of events) {
          this.metrics.searchStarted();
          this.metrics.searchEnded(ev);
        }
        this.engine.searches.add(entries);
        return { recorded: events.length, entries: entries.length };
      },
    };
  }

  /**
   * The monitoring endpoint when it runs; else started on `[http] listen`, or on
   * 127.0.0.1:`port` (default 7420, any free port when that one is taken).
   */
  private async ensureMonitor(port?: number): Promise<HttpEndpoint> {
    if (this.monitor) return this.monitor;
    if (this.monitorStarting) return this.monitorStarting;
    const listen = this.config.http.listen ?? { host: '127.0.0.1', port: port ?? DEFAULT_HTTP_PORT };
    this.monitorStarting = this.startMonitor(listen)
      .catch((err) => {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port !== undefined || this.config.http.listen) throw err;
        return this.startMonitor({ ...listen, port: 0 });
      })
      .finally(() => (this.monitorStarting = null));
    return this.monitorStarting;
  }

  private async startMonitor(listen: { host: string; port: number }): Promise<HttpEndpoint> {
    this.series ??= new DashboardSeries(this.metrics, () => this.engine.cache.stats(), this.config.http.sampleMs);
    const series = this.series;
    try {
      this.monitor = await startHttpEndpoint(
        {
          metrics: this.metrics,
          status: () => this.status(),
          dashboard: async () => series.data((await this.metrics.refresh()) ?? (await this.status()), await this.engine.searches.list({ limit: 50 })),
          token: loadOrCreateToken(this.config.paths.dataDir),
          log: this.log,
        },
        listen,
      );
    } catch (err) {
      this.monitorError = errorMessage(err);
      throw err;
    }
    this.monitorError = null;
    series.start();
    this.log.info({ url: this.monitor.url }, 'HTTP endpoint listening (/metrics, /health, /dashboard)');
    return this.monitor;
  }

  /** Logs a store problem once when it appears (and once when it clears). */
  private reportStore(h: { healthy: boolean; error?: string; hint?: string }): void {
    const problem = h.healthy ? null : (h.error ?? 'not answering');
    if (problem === this.lastStoreProblem) return;
    if (problem) this.log.error({ problem, hint: h.hint }, 'index store problem');
    else this.log.info('index store answers again');
    this.lastStoreProblem = problem;
  }

  async status(): Promise<DaemonStatus> {
    // A store that does not answer (a database server that went away) makes the status unhealthy, not unavailable.
    let store = await this.engine.storeHealth();
    let repos: Awaited<ReturnType<MetadataStore['listRepos']>> = [];
    let pending = new Map<number, number>();
    if (store.healthy) {
      try {
        repos = await this.engine.repos.listRepos();
        pending = await this.engine.jobs.pendingJobs();
      } catch (err) {
        store = { ...store, healthy: false, error: errorMessage(err), hint: (err as ContextdError).hint };
      }
    }
    const noStats = { files: 0, chunks: 0, symbols: 0 };
    const activity = new Map(this.scheduler.activity().map((a) => [a.repoId, a]));
    const repoStatus = await Promise.all(
      repos.map(async (r): Promise<RepoStatus> => {
        const [stats, head, history, locate] = await Promise.all([
          this.engine.repos.stats(r.id).catch(() => noStats),
          headCommit(r.root).catch(() => undefined),
          this.engine.repos.historyStats(r.id).catch(() => null),
          this.engine.locateStatus(r.id).catch(() => null),
        ]);
        const act = activity.get(r.id);
        const jobs = pending.get(r.id) ?? 0;
        const state: RepoStatus['state'] = head === undefined ? 'missing' : act ? 'indexing' : jobs ? 'queued' : r.lastError ? 'error' : 'idle';
        return {
          root: r.root,
          name: r.name,
          registered: r.registered,
          state,
          indexedCommit: r.indexedCommit,
          head: head ?? null,
          upToDate: head !== undefined && r.indexedCommit === head && !jobs && !act,
          files: stats.files,
          chunks: stats.chunks,
          symbols: stats.symbols,
          lastIndexedAt: r.indexedAt,
          pendingJobs: jobs,
          progress: act?.progress ? { phase: act.progress.phase, done: act.progress.done, total: act.progress.total } : null,
          lastError: r.lastError,
          history: history ? { commits: history.commits, shallow: history.shallow, pendingFiles: history.pending } : null,
          locate,
        };
      }),
    );
    const { paths } = this.config;
    const embedding = await this.engine.embeddingProgress(5000).catch((err): EmbeddingProgress => ({
      provider: this.config.embed.provider,
      model: null,
      servingModel: null,
      state: 'error',
      embedded: 0,
      total: 0,
      rate: 0,
      lastError: errorMessage(err),
    }));
    const searchWorkers = this.engine.searchWorkers();
    const semanticOk = embedding.state !== 'error' && !embedding.stalled;
    // Cache and vector index: a configured one that is down degrades the daemon (it keeps answering).
    // The `ask` model is shown but does not: it serves no query the daemon answers on its own.
    const services = await this.engine.backendReports().catch(() => []);
    const servicesOk = !services.some((b) => b.configured && b.state === 'down' && b.name !== 'llm');
    const stalled: DaemonStatus['stalled'] = embedding.stalled ? [{ backend: 'semantic', ...embedding.stalled }] : [];
    const deferred = this.deferred?.stall();
    if (deferred) stalled.push({ backend: 'store', what: 'queueing hook and file events (a reconcile is queued when it answers)', ...deferred });
    return {
      running: true,
      healthy: semanticOk && store.healthy && servicesOk,
      pid: process.pid,
      version: VERSION,
      startedAt: this.startedAt,
      uptimeMs: Date.now() - this.startedAt,
      node: process.version,
      paths: {
        socketDir: paths.socketDir,
        controlSocket: this.controlPath,
        mcpSocket: this.mcpPath,
        lspSocket: this.lspPath,
        mcpHttp: this.http ? this.http.url : this.httpError ? `not listening: ${this.httpError}` : null,
        http: this.monitor ? this.monitor.url : this.monitorError ? `not listening: ${this.monitorError}` : null,
        httpTokenFile: this.http || this.monitor ? join(paths.dataDir, HTTP_TOKEN_FILE) : null,
        dataDir: paths.dataDir,
        database: this.engine.storeInfo.location,
        log: logFilePath(paths.dataDir),
        configFile: this.config.configFile,
      },
      backends: [
        {
          name: 'store',
          kind: this.engine.storeInfo.backend,
          healthy: store.healthy,
          detail: store.healthy
            ? `${store.location} (${store.version}, ${store.latencyMs} ms)`
            : `${store.location}: ${store.error ?? 'not answering'}${store.hint ? ` (${store.hint})` : ''}`,
        },
        { name: 'parser', kind: 'tree-sitter', healthy: true, detail: `${this.config.index.workers} worker(s)` },
        ...(searchWorkers
          ? [
              {
                // Never unhealthy: with no worker ready, searches run on the main thread.
                name: 'search',
                kind: 'worker threads',
                healthy: true,
                detail: `${searchWorkers.ready}/${searchWorkers.size} worker(s) ready, ${searchWorkers.served} searches answered${searchWorkers.ready ? '' : ' (meanwhile on the main thread)'}`,
              },
            ]
          : []),
        { name: 'watcher', kind: '@parcel/watcher', healthy: true, detail: `${this.watchers.size} repositor${this.watchers.size === 1 ? 'y' : 'ies'} watched` },
        {
          name: 'semantic',
          kind: embedding.provider,
          healthy: semanticOk,
          detail:
            embedding.state === 'off'
              ? 'off (lexical, symbol and history search only)'
              : // Vectors are per distinct chunk text: a repository's chunk count (`list`) also counts copies that share one.
                `${embedding.state}; ${embedding.embedded}/${embedding.total} distinct chunks embedded${embedding.rate ? ` at ${Math.round(embedding.rate)}/s` : ''}${embedding.lastError ? `; last error: ${embedding.lastError}` : ''}`,
        },
        ...services.map(backendHealth),
      ],
      embedding,
      stalled,
      audit: this.audit.summary(),
      queue: { pending: [...pending.values()].reduce((a, b) => a + b, 0), running: activity.size },
      totals: { ...this.scheduler.totals },
      repos: repoStatus,
    };
  }

  /** Finish the current file transactions, keep queued work for next time, close sockets. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.log?.info('contextd daemon stopping');
      this.stopMaintenance?.();
      this.series?.stop();
      if (this.storeWatch) clearInterval(this.storeWatch);
      this.deferred?.stop();
      if (this.embedRetry) clearTimeout(this.embedRetry);
      const closing = Promise.all([
        ...[this.control, this.mcp, this.lsp].map((srv) => (srv ? new Promise<void>((r) => srv.close(() => r())) : Promise.resolve())),
        this.http?.close().catch(() => undefined),
        this.monitor?.close().catch(() => undefined),
      ]);
      const winddown = (async () => {
        await Promise.allSettled([...this.watchers.values()].map((w) => w.stop()));
        this.watchers.clear();
        await this.scheduler?.stop();
        await this.engine?.close();
        await Promise.race([closing, new Promise((r) => setTimeout(r, 500))]);
      })();
      // A stop ends within a few seconds whatever hangs: every write is transactional and
      // queued work is persistent, so leaving now is as safe as a crash and loses nothing.
      const deadline = Number(process.env.CONTEXTD_STOP_DEADLINE_MS) || STOP_DEADLINE_MS;
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([winddown.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), deadline)))]);
      clearTimeout(timer);
      if (late) this.log?.warn({ deadlineMs: deadline }, 'stop deadline passed; leaving the rest to the next start');
      this.log?.info('contextd daemon stopped');
      await this.audit?.close();
      await this.tracer.shutdown?.().catch(() => undefined);
      this.logger?.flush();
      this.lock?.release();
      this.resolveStopped();
    })();
    return this.stopping;
  }
}

/** Where `contextd dashboard` starts the HTTP endpoint when `[http] listen` is not set. */
const DEFAULT_HTTP_PORT = 7420;

const FRONT_ENDS = ['cli', 'mcp', 'lsp', 'other'] as const;
const OUTCOMES = ['hits', 'empty', 'error'] as const;
const MODES = ['hybrid', 'lexical', 'semantic', 'symbol'] as const;

/** A forwarded search observation; only known label values pass (labels stay bounded). */
function parseObservedSearch(p: unknown): SearchEvent {
  const o = (p && typeof p === 'object' ? p : {}) as Record<string, unknown>;
  const pick = <T extends string>(v: unknown, allowed: readonly T[], key: string): T => {
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    throw new RpcError(RPC_INVALID_PARAMS, `parameter ${key} must be one of ${allowed.join(', ')}`);
  };
  const seconds = o.seconds;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) throw new RpcError(RPC_INVALID_PARAMS, 'parameter seconds must be a number ≥ 0');
  return {
    frontEnd: pick(o.frontEnd, FRONT_ENDS, 'frontEnd'),
    mode: pick(o.mode, MODES, 'mode'),
    outcome: pick(o.outcome, OUTCOMES, 'outcome'),
    seconds,
    hits: typeof o.hits === 'number' ? o.hits : 0,
    cached: o.cached === true,
  };
}

/** A forwarded history entry, checked field by field (it is written to the store as given). */
function parseLogEntry(p: unknown): SearchLogEntry {
  const o = (p && typeof p === 'object' ? p : {}) as Record<string, unknown>;
  const text = (k: string, max: number, nullable = false): string | null => {
    const v = o[k];
    if (nullable && v === null) return null;
    if (typeof v !== 'string' || v.length > max) throw new RpcError(RPC_INVALID_PARAMS, `entry.${k} must be a string of at most ${max} characters`);
    return v;
  };
  const num = (k: string, nullable = false): number | null => {
    const v = o[k];
    if (nullable && v === null) return null;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RpcError(RPC_INVALID_PARAMS, `entry.${k} must be a number ≥ 0`);
    return v;
  };
  const ev = parseObservedSearch({ ...o, seconds: 0 });
  const id = o.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new RpcError(RPC_INVALID_PARAMS, 'entry.id must be a non-negative integer');
  return {
    id,
    at: num('at')!,
    frontEnd: ev.frontEnd,
    repo: text('repo', 4096, true),
    mode: ev.mode,
    query: text('query', 10_000)!,
    hits: num('hits')!,
    latencyMs: num('latencyMs')!,
    outcome: ev.outcome,
    openedPath: text('openedPath', 4096, true),
    openedRank: num('openedRank', true),
  };
}

/** How often the daemon checks its store's file and health. */
const STORE_WATCH_MS = 2000;

/** How long a stop may take before the daemon leaves anyway. */
const STOP_DEADLINE_MS = 5000;

/** The store is unreachable right now (as opposed to refusing the request). */
function storeDown(err: unknown): boolean {
  return err instanceof ContextdError && err.code === 'store-unavailable';
}
