/**
 * Service discovery for tests that need real servers.
 *
 * Redis: `REDIS_URL` when set; else 127.0.0.1:6379 when it answers PING; else a
 * throwaway `redis-server` from the installed binary (own port, no persistence,
 * killed at teardown); else the test is skipped loudly — or FAILS when
 * `CONTEXTD_REQUIRE_SERVICES=1` (what CI sets), so a missing service never
 * passes silently there. Each test gets its own key prefix (`uniquePrefix`).
 *
 * Fault tests that kill the server always use a throwaway instance
 * (`throwawayRedis`): a shared one is never killed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type TapT = {
  teardown: (fn: () => void | Promise<void>) => void;
  skip: (msg: string) => void;
  fail: (msg: string) => void;
  comment: (...msg: unknown[]) => void;
};

export const REQUIRE_SERVICES = process.env.CONTEXTD_REQUIRE_SERVICES === '1';

/** Skips (loudly) or, when services are required, fails; returns null so callers can `return`. */
export function serviceMissing(t: TapT, what: string): null {
  const msg = `${what} is not available (set REDIS_URL, run one on 127.0.0.1:6379, or install redis-server)`;
  if (REQUIRE_SERVICES) t.fail(`CONTEXTD_REQUIRE_SERVICES=1 but ${msg}`);
  else {
    process.stderr.write(`# SKIP: ${msg}\n`);
    t.skip(msg);
  }
  return null;
}

/** A key prefix no other test (or run) uses. */
export function uniquePrefix(name = 'test'): string {
  return `contextd-test:${name}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/** Sends PING over a raw socket; true when the server answers +PONG (or -NOAUTH: it is Redis). */
export function redisAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('error', () => {
      clearTimeout(timer);
      done(false);
    });
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.once('data', (d) => {
      clearTimeout(timer);
      done(/^(\+PONG|-NOAUTH)/.test(d.toString()));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export function redisServerBinary(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const bin = r.stdout.trim();
  return r.status === 0 && bin ? bin : null;
}

export interface ThrowawayRedis {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: no goodbye to clients). */
  kill(): void;
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>;
  running(): boolean;
  /** The server's pid (to SIGSTOP it: a hanging server). */
  pid(): number | null;
}

/** A private redis-server on a free port, killed at teardown; null when the binary is missing. */
export async function startThrowawayRedis(t: TapT): Promise<ThrowawayRedis | null> {
  const bin = redisServerBinary();
  if (!bin) return null;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'contextd-redis-'));
  const pidfile = join(dir, 'redis.pid');
  const readPid = (): number | null => {
    try {
      return Number(readFileSync(pidfile, 'utf8').trim()) || null;
    } catch {
      return null;
    }
  };
  let pid: number | null = null;
  const alive = () => {
    if (!pid) return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const start = async () => {
    rmSync(pidfile, { force: true });
    execFileSync(bin, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--pidfile',
      pidfile,
      '--dir',
      dir,
      '--logfile',
      join(dir, 'redis.log'),
    ]);
    const deadline = Date.now() + 10_000;
    while (!(await redisAnswers('127.0.0.1', port))) {
      if (Date.now() > deadline) throw new Error(`redis-server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 100 && !(pid = readPid()); i++) await new Promise((r) => setTimeout(r, 20));
  };
  const kill = () => {
    if (pid && alive()) {
      process.kill(pid, 'SIGKILL');
      // Wait for the port to be free.
      for (let i = 0; i < 200 && alive(); i++) execFileSync('sleep', ['0.01']);
    }
    pid = null;
  };
  await start();
  t.teardown(() => {
    kill();
    if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  });
  return { url: `redis://127.0.0.1:${port}`, port, kill, start, running: alive, pid: () => pid };
}

/** A Redis for cache tests: REDIS_URL, else a local one on 6379, else a throwaway; null (skipped or failed) when none. */
export async function redisForTest(t: TapT): Promise<{ url: string; source: 'env' | 'local' | 'throwaway' } | null> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, source: 'env' };
  if (await redisAnswers('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', source: 'local' };
  const own = await startThrowawayRedis(t);
  if (own) return { url: own.url, source: 'throwaway' };
  return serviceMissing(t, 'Redis');
}

/** A Redis the test may kill and restart (always a private throwaway). */
export async function killableRedis(t: TapT): Promise<ThrowawayRedis | null> {
  const own = await startThrowawayRedis(t);
  return own ?? serviceMissing(t, 'redis-server (needed to kill and restart Redis)');
}

// ---- PostgreSQL ----
//
// `PG_URL` when set; else the machine's server on 127.0.0.1:5432 (trust auth, database
// `test`) when it answers; else a throwaway server from the installed binaries (initdb +
// pg_ctl, found with `pg_config --bindir` or under /usr/lib/postgresql/*/bin; as user
// postgres when we are root); else skipped loudly, or FAILED under CONTEXTD_REQUIRE_SERVICES=1.
// Every test gets a schema of its own (`pgSchemaUrl`), dropped at teardown. Fault tests
// that stop the server always use a throwaway one (`killablePg`).

/** Skips (loudly) or, when services are required, fails; returns null so callers can `return`. */
export function pgMissing(t: TapT, why = 'PostgreSQL is not available'): null {
  const msg = `${why} (set PG_URL, run one on 127.0.0.1:5432 with a database "test", or install the postgresql binaries)`;
  if (REQUIRE_SERVICES) t.fail(`CONTEXTD_REQUIRE_SERVICES=1 but ${msg}`);
  else {
    process.stderr.write(`# SKIP: ${msg}\n`);
    t.skip(msg);
  }
  return null;
}

/** True when a PostgreSQL at `url` accepts a connection and answers a query. */
export async function pgAnswers(url: string, timeoutMs = 1500): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The directory holding initdb/pg_ctl, or null. */
export function pgBinDir(): string | null {
  const r = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  const candidates = [r.status === 0 ? r.stdout.trim() : ''];
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = spawnSync('ls', ['-1', base], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    versions.sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(base, v, 'bin'));
  }
  return candidates.find((d) => d && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl'))) ?? null;
}

export interface ThrowawayPg {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  /** `pg_ctl stop -m immediate`: the server dies without a checkpoint (clients see their connections drop). */
  stop(): void;
  /** Starts it again on the same port and data (crash recovery runs). */
  start(): Promise<void>;
  running(): boolean;
}

/** A private PostgreSQL on a free port, data in a temp dir, stopped and removed at teardown; null without binaries. */
export async function startThrowawayPg(t: TapT): Promise<ThrowawayPg | null> {
  const bin = pgBinDir();
  if (!bin) return null;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'contextd-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  // initdb and postgres refuse to run as root: run them as the postgres user, who must own the directory.
  const run = (cmd: string, args: string[]) => {
    const full = join(bin, cmd);
    const r = asRoot ? spawnSync('runuser', ['-u', 'postgres', '--', full, ...args], { encoding: 'utf8' }) : spawnSync(full, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  if (asRoot) execFileSync('chown', ['-R', 'postgres', dir]);
  run('initdb', ['-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '-D', data]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let up = false;
  const start = async () => {
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'server.log'),
      '-w',
      '-t',
      '30',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
    const deadline = Date.now() + 20_000;
    while (!(await pgAnswers(url))) {
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    up = true;
  };
  const stop = () => {
    if (!up) return;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      up = false;
    }
  };
  await start();
  t.teardown(() => {
    try {
      stop();
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return { url, port, stop, start, running: () => up };
}

/** A PostgreSQL server for store tests: PG_URL, else 127.0.0.1:5432/test, else a throwaway; null (skipped or failed) when none. */
export async function pgForTest(t: TapT): Promise<{ url: string; source: 'env' | 'local' | 'throwaway' } | null> {
  if (process.env.PG_URL) return { url: process.env.PG_URL, source: 'env' };
  const local = 'postgres://postgres@127.0.0.1:5432/test';
  if (await pgAnswers(local)) return { url: local, source: 'local' };
  let own: ThrowawayPg | null;
  try {
    own = await startThrowawayPg(t);
  } catch (err) {
    return pgMissing(t, `a throwaway PostgreSQL did not start: ${(err as Error).message}`);
  }
  if (own) return { url: own.url, source: 'throwaway' };
  return pgMissing(t);
}

/** A PostgreSQL the test may stop and restart (always a private throwaway). */
export async function killablePg(t: TapT): Promise<ThrowawayPg | null> {
  try {
    return (await startThrowawayPg(t)) ?? pgMissing(t, 'initdb/pg_ctl are not installed (needed to stop and restart PostgreSQL)');
  } catch (err) {
    return pgMissing(t, `a throwaway PostgreSQL did not start: ${(err as Error).message}`);
  }
}

/** `url` with a schema of its own for this test (`?schema=`), dropped with everything in it at teardown. */
export function pgSchemaUrl(t: TapT, url: string, name = 'test'): string {
  const schema = `contextd_${name.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  t.teardown(async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } catch {
      // the server is gone (a fault test stopped it): its data dir goes with it
    } finally {
      await client.end().catch(() => {});
    }
  });
  const u = new URL(url);
  u.searchParams.set('schema', schema);
  return u.toString();
}
