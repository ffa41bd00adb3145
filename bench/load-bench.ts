/**
 * Issue 20's load-and-fault suite (a benchmark, not timed tests): a real daemon, real
 * clients, real git, real crashes. Sections (each recorded even when another fails):
 *   clients   50 concurrent MCP clients (search_code) and 50 concurrent LSP clients
 *             (workspace/symbol) for a bounded time: p50/p95/errors;
 *   leak      10,000 distinct searches, the daemon's RSS before and after;
 *   crash     kill -9 of the daemon at random points of a full index, ten times, each
 *             followed by a restart; then counts equal a clean index and nothing is duplicated;
 *   hooks     a hook storm (50 checkouts, then a rebase of 20 commits): queue and RSS
 *             bounded, the index equal to HEAD afterwards;
 *   disk      a full disk (a small tmpfs as data dir, root only): a clear error, the old
 *             index searchable, recovery once space is back.
 * Run: npm run build && nice -n 10 npm run bench:load [-- --only clients,leak] [--seconds 20] [--modules java.base]
 * Writes bench/results/load.json.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { callDaemon } from '../daemon/server/rpc-client.js';
import type { DaemonSearchAnswer, DaemonStatus } from '../daemon/types.js';
import { UnixSocketClientTransport } from '../tests/helpers/mcp-socket-transport.js';
import { dialLsp } from '../tests/helpers/lsp-client.js';
import { git, jdkRepo } from './corpus.js';
import { round, summarize } from './stats.js';

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
if (args.includes('--help')) {
  console.log('usage: npm run bench:load -- [--only clients,leak,crash,hooks,disk] [--seconds N] [--searches N] [--modules java.base]');
  process.exit(0);
}
const only = new Set((opt('--only') ?? 'clients,leak,crash,hooks,disk').split(','));
const seconds = Number(opt('--seconds') ?? 20);
const searches = Number(opt('--searches') ?? 10_000);
const modules = (opt('--modules') ?? 'java.base').split(',');
const SMALL = ['java.logging', 'java.sql', 'java.net.http', 'java.naming'];
const CLI = join(process.cwd(), 'dist/daemon/cli/main.js');
const root = mkdtempSync(join(tmpdir(), 'contextd-load-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.error(`[load ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** One daemon on its own data dir and socket dir. */
class TestDaemon {
  child: ChildProcess | null = null;
  readonly env: NodeJS.ProcessEnv;
  readonly sockDir: string;
  constructor(
    readonly home: string,
    dataDir = join(home, 'data'),
  ) {
    this.sockDir = join(home, 'run');
    mkdirSync(this.sockDir, { recursive: true, mode: 0o700 });
    this.env = {
      ...process.env,
      HOME: home,
      CONTEXTD_DATA_DIR: dataDir,
      CONTEXTD_CONFIG_DIR: join(home, 'config'),
      CONTEXTD_SOCKET_DIR: this.sockDir,
      CONTEXTD_LOG_LEVEL: 'warn',
      GIT_CONFIG_GLOBAL: '/dev/null',
    };
  }
  get dataDir(): string {
    return this.env.CONTEXTD_DATA_DIR!;
  }
  async start(): Promise<void> {
    this.child = spawn(process.execPath, [CLI, 'daemon', '--quiet'], { env: this.env, stdio: 'ignore' });
    for (let i = 0; ; i++) {
      try {
        await this.call('ping', {}, 500);
        return;
      } catch {
        if (i > 600 || this.child.exitCode !== null) throw new Error('daemon did not start');
        await sleep(50);
      }
    }
  }
  call<T>(method: string, params: unknown = {}, timeoutMs = 600_000): Promise<T> {
    return callDaemon<T>(join(this.sockDir, 'control.sock'), method, params, timeoutMs);
  }
  /** CPU seconds the daemon used so far (all its threads). */
  cpuS(): number {
    const f = readFileSync(`/proc/${this.child!.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  }
  rssMiB(): number {
    return round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${this.child!.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024, 1);
  }
  kill9(): Promise<void> {
    const c = this.child!;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    return exited;
  }
  async stop(): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child!.once('exit', () => r()));
    await this.call('stop').catch(() => {});
    await exited;
  }
  /** Index queue empty, embeddings settled, the vector graph loaded (a semantic search answers). */
  async settled(repo: string): Promise<void> {
    await this.call('wait', { timeoutMs: 600_000 });
    for (;;) {
      const s = await this.call<DaemonStatus>('status');
      if (s.queue.pending === 0 && s.queue.running === 0 && s.embedding.state !== 'embedding' && s.embedding.embedded >= s.embedding.total) {
        const probe = await this.call<DaemonSearchAnswer>('search', { query: 'read bytes from a stream', scope: { repo, mode: 'semantic', limit: 3 } });
        if (probe.hits.length) return;
      }
      await sleep(250);
    }
  }
}

/** Word pairs from the corpus's symbol names: distinct queries, so the query cache does not answer them. */
function queryWords(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'index.db'), { readonly: true });
  const rows = db.prepare("SELECT DISTINCT name FROM symbols WHERE kind IN ('method','class') AND length(name) BETWEEN 5 AND 30 ORDER BY name").all() as {
    name: string;
  }[];
  db.close();
  return rows.map((r) => r.name);
}
const distinct = (words: string[]) => {
  let n = 0;
  return () => {
    const i = n++;
    return i % 3 === 0 ? words[(i * 7919) % words.length] : `${words[(i * 7919) % words.length]} ${words[(i * 104729 + 13) % words.length]}`;
  };
};

/** What an index holds, per repository view: counts, and duplicates (which must be 0). */
function viewFacts(dataDir: string, repoRoot: string) {
  const db = new Database(join(dataDir, 'index.db'), { readonly: true });
  const one = (sql: string, ...p: unknown[]) => Object.values(db.prepare(sql).get(...p) as Record<string, number>)[0];
  const id = one('SELECT id FROM repos WHERE root = ?', repoRoot);
  const facts = {
    files: one('SELECT COUNT(*) FROM files WHERE repo_id = ?', id),
    indexedFiles: one("SELECT COUNT(*) FROM files WHERE repo_id = ? AND status = 'indexed'", id),
    chunks: one('SELECT COUNT(*) FROM files f JOIN parse_chunks pc ON pc.parse_id = f.parse_id WHERE f.repo_id = ?', id),
    symbols: one('SELECT COUNT(*) FROM files f JOIN symbols s ON s.parse_id = f.parse_id WHERE f.repo_id = ?', id),
    keys: (db.prepare('SELECT path, content_key FROM files WHERE repo_id = ? ORDER BY path').all(id) as { path: string; content_key: string }[])
      .map((r) => `${r.path}\0${r.content_key}`)
      .join('\n'),
    duplicates: {
      parses: one('SELECT COUNT(*) - COUNT(DISTINCT parse_key) FROM parses'),
      chunkOrds: one('SELECT COUNT(*) - (SELECT COUNT(*) FROM (SELECT DISTINCT parse_id, ord FROM parse_chunks)) FROM parse_chunks'),
      chunkTexts: one('SELECT COUNT(*) - COUNT(DISTINCT hash) FROM chunks'),
      symbols: one(
        'SELECT COUNT(*) - (SELECT COUNT(*) FROM (SELECT DISTINCT parse_id, name, kind, start_line, name_line, name_col FROM symbols)) FROM symbols',
      ),
      lexicalRows: one('SELECT (SELECT COUNT(*) FROM chunk_fts_docsize) - (SELECT COUNT(*) FROM parse_chunks)'),
      vectors: one('SELECT COUNT(*) - (SELECT COUNT(*) FROM (SELECT DISTINCT model_id, chunk_hash FROM chunk_vectors)) FROM chunk_vectors'),
    },
  };
  db.close();
  return facts;
}

const results: Record<string, unknown> = {
  date: new Date().toISOString(),
  machine: `${process.platform} ${process.arch}, node ${process.version}; load average at start ${loadavg()[0].toFixed(1)}`,
};
const resultsFile = join(process.cwd(), 'bench/results/load.json');
/** Sections run now replace theirs; the others' last results are kept (`--only` runs a few). */
const save = () => {
  mkdirSync(join(process.cwd(), 'bench/results'), { recursive: true });
  let before: Record<string, unknown> = {};
  try {
    before = JSON.parse(readFileSync(resultsFile, 'utf8')) as Record<string, unknown>;
  } catch {
    // first run
  }
  writeFileSync(resultsFile, JSON.stringify({ ...before, ...results }, null, 2) + '\n');
};
async function section(name: string, fn: () => Promise<unknown>): Promise<void> {
  if (!only.has(name)) return;
  log(`${name}: start (load ${loadavg()[0].toFixed(1)})`);
  const t0 = performance.now();
  try {
    results[name] = {
      ...((await fn()) as object),
      at: new Date().toISOString(),
      seconds: round((performance.now() - t0) / 1000, 1),
      loadAverage: round(loadavg()[0], 1),
    };
  } catch (err) {
    results[name] = { failed: (err as Error).stack ?? String(err) };
  }
  log(`${name}: ${JSON.stringify(results[name]).slice(0, 400)}`);
  save();
}

// ---- clients + leak: one daemon on the search corpus ----
let searchDaemon: TestDaemon | null = null;
let searchRepo = '';
async function searchSetup(): Promise<TestDaemon> {
  if (searchDaemon) return searchDaemon;
  searchRepo = join(root, 'search-repo');
  cpSync(jdkRepo(modules), searchRepo, { recursive: true });
  const d = new TestDaemon(join(root, 'search'));
  await d.start();
  await d.call('repo.add', { path: searchRepo });
  await d.settled(searchRepo);
  searchDaemon = d;
  return d;
}

await section('clients', async () => {
  const d = await searchSetup();
  const next = distinct(queryWords(d.dataDir));
  const until = performance.now() + seconds * 1000;
  const run = async (n: number, connect: () => Promise<{ ask: (q: string) => Promise<boolean>; close: () => Promise<void> }>) => {
    const ms: number[] = [];
    let errors = 0;
    const sessions = await Promise.all(Array.from({ length: n }, connect));
    const cpu0 = d.cpuS();
    await Promise.all(
      sessions.map(async (s) => {
        while (performance.now() < until) {
          const t0 = performance.now();
          const ok = await s.ask(next()).catch(() => false);
          ms.push(performance.now() - t0);
          if (!ok) errors++;
        }
      }),
    );
    const cpu = d.cpuS() - cpu0;
    await Promise.all(sessions.map((s) => s.close()));
    // CPU per request does not depend on the machine's load: with 2 free cores, p50 is about clients x this / 2.
    return { clients: n, requests: ms.length, errors, latencyMs: summarize(ms), daemonCpuMsPerRequest: round((cpu * 1000) / Math.max(1, ms.length), 1) };
  };
  const mcp = await run(50, async () => {
    const c = new Client({ name: 'load', version: '1' });
    await c.connect(new UnixSocketClientTransport(join(d.sockDir, 'mcp.sock')));
    return {
      ask: async (q) => {
        const r = await c.callTool({ name: 'search_code', arguments: { query: q, repo: searchRepo, limit: 10 } });
        return !r.isError;
      },
      close: () => c.close(),
    };
  });
  const lspUntil = performance.now() + seconds * 1000;
  const lspMs: number[] = [];
  let lspErrors = 0;
  const lsps = await Promise.all(
    Array.from({ length: 50 }, async () => {
      const c = await dialLsp(join(d.sockDir, 'lsp.sock'));
      await c.initialize([searchRepo]);
      return c;
    }),
  );
  const lspCpu0 = d.cpuS();
  await Promise.all(
    lsps.map(async (c) => {
      while (performance.now() < lspUntil) {
        const q = next()
          .split(' ')[0]
          .slice(0, 2 + Math.floor(Math.random() * 6));
        const t0 = performance.now();
        try {
          const r = await c.conn.sendRequest<unknown[]>('workspace/symbol', { query: q });
          if (!Array.isArray(r)) lspErrors++;
        } catch {
          lspErrors++;
        }
        lspMs.push(performance.now() - t0);
      }
    }),
  );
  const lspCpu = d.cpuS() - lspCpu0;
  await Promise.all(lsps.map((c) => c.close()));
  return {
    repo: modules.join(','),
    mcp,
    lsp: {
      clients: 50,
      requests: lspMs.length,
      errors: lspErrors,
      latencyMs: summarize(lspMs),
      daemonCpuMsPerRequest: round((lspCpu * 1000) / Math.max(1, lspMs.length), 1),
    },
    daemonRssMiB: d.rssMiB(),
  };
});

await section('leak', async () => {
  const d = await searchSetup();
  const next = distinct(queryWords(d.dataDir).reverse());
  const burst = async (n: number) => {
    let errors = 0;
    let i = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (i++ < n) await d.call('search', { query: next(), scope: { repo: searchRepo, limit: 10 } }).catch(() => errors++);
      }),
    );
    return errors;
  };
  // Warm: caches fill to their bounds before "before" is read.
  await burst(1000);
  const before = d.rssMiB();
  const t0 = performance.now();
  const cpu0 = d.cpuS();
  const errors = await burst(searches);
  const cpuMsPerSearch = round(((d.cpuS() - cpu0) * 1000) / searches, 1);
  const after = d.rssMiB();
  return {
    repo: modules.join(','),
    searches,
    errors,
    perSecond: round(searches / ((performance.now() - t0) / 1000), 1),
    daemonCpuMsPerSearch: cpuMsPerSearch,
    rssMiB: { before, after, growthPercent: round(((after - before) / before) * 100, 1) },
  };
});
await searchDaemon?.stop();

// ---- crash: kill -9 during full indexes, ten times, then equal to a clean index ----
await section('crash', async () => {
  const repo = join(root, 'crash-repo');
  cpSync(jdkRepo(modules), repo, { recursive: true });
  const clean = new TestDaemon(join(root, 'crash-clean'));
  execFileSync(process.execPath, [CLI, 'index', repo, '--json', '--no-progress'], { env: clean.env, stdio: ['ignore', 'ignore', 'inherit'] });
  const want = viewFacts(clean.dataDir, repo);
  const d = new TestDaemon(join(root, 'crash'));
  const kills: { afterMs: number; state: string; phase: string | null; files: number }[] = [];
  for (let i = 0; i < 10; i++) {
    await d.start();
    if (i === 0) await d.call('repo.add', { path: repo }, 60_000).catch(() => {});
    // At a random point of the run the restart resumes (its jobs survive in the store).
    const afterMs = 300 + Math.floor(Math.random() * 4000);
    await sleep(afterMs);
    const s = await d.call<DaemonStatus>('status', {}, 5000).catch(() => null);
    const r = s?.repos.find((x) => x.root === repo);
    kills.push({ afterMs, state: r?.state ?? 'unknown', phase: r?.progress?.phase ?? s?.embedding.state ?? null, files: r?.files ?? 0 });
    await d.kill9();
  }
  await d.start();
  await d.settled(repo);
  await d.stop();
  const got = viewFacts(d.dataDir, repo);
  const dupes = Object.values(got.duplicates).reduce((a, b) => a + Math.abs(b), 0);
  return {
    repo: modules.join(','),
    kills,
    clean: { files: want.files, chunks: want.chunks, symbols: want.symbols },
    afterKills: { files: got.files, chunks: got.chunks, symbols: got.symbols },
    duplicates: got.duplicates,
    equal: got.files === want.files && got.chunks === want.chunks && got.symbols === want.symbols && got.keys === want.keys && dupes === 0,
  };
});

// ---- hooks: 50 checkouts and a rebase of 20 commits, queue and RSS bounded, index = HEAD ----
await section('hooks', async () => {
  const repo = join(root, 'hooks-repo');
  cpSync(jdkRepo(SMALL), repo, { recursive: true });
  const files = git(repo, ['ls-files', '*.java']).split('\n').filter(Boolean);
  git(repo, ['checkout', '-q', '-b', 'feature']);
  for (let i = 0; i < 20; i++) {
    const f = join(repo, files[(i * 37) % files.length]);
    writeFileSync(f, readFileSync(f, 'utf8') + `\n// feature change ${i}\n`);
    git(repo, ['commit', '-q', '-am', `feature change ${i}`]);
  }
  git(repo, ['checkout', '-q', 'main']);
  const d = new TestDaemon(join(root, 'hooks'));
  await d.start();
  await d.call('repo.add', { path: repo });
  await d.settled(repo);
  const rssStart = d.rssMiB();
  let maxPending = 0;
  let maxRss = rssStart;
  const sampler = setInterval(() => {
    void d
      .call<DaemonStatus>('status', {}, 5000)
      .then((s) => (maxPending = Math.max(maxPending, s.queue.pending)))
      .catch(() => {});
    maxRss = Math.max(maxRss, d.rssMiB());
  }, 100);
  const gitEnv = { ...process.env, ...d.env };
  const g = (argv: string[]) => execFileSync('git', argv, { cwd: repo, env: gitEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  for (let i = 0; i < 50; i++) g(['checkout', '-q', i % 2 === 0 ? 'feature' : 'main']);
  // main moves on, then the 20 feature commits are rebased onto it (post-rewrite, post-checkout).
  g(['checkout', '-q', 'main']);
  writeFileSync(join(repo, 'NOTES.txt'), 'main moved on\n');
  g(['add', 'NOTES.txt']);
  g(['-c', 'user.name=b', '-c', 'user.email=b@x', 'commit', '-q', '-m', 'main moves on']);
  g(['checkout', '-q', 'feature']);
  g(['-c', 'user.name=b', '-c', 'user.email=b@x', 'rebase', '-q', 'main']);
  await d.settled(repo);
  clearInterval(sampler);
  // The view equals HEAD: every tracked file's blob, nothing else.
  const head = new Map(
    git(repo, ['ls-files', '-s'])
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [meta, path] = l.split('\t');
        return [path, meta.split(' ')[1]] as const;
      }),
  );
  const db = new Database(join(d.dataDir, 'index.db'), { readonly: true });
  const view = db.prepare('SELECT f.path, f.blob FROM files f JOIN repos r ON r.id = f.repo_id WHERE r.root = ?').all(repo) as { path: string; blob: string }[];
  const indexedCommit = (db.prepare('SELECT indexed_commit AS c FROM repos WHERE root = ?').get(repo) as { c: string }).c;
  db.close();
  const mismatched = view.filter((v) => head.get(v.path) !== v.blob).length + [...head.keys()].filter((p) => !view.some((v) => v.path === p)).length;
  const headSha = git(repo, ['rev-parse', 'HEAD']).trim();
  const rssEnd = d.rssMiB();
  await d.stop();
  return {
    checkouts: 50,
    rebasedCommits: 20,
    maxQueuePending: maxPending,
    rssMiB: { start: rssStart, max: maxRss, end: rssEnd },
    indexEqualsHead: mismatched === 0 && indexedCommit === headSha,
    mismatchedPaths: mismatched,
  };
});

// ---- disk: a full tmpfs data dir ----
await section('disk', async () => {
  if (process.getuid?.() !== 0) return { skipped: 'needs root to mount a tmpfs data dir' };
  const mnt = join(root, 'tmpfs');
  mkdirSync(mnt, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'tmpfs', mnt]);
  } catch (err) {
    return { skipped: `cannot mount a tmpfs here: ${(err as Error).message}` };
  }
  try {
    const small = join(root, 'disk-small');
    const big = join(root, 'disk-big');
    cpSync(jdkRepo(SMALL), small, { recursive: true });
    cpSync(jdkRepo(modules), big, { recursive: true });
    const d = new TestDaemon(join(root, 'disk'), join(mnt, 'data'));
    await d.start();
    await d.call('repo.add', { path: small });
    await d.settled(small);
    const before = await d.call<DaemonSearchAnswer>('search', { query: 'connection timeout', scope: { repo: small, limit: 5 } });
    await d.call('repo.add', { path: big });
    // The run fails and its job stays queued for a retry (the queue never empties): wait for the error instead.
    let bigStatus: DaemonStatus['repos'][number] | undefined;
    for (;;) {
      const s = await d.call<DaemonStatus>('status', {}, 30_000);
      bigStatus = s.repos.find((r) => r.root === big);
      if (bigStatus?.lastError || (bigStatus?.state === 'idle' && bigStatus.upToDate)) break;
      await sleep(500);
    }
    const during = await d.call<DaemonSearchAnswer>('search', { query: 'connection timeout', scope: { repo: small, limit: 5 } });
    execFileSync('mount', ['-o', 'remount,size=1g', mnt]);
    await d.call('reindex', { path: big });
    await d.settled(big);
    const after = await d.call<DaemonStatus>('status');
    const recovered = after.repos.find((r) => r.root === big);
    await d.stop();
    const wantFiles = git(big, ['ls-files']).split('\n').filter(Boolean).length;
    return {
      tmpfsMiB: 40,
      errorShown: bigStatus?.lastError ?? null,
      oldIndexSearchable: before.hits.length > 0 && during.hits.length === before.hits.length,
      recovered: {
        files: recovered?.files ?? 0,
        want: wantFiles,
        lastError: recovered?.lastError ?? null,
        ok: recovered?.files === wantFiles && !recovered?.lastError,
      },
    };
  } finally {
    execFileSync('umount', ['-l', mnt]);
  }
});

save();
rmSync(root, { recursive: true, force: true });
console.log(JSON.stringify(results, null, 2));
