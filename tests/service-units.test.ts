/**
 * The rendered service files, checked by the real tools: systemd's own unit
 * parser (`systemd-analyze verify`) and Python's plistlib.
 *
 * A missing tool skips its test loudly; with CONTEXTD_REQUIRE_SERVICES=1 it
 * fails instead, so CI that has the tools cannot silently lose the check.
 */
import t from 'tap';

/** A subtest's `t` (the last overload of t.test takes just the callback). */
type Tap = Parameters<Parameters<typeof t.test>[0]>[0];
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LAUNCHD_PLIST, renderUnits, SYSTEMD_SERVICE, SYSTEMD_SOCKET } from '../daemon/server/service-units.js';

const root = t.testdir();
const REQUIRE = process.env.CONTEXTD_REQUIRE_SERVICES === '1';

function tool(name: string, args: string[]): boolean {
  const r = spawnSync(name, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}
const HAVE_ANALYZE = tool('systemd-analyze', ['--version']);
const HAVE_PYTHON = tool('python3', ['-c', 'import plistlib']);

/**
 * Options for a test that needs a tool: skipped (loudly) when it is missing,
 * unless CONTEXTD_REQUIRE_SERVICES=1, in which case the test runs and fails.
 */
function needs(have: boolean, name: string): { skip?: string } {
  if (have || REQUIRE) return {};
  const msg = `${name} is not available: this check did NOT run (set CONTEXTD_REQUIRE_SERVICES=1 to make that a failure)`;
  console.error(`# WARNING: ${msg}`);
  return { skip: msg };
}

/** Paths designed to break naive quoting: spaces, quotes, %, $, backslash, XML specials. */
function weirdLayout(): { node: string; cli: string; dataDir: string; socketDir: string } {
  const base = path.join(root, `it's a "100%" $HOME\\dir & <x>`);
  mkdirSync(path.join(base, 'bin'), { recursive: true });
  const node = path.join(base, 'bin', 'node');
  // verify checks that the program exists and is executable
  if (!existsSync(node)) symlinkSync(process.execPath, node);
  const cli = path.join(base, 'dist', 'daemon', 'cli', 'main.js');
  mkdirSync(path.dirname(cli), { recursive: true });
  writeFileSync(cli, '// placeholder CLI\n');
  return { node, cli, dataDir: path.join(base, 'data'), socketDir: path.join(base, 'run') };
}

function plainLayout(name: string): { node: string; cli: string; dataDir: string; socketDir: string } {
  const base = path.join(root, name);
  const cli = path.join(base, 'dist', 'daemon', 'cli', 'main.js');
  mkdirSync(path.dirname(cli), { recursive: true });
  writeFileSync(cli, '// placeholder CLI\n');
  return { node: process.execPath, cli, dataDir: path.join(base, 'data'), socketDir: path.join(base, 'run') };
}

/**
 * `systemd-analyze verify --user` works without a running systemd once
 * XDG_RUNTIME_DIR names a directory (it builds an offline manager from it).
 * It exits 0 even for unknown keys and unparsable values, which it only
 * prints: so any output at all counts as a failure.
 */
function verify(t: Tap, files: Record<string, string>, label: string): void {
  const dir = path.join(root, `verify-${label}`);
  mkdirSync(dir, { recursive: true });
  // Short: units pulled in by sockets.target (gpg-agent…) put socket paths under it, limited to ~108 bytes.
  const runtime = mkdtempSync(path.join(tmpdir(), 'ctxd-rt-'));
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  const unitPaths = [SYSTEMD_SOCKET, SYSTEMD_SERVICE].map((name) => {
    const p = path.join(dir, name);
    writeFileSync(p, files[name]);
    return p;
  });
  const r = spawnSync('systemd-analyze', ['--man=no', 'verify', '--user', ...unitPaths], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: runtime, XDG_CONFIG_HOME: path.join(dir, 'config'), LC_ALL: 'C' },
  });
  t.equal(r.status, 0, `${label}: systemd-analyze exit status`);
  t.equal((r.stdout + r.stderr).trim(), '', `${label}: systemd-analyze has nothing to say`);
}

t.test('systemd units pass systemd-analyze verify --user', needs(HAVE_ANALYZE, 'systemd-analyze'), async (t) => {
  if (!HAVE_ANALYZE) return void t.fail('systemd-analyze is required (CONTEXTD_REQUIRE_SERVICES=1) but missing');
  const plain = plainLayout('plain');
  verify(t, renderUnits({ ...plain, env: { PATH: '/usr/local/bin:/usr/bin:/bin' } }), 'plain');
  verify(t, renderUnits({ ...plain, socketDir: path.join(root, 'rt', 'contextd'), runtimeDir: path.join(root, 'rt') }), 'runtime-dir');
  verify(t, renderUnits({ ...weirdLayout(), env: { WEIRD: `a "b" 100% $x \\ c` } }), 'weird-paths');
  // Program path with spaces, % and $ (allowed in a program name): verify resolves it, so it must round-trip.
  const spaced = path.join(root, 'a 100% $dir', 'node');
  mkdirSync(path.dirname(spaced), { recursive: true });
  symlinkSync(process.execPath, spaced);
  verify(t, renderUnits({ ...plainLayout('spaced'), node: spaced }), 'spaced-program');

  // The control: a broken unit must make verify speak, or the checks above prove nothing.
  const broken = renderUnits(plain);
  broken[SYSTEMD_SERVICE] = broken[SYSTEMD_SERVICE].replace('Restart=on-failure', 'Restart=sometimes\nBogusKey=1');
  const dir = path.join(root, 'verify-broken');
  mkdirSync(dir, { recursive: true });
  const runtime = mkdtempSync(path.join(tmpdir(), 'ctxd-rt-'));
  t.teardown(() => rmSync(runtime, { recursive: true, force: true }));
  writeFileSync(path.join(dir, SYSTEMD_SERVICE), broken[SYSTEMD_SERVICE]);
  writeFileSync(path.join(dir, SYSTEMD_SOCKET), broken[SYSTEMD_SOCKET]);
  const r = spawnSync('systemd-analyze', ['--man=no', 'verify', '--user', path.join(dir, SYSTEMD_SOCKET), path.join(dir, SYSTEMD_SERVICE)], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: runtime, LC_ALL: 'C' },
  });
  t.match(r.stderr, /BogusKey/, 'verify reports a bad key');
});

t.test('systemd units say what the daemon needs', async (t) => {
  const plain = plainLayout('content');
  const withRuntime = renderUnits({ ...plain, socketDir: '/run/user/1000/contextd', runtimeDir: '/run/user/1000' });
  const socket = withRuntime[SYSTEMD_SOCKET];
  t.match(socket, /^ListenStream=%t\/contextd\/control\.sock$/m, 'follows %t when the socket dir is the runtime default');
  t.match(socket, /^SocketMode=0600$/m);
  t.match(socket, /^DirectoryMode=0700$/m);
  t.match(socket, /^FileDescriptorName=control$/m);
  t.match(socket, /^WantedBy=sockets\.target$/m);
  const service = withRuntime[SYSTEMD_SERVICE];
  t.match(service, `ExecStart="${process.execPath}" "${plain.cli}" "daemon"`);
  t.match(service, /^Environment="CONTEXTD_SOCKET_DIR=%t\/contextd"$/m);
  t.match(service, `Environment="CONTEXTD_DATA_DIR=${plain.dataDir}"`);
  t.match(service, /^Requires=contextd\.socket$/m);

  const custom = renderUnits({ ...plain, socketDir: '/srv/50%/ctx', runtimeDir: '/run/user/1000' });
  t.match(custom[SYSTEMD_SOCKET], /^ListenStream=\/srv\/50%%\/ctx\/control\.sock$/m, 'a literal path, % escaped');
  t.match(custom[SYSTEMD_SERVICE], /^Environment="CONTEXTD_SOCKET_DIR=\/srv\/50%%\/ctx"$/m);

  // systemd refuses quotes and backslashes in a program name whatever the escaping: such a node runs via env.
  const weird = weirdLayout();
  const viaEnv = renderUnits(weird)[SYSTEMD_SERVICE];
  t.match(viaEnv, /^ExecStart=\/usr\/bin\/env "[^\n]*\/bin\/node" /m);
  t.match(viaEnv, '$$HOME', 'a literal $ in an argument is doubled');

  t.throws(() => renderUnits({ ...plain, node: 'node' }), /absolute/);
  t.throws(() => renderUnits({ ...plain, socketDir: '/' + 'x'.repeat(100) }), /longer than a UNIX socket path/);
  t.throws(() => renderUnits({ ...plain, env: { 'BAD NAME': 'x' } }), /invalid variable name/);
  t.throws(() => renderUnits({ ...plain, env: { X: 'a\nExecStartPre=/bin/evil' } }), /newline/);
});

t.test('the LaunchAgent plist parses with plistlib and has what launchd needs', needs(HAVE_PYTHON, 'python3 plistlib'), async (t) => {
  if (!HAVE_PYTHON) return void t.fail('python3 plistlib is required (CONTEXTD_REQUIRE_SERVICES=1) but missing');
  for (const [label, layout] of [
    ['plain', plainLayout('plist')],
    ['weird', { ...weirdLayout(), dataDir: path.join(root, 'plist-weird & <data>') }],
  ] as const) {
    const env = { PATH: '/opt/homebrew/bin:/usr/bin:/bin', ODD: `<&>"' 100%` };
    const files = renderUnits({ ...layout, env });
    const p = path.join(root, `${label}-${LAUNCHD_PLIST}`);
    writeFileSync(p, files[LAUNCHD_PLIST]);
    const out = execFileSync('python3', ['-c', 'import json, plistlib, sys\nwith open(sys.argv[1], "rb") as f: print(json.dumps(plistlib.load(f)))', p], {
      encoding: 'utf8',
    });
    const plist = JSON.parse(out) as Record<string, unknown>;
    t.same(
      plist,
      {
        Label: 'dev.contextd.daemon',
        ProgramArguments: [layout.node, layout.cli, 'daemon'],
        RunAtLoad: true,
        KeepAlive: true,
        ThrottleInterval: 10,
        ProcessType: 'Background',
        Umask: 0o077,
        StandardOutPath: path.join(layout.dataDir, 'logs', 'contextd.out.log'),
        StandardErrorPath: path.join(layout.dataDir, 'logs', 'contextd.err.log'),
        EnvironmentVariables: {
          PATH: env.PATH,
          ODD: env.ODD,
          CONTEXTD_DATA_DIR: layout.dataDir,
          CONTEXTD_SOCKET_DIR: layout.socketDir,
        },
      },
      `${label}: every value round-trips through a real plist parser`,
    );
  }
});
