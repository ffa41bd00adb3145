/** Starts the compiled daemon as a child process in an isolated HOME, and talks to it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { callDaemon } from '../../daemon/server/rpc-client.js';
import { buildFixture, type FixtureName } from '../../fixtures/repos.js';
import { CLI, isolatedEnv, runJson, tempDir } from './cli.js';

export interface DaemonProcess {
  child: ChildProcess;
  socket: string;
  stderr: () => string;
  call<T>(method: string, params?: unknown, timeoutMs?: number): Promise<T>;
  /** Waits until the queue is empty and nothing runs. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<number | null>;
  exited: Promise<number | null>;
}

export async function startDaemon(env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<DaemonProcess> {
  const socket = join(env.XDG_RUNTIME_DIR!, 'contextd', 'control.sock');
  const child = spawn(process.execPath, [CLI, 'daemon'], { env: { ...env, CONTEXTD_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const call = <T>(method: string, params?: unknown, timeoutMs = 10_000) => callDaemon<T>(socket, method, params, timeoutMs);
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    try {
      await call('ping', {}, 1000);
      break;
    } catch (err) {
      if (exitedEarly) throw new Error(`daemon exited during start: ${stderr}`, { cause: err });
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`daemon did not start: ${(err as Error).message}\n${stderr}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    child,
    socket,
    stderr: () => stderr,
    call,
    async idle(timeoutMs = 60_000) {
      const res = await call<{ idle: boolean }>('wait', { timeoutMs }, timeoutMs + 5000);
      if (!res.idle) throw new Error('daemon did not become idle');
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    exited,
  };
}

/** Polls `fn` until it returns a truthy value or the time is up. */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) return last;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The common start of a daemon test: an isolated HOME, a fixture repository built in a
 * temporary directory, a running daemon (stopped at teardown) with the repository added
 * and indexed. `extraEnv` is added to the isolated environment.
 */
export async function daemonWithRepo(
  t: { teardown: (fn: () => unknown) => void },
  fixture: FixtureName,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ dir: string; env: NodeJS.ProcessEnv; repo: string; daemon: DaemonProcess }> {
  const dir = tempDir(t);
  const env = { ...isolatedEnv(join(dir, 'home')).env, ...extraEnv };
  const repo = join(dir, fixture);
  await buildFixture(fixture, repo);
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', repo, '--wait'], { env });
  return { dir, env, repo, daemon };
}
