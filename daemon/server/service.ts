/**
 * Installs contextd as a per-user service: systemd user units with socket
 * activation on Linux, a LaunchAgent on macOS.
 *
 * Everything that touches the machine (platform, home, environment, running
 * systemctl/launchctl) comes through `ServiceSystem`, so tests drive the real
 * code against a temporary HOME with a recording `run`. When the service
 * manager cannot be reached (no user bus: containers, CI, `su` sessions) the
 * files are still written and the report lists the exact commands to run
 * later; nothing here fails just because systemd is absent.
 */
import { execFile } from 'node:child_process';
import { lstat, mkdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { resolvePaths } from '../config/paths.js';
import { ContextdError } from '../errors.js';
import { CLI_SCRIPT } from '../version.js';
import { LAUNCHD_LABEL, LAUNCHD_PLIST, renderUnits, SYSTEMD_SERVICE, SYSTEMD_SOCKET } from './service-units.js';

export { renderUnits, type UnitOptions } from './service-units.js';

export interface CommandResult {
  /** Exit code; 127 when the program could not be started (not installed). */
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (cmd: string, args: readonly string[]) => Promise<CommandResult>;

export interface ServiceSystem {
  platform: NodeJS.Platform;
  home: string;
  env: NodeJS.ProcessEnv;
  run: CommandRunner;
  /** The user id, for launchd's `gui/<uid>` domain. */
  uid: number;
}

export type ServiceManager = 'systemd' | 'launchd';

export interface ServiceInstallOptions {
  /** Default: process.execPath, the node running this code. */
  node?: string;
  /** Default: this package's dist/daemon/cli/main.js. */
  cli?: string;
  /** Extra daemon environment. Default: `{ PATH }` from `system.env`, so the daemon finds git as the user's shell does. */
  env?: Record<string, string>;
  system?: Partial<ServiceSystem>;
}

export interface ServiceCommandRecord {
  argv: string[];
  code: number;
  stderr: string;
}

export interface ServiceReport {
  manager: ServiceManager;
  /** Where the unit files / plist live. */
  dir: string;
  /** Files written (install) or removed (uninstall). */
  files: string[];
  /** Every command run, in order, with its outcome. */
  commands: ServiceCommandRecord[];
  /** The service manager took the change (enabled and started / stopped and disabled). */
  applied: boolean;
  /** Commands the user still has to run, one per line, ready to paste; empty when applied. */
  manual: string[];
  /** Human-readable remarks (why it was not applied, missing build…). */
  notes: string[];
}

export interface ServiceStatus {
  manager: ServiceManager;
  dir: string;
  files: { path: string; present: boolean }[];
  /** Every file is present. */
  installed: boolean;
  /** systemctl --user / launchctl answered. */
  reachable: boolean;
  /** systemd: contextd.socket is enabled (readable without a bus); launchd: null (not tracked). */
  enabled: boolean | null;
  /** Unit -> state as the manager reports it (`active`, `inactive`, `running`…); empty when unreachable. */
  states: Record<string, string>;
}

function defaultRunner(env: NodeJS.ProcessEnv): CommandRunner {
  return (cmd, args) =>
    new Promise((resolve) => {
      execFile(cmd, [...args], { env, encoding: 'utf8', timeout: 30_000, windowsHide: true }, (err, stdout, stderr) => {
        if (!err) return resolve({ code: 0, stdout, stderr });
        const e = err as NodeJS.ErrnoException & { code?: string | number };
        const code = typeof e.code === 'number' ? e.code : e.code === 'ENOENT' ? 127 : 1;
        resolve({ code, stdout: stdout ?? '', stderr: stderr || e.message });
      });
    });
}

function resolveSystem(partial: Partial<ServiceSystem> = {}): ServiceSystem {
  const env = partial.env ?? process.env;
  return {
    platform: partial.platform ?? process.platform,
    home: partial.home ?? (env.HOME || homedir()),
    env,
    run: partial.run ?? defaultRunner(env),
    uid: partial.uid ?? process.getuid?.() ?? 0,
  };
}

function managerFor(sys: ServiceSystem): ServiceManager {
  if (sys.platform === 'linux') return 'systemd';
  if (sys.platform === 'darwin') return 'launchd';
  throw new ContextdError('service-unsupported', `contextd cannot install a service on ${sys.platform}`, {
    hint: 'run `contextd daemon` from your own startup mechanism instead',
  });
}

function serviceDir(sys: ServiceSystem, manager: ServiceManager): string {
  if (manager === 'launchd') return path.join(sys.home, 'Library', 'LaunchAgents');
  const configHome = sys.env.XDG_CONFIG_HOME || path.join(sys.home, '.config');
  return path.join(configHome, 'systemd', 'user');
}

function fileNames(manager: ServiceManager): string[] {
  return manager === 'systemd' ? [SYSTEMD_SOCKET, SYSTEMD_SERVICE] : [LAUNCHD_PLIST];
}

/** For the copy-paste commands in notes only; nothing is ever run through a shell. */
function displayArg(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function display(argv: readonly string[]): string {
  return argv.map(displayArg).join(' ');
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

/** Runs commands and records them in a report. */
class Recorder {
  readonly commands: ServiceCommandRecord[] = [];
  constructor(private readonly sys: ServiceSystem) {}

  async run(argv: string[]): Promise<CommandResult> {
    const [cmd, ...args] = argv;
    const r = await this.sys.run(cmd, args);
    this.commands.push({ argv, code: r.code, stderr: r.stderr });
    return r;
  }
}

const SYSTEMCTL = ['systemctl', '--user'];
/** Cheapest call that needs the user manager: fails fast with "Failed to connect to bus" without one. */
const SYSTEMD_PROBE = [...SYSTEMCTL, 'show-environment'];
const SYSTEMD_UNITS = [SYSTEMD_SOCKET, SYSTEMD_SERVICE];

/** Write unless identical; says whether an existing file was replaced (`updated`), or one created. */
async function writeUnit(p: string, content: string): Promise<'created' | 'updated' | 'unchanged'> {
  const old = await readFile(p, 'utf8').catch(() => null);
  if (old === content) return 'unchanged';
  await writeFile(p, content, { mode: 0o644 });
  return old === null ? 'created' : 'updated';
}

export async function installService(opts: ServiceInstallOptions = {}): Promise<ServiceReport> {
  const sys = resolveSystem(opts.system);
  const manager = managerFor(sys);
  const dir = serviceDir(sys, manager);
  const paths = resolvePaths({ ...sys.env, HOME: sys.home });
  const cli = opts.cli ?? CLI_SCRIPT;
  const notes: string[] = [];
  if (
    !(await stat(cli).then(
      (s) => s.isFile(),
      () => false,
    ))
  ) {
    notes.push(`${cli} does not exist yet: run \`npm run build\` before the service starts, or it will fail to launch`);
  }
  const units = renderUnits({
    node: opts.node ?? process.execPath,
    cli,
    dataDir: paths.dataDir,
    socketDir: paths.socketDir,
    runtimeDir: sys.env.XDG_RUNTIME_DIR || undefined,
    env: opts.env ?? (sys.env.PATH ? { PATH: sys.env.PATH } : {}),
  });

  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  let updated = false;
  for (const name of fileNames(manager)) {
    const p = path.join(dir, name);
    updated = (await writeUnit(p, units[name])) === 'updated' || updated;
    files.push(p);
  }
  const rec = new Recorder(sys);
  const base = { manager, dir, files, commands: rec.commands };

  if (manager === 'systemd') {
    const steps = [
      [...SYSTEMCTL, 'daemon-reload'],
      // The socket so hooks can always connect; the service so the daemon (and its
      // file watchers) runs from login rather than from the first connection.
      [...SYSTEMCTL, 'enable', '--now', ...SYSTEMD_UNITS],
      // A running daemon keeps its old command line until restarted; try-restart leaves a stopped one stopped.
      ...(updated ? [[...SYSTEMCTL, 'try-restart', SYSTEMD_SERVICE]] : []),
    ];
    return { ...base, ...(await applySystemd(rec, steps, 'written but not enabled', notes)) };
  }

  // launchd: logs must have a directory to go to, or launchd silently drops them.
  await mkdir(path.join(paths.dataDir, 'logs'), { recursive: true, mode: 0o700 });
  const domain = `gui/${sys.uid}`;
  const target = `${domain}/${LAUNCHD_LABEL}`;
  const plist = files[0];
  // Unload a previous version first: bootstrap refuses a label that is already loaded.
  const out = await rec.run(['launchctl', 'bootout', target]);
  await rec.run(['launchctl', 'enable', target]);
  let boot = await rec.run(['launchctl', 'bootstrap', domain, plist]);
  if (boot.code !== 0 && boot.code !== 127 && out.code === 0) {
    // bootout returns before the old job is gone; a bootstrap right after can fail with EIO once.
    await new Promise((r) => setTimeout(r, 500));
    boot = await rec.run(['launchctl', 'bootstrap', domain, plist]);
  }
  if (boot.code === 0) return { ...base, applied: true, manual: [], notes };
  const manual = [display(['launchctl', 'bootstrap', domain, plist])];
  notes.push(`launchctl bootstrap failed (${firstLine(boot.stderr) || `exit ${boot.code}`}): the agent is written but not loaded. Run:`);
  return { ...base, applied: false, manual, notes };
}

/** Probe the user manager, then run `steps` in order; on any failure report what is left to run. */
async function applySystemd(
  rec: Recorder,
  steps: string[][],
  whatIfNot: string,
  notes: string[],
): Promise<Pick<ServiceReport, 'applied' | 'manual' | 'notes'>> {
  const probe = await rec.run(SYSTEMD_PROBE);
  if (probe.code !== 0) {
    notes.push(`systemctl --user is not usable here (${firstLine(probe.stderr) || `exit ${probe.code}`}): ` + `the units are ${whatIfNot}.`);
    return { applied: false, manual: steps.map(display), notes };
  }
  for (let i = 0; i < steps.length; i++) {
    const r = await rec.run(steps[i]);
    if (r.code !== 0) {
      notes.push(`\`${display(steps[i])}\` failed: ${firstLine(r.stderr) || `exit ${r.code}`}. Fix that first.`);
      return { applied: false, manual: steps.slice(i).map(display), notes };
    }
  }
  return { applied: true, manual: [], notes };
}

export async function uninstallService(opts: { system?: Partial<ServiceSystem> } = {}): Promise<ServiceReport> {
  const sys = resolveSystem(opts.system);
  const manager = managerFor(sys);
  const dir = serviceDir(sys, manager);
  const rec = new Recorder(sys);
  const notes: string[] = [];
  const present: string[] = [];
  for (const name of fileNames(manager)) {
    const p = path.join(dir, name);
    if (
      await lstat(p).then(
        () => true,
        () => false,
      )
    )
      present.push(p);
  }
  const removeFiles = async (): Promise<void> => {
    for (const p of present) await rm(p, { force: true });
  };
  const base = { manager, dir, files: present, commands: rec.commands };

  if (manager === 'launchd') {
    const target = `gui/${sys.uid}/${LAUNCHD_LABEL}`;
    const r = await rec.run(['launchctl', 'bootout', target]);
    await removeFiles();
    // 3 (ESRCH) / 113: not loaded, which is the state we want.
    if ([0, 3, 113].includes(r.code)) return { ...base, applied: true, manual: [], notes };
    notes.push(`launchctl bootout failed (${firstLine(r.stderr) || `exit ${r.code}`}): the agent file is removed; to stop a running daemon, run:`);
    return { ...base, applied: false, manual: [display(['launchctl', 'bootout', target])], notes };
  }

  const probe = await rec.run(SYSTEMD_PROBE);
  if (probe.code === 0) {
    // Disable while the unit files still exist: systemctl needs them to find the symlinks to remove.
    const off = await rec.run([...SYSTEMCTL, 'disable', '--now', ...SYSTEMD_UNITS]);
    await removeFiles();
    const reload = await rec.run([...SYSTEMCTL, 'daemon-reload']);
    if (off.code === 0 && reload.code === 0) return { ...base, applied: true, manual: [], notes };
    notes.push('systemctl did not finish cleanly; check with `systemctl --user status contextd.socket contextd.service`');
    return { ...base, applied: false, manual: [display([...SYSTEMCTL, 'stop', ...SYSTEMD_UNITS]), display([...SYSTEMCTL, 'daemon-reload'])], notes };
  }
  // No user manager: do by hand what `disable` would, so nothing points at removed files.
  for (const [wants, unit] of [
    ['sockets.target.wants', SYSTEMD_SOCKET],
    ['default.target.wants', SYSTEMD_SERVICE],
  ]) {
    const link = path.join(dir, wants, unit);
    const target = await readlink(link).catch(() => null);
    if (target !== null && path.basename(target) === unit) {
      await rm(link, { force: true });
      present.push(link);
    }
  }
  await removeFiles();
  notes.push(
    `systemctl --user is not usable here (${firstLine(probe.stderr) || `exit ${probe.code}`}): the unit files are removed. ` +
      'If a contextd daemon is running under systemd, stop it with the commands below.',
  );
  return {
    ...base,
    applied: false,
    manual: [display([...SYSTEMCTL, 'stop', ...SYSTEMD_UNITS]), display([...SYSTEMCTL, 'daemon-reload'])],
    notes,
  };
}

export async function serviceStatus(opts: { system?: Partial<ServiceSystem> } = {}): Promise<ServiceStatus> {
  const sys = resolveSystem(opts.system);
  const manager = managerFor(sys);
  const dir = serviceDir(sys, manager);
  const files = await Promise.all(
    fileNames(manager).map(async (name) => {
      const p = path.join(dir, name);
      return {
        path: p,
        present: await lstat(p).then(
          () => true,
          () => false,
        ),
      };
    }),
  );
  const installed = files.every((f) => f.present);
  const states: Record<string, string> = {};

  if (manager === 'launchd') {
    const r = await sys.run('launchctl', ['print', `gui/${sys.uid}/${LAUNCHD_LABEL}`]);
    const reachable = r.code !== 127;
    if (r.code === 0) states[LAUNCHD_LABEL] = /^\s*state = (\S+)/m.exec(r.stdout)?.[1] ?? 'loaded';
    else if (reachable) states[LAUNCHD_LABEL] = 'not loaded';
    return { manager, dir, files, installed, reachable, enabled: null, states };
  }

  // is-enabled reads the unit files directly, so it answers even without a user bus.
  const en = await sys.run('systemctl', ['--user', 'is-enabled', SYSTEMD_SOCKET]);
  const enabledWord = en.stdout.trim();
  const enabled = enabledWord === 'enabled' ? true : enabledWord === 'disabled' ? false : null;
  const reachable = (await sys.run(SYSTEMD_PROBE[0], SYSTEMD_PROBE.slice(1))).code === 0;
  if (reachable) {
    // is-active exits non-zero when any unit is inactive; its stdout still has one line per unit.
    const act = await sys.run('systemctl', ['--user', 'is-active', ...SYSTEMD_UNITS]);
    const lines = act.stdout.trim().split('\n');
    SYSTEMD_UNITS.forEach((u, i) => {
      if (lines[i]) states[u] = lines[i].trim();
    });
  }
  return { manager, dir, files, installed, reachable, enabled, states };
}
