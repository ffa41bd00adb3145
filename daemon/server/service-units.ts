/**
 * Renders the service-manager files (systemd user units, launchd agent) from
 * the templates shipped in systemd/ and launchd/.
 *
 * Each value is escaped for the syntax it lands in: systemd's quoting and `%`
 * specifiers, XML for the plist. A path with spaces, quotes, `%` or `$` (a
 * home directory like "/home/Jo $mith") must reach the daemon unchanged.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PACKAGE_ROOT } from '../version.js';

export const SYSTEMD_SERVICE = 'contextd.service';
export const SYSTEMD_SOCKET = 'contextd.socket';
export const LAUNCHD_LABEL = 'dev.contextd.daemon';
export const LAUNCHD_PLIST = `${LAUNCHD_LABEL}.plist`;

export interface UnitOptions {
  /** Absolute path of the node binary. */
  node: string;
  /** Absolute path of the compiled CLI (dist/daemon/cli/main.js); run as `<node> <cli> daemon`. */
  cli: string;
  /** The daemon's data dir; launchd logs go to `<dataDir>/logs/`. */
  dataDir: string;
  /** Where control.sock lives (the systemd socket unit listens there). */
  socketDir: string;
  /**
   * $XDG_RUNTIME_DIR at install time. When socketDir is `<runtimeDir>/contextd`
   * the units say `%t/contextd`, which follows the runtime dir of each login.
   */
  runtimeDir?: string;
  /** Extra environment for the daemon, e.g. PATH so it finds git under launchd's bare PATH. */
  env?: Record<string, string>;
  /** Directory holding systemd/ and launchd/ templates (default: this package). */
  templateRoot?: string;
}

/** systemd expands `%` specifiers in almost every setting; `%%` is a literal percent. */
function systemdLiteral(s: string): string {
  return s.replace(/%/g, '%%');
}

/** One double-quoted word of a systemd command line or assignment (C-style escapes inside). */
function systemdQuote(s: string): string {
  return `"${systemdLiteral(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** ExecStart= substitutes `$VAR` and `${VAR}` in arguments (not in the program name); `$$` is a literal dollar. */
function systemdExecArg(s: string): string {
  return systemdQuote(s).replace(/\$/g, '$$$$');
}

/**
 * ExecStart= words for running `program`. systemd refuses a program name with
 * quotes or backslashes ("Executable name contains special characters") however
 * it is escaped; such a path goes through /usr/bin/env as an ordinary argument.
 */
function systemdExecProgram(program: string): string[] {
  return /["'\\]/.test(program) ? ['/usr/bin/env', systemdExecArg(program)] : [systemdQuote(program)];
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** sun_path is 108 bytes on Linux (104 on macOS), NUL included. */
const MAX_SOCKET_PATH = 107;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Replace every `@NAME@`; a placeholder left over means the template and this code disagree. */
function fill(template: string, values: Record<string, string>, file: string): string {
  return template.replace(/@([A-Z_]+)@/g, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`${file}: template placeholder ${whole} has no value`);
    return v;
  });
}

function daemonEnv(opts: UnitOptions, socketDirForSystemd: string | null): [string, string][] {
  const entries: [string, string][] = [];
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (!ENV_NAME.test(k)) throw new Error(`service environment: invalid variable name ${JSON.stringify(k)}`);
    if (/[\n\r\0]/.test(v)) throw new Error(`service environment: ${k} contains a newline or NUL`);
    entries.push([k, v]);
  }
  // Stated explicitly so the daemon binds, and the CLI/hooks dial, exactly where the units say,
  // whatever XDG variables the service manager happens to pass.
  const fixed = new Map([
    ['CONTEXTD_DATA_DIR', opts.dataDir],
    ['CONTEXTD_SOCKET_DIR', socketDirForSystemd ?? opts.socketDir],
  ]);
  return [...entries.filter(([k]) => !fixed.has(k)), ...fixed];
}

/** File name -> content for contextd.service, contextd.socket and dev.contextd.daemon.plist. */
export function renderUnits(opts: UnitOptions): Record<string, string> {
  for (const [k, v] of [
    ['node', opts.node],
    ['cli', opts.cli],
    ['dataDir', opts.dataDir],
    ['socketDir', opts.socketDir],
  ] as const) {
    if (!path.isAbsolute(v)) throw new Error(`renderUnits: ${k} must be an absolute path, got ${JSON.stringify(v)}`);
    if (/[\n\r\0]/.test(v)) throw new Error(`renderUnits: ${k} contains a newline or NUL`);
  }
  const socketPath = path.join(opts.socketDir, 'control.sock');
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    // systemd would refuse the ListenStream= and the daemon could not bind it either.
    throw new Error(`renderUnits: ${socketPath} is longer than a UNIX socket path may be (${MAX_SOCKET_PATH} bytes)`);
  }
  const root = opts.templateRoot ?? PACKAGE_ROOT;
  const read = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');

  const usesRuntimeDir = opts.runtimeDir !== undefined && path.resolve(opts.socketDir) === path.resolve(opts.runtimeDir, 'contextd');
  // `%t` is a specifier: it must not go through systemdLiteral, which would turn it into a literal "%t".
  const systemdSocketDir = usesRuntimeDir ? '%t/contextd' : null;
  const systemdEnv = daemonEnv(opts, systemdSocketDir).map(([k, v]) =>
    systemdSocketDir !== null && k === 'CONTEXTD_SOCKET_DIR' ? `Environment="CONTEXTD_SOCKET_DIR=%t/contextd"` : `Environment=${systemdQuote(`${k}=${v}`)}`,
  );

  const service = fill(
    read('systemd/contextd.service.in'),
    {
      EXEC_START: [...systemdExecProgram(opts.node), ...[opts.cli, 'daemon'].map(systemdExecArg)].join(' '),
      ENVIRONMENT: systemdEnv.join('\n'),
    },
    SYSTEMD_SERVICE,
  );
  // ListenStream= takes the rest of the line as the path: no quoting, only specifiers.
  const socket = fill(read('systemd/contextd.socket.in'), { SOCKET_DIR: systemdSocketDir ?? systemdLiteral(opts.socketDir) }, SYSTEMD_SOCKET);
  const plistEnv = daemonEnv(opts, null)
    .map(([k, v]) => `    <key>${xml(k)}</key>\n    <string>${xml(v)}</string>`)
    .join('\n');
  const plist = fill(
    read('launchd/dev.contextd.daemon.plist.in'),
    {
      NODE: xml(opts.node),
      CLI: xml(opts.cli),
      LOG_DIR: xml(path.join(opts.dataDir, 'logs')),
      ENVIRONMENT: plistEnv,
    },
    LAUNCHD_PLIST,
  );
  return { [SYSTEMD_SERVICE]: service, [SYSTEMD_SOCKET]: socket, [LAUNCHD_PLIST]: plist };
}
