/**
 * installService / uninstallService / serviceStatus against a temporary HOME.
 *
 * systemctl --user and launchctl cannot run here (no user bus, not macOS), so
 * `run` is the one fake: it records the commands and answers like the real
 * tools do (exit codes and messages copied from systemd 252 and launchctl).
 * Everything else — paths, rendering, file writes and removals — is real.
 */
import t from 'tap';
import { existsSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ContextdError } from '../daemon/errors.js';
import { installService, serviceStatus, uninstallService, type CommandResult, type CommandRunner, type ServiceSystem } from '../daemon/server/service.js';
import { CLI_SCRIPT } from '../daemon/version.js';

const root = t.testdir();
let n = 0;

interface Recorded {
  calls: string[];
  run: CommandRunner;
}

/** A runner that logs `cmd args…` and answers from `answer` (default: success). */
function recorder(answer: (line: string) => Partial<CommandResult> = () => ({})): Recorded {
  const calls: string[] = [];
  return {
    calls,
    run: async (cmd, args) => {
      const line = [cmd, ...args].join(' ');
      calls.push(line);
      return { code: 0, stdout: '', stderr: '', ...answer(line) };
    },
  };
}

const NO_BUS: Partial<CommandResult> = { code: 1, stderr: 'Failed to connect to bus: No medium found\n' };

function home(): { home: string; cli: string } {
  const h = path.join(root, `home-${n++}`);
  mkdirSync(h, { recursive: true });
  const cli = path.join(h, 'pkg', 'dist', 'daemon', 'cli', 'main.js');
  mkdirSync(path.dirname(cli), { recursive: true });
  writeFileSync(cli, '// built CLI stand-in\n');
  return { home: h, cli };
}

function linux(h: string, run: CommandRunner, extraEnv: NodeJS.ProcessEnv = {}): Partial<ServiceSystem> {
  return {
    platform: 'linux',
    home: h,
    uid: 1000,
    run,
    env: { HOME: h, PATH: '/usr/local/bin:/usr/bin:/bin', XDG_RUNTIME_DIR: '/run/user/1000', ...extraEnv },
  };
}

t.test('linux without a user bus: units written, nothing enabled, exact commands in the note', async (t) => {
  const { home: h, cli } = home();
  const rec = recorder((line) => (line.includes('show-environment') ? NO_BUS : {}));
  const r = await installService({ node: process.execPath, cli, system: linux(h, rec.run) });
  const unitDir = path.join(h, '.config', 'systemd', 'user');
  t.equal(r.manager, 'systemd');
  t.equal(r.dir, unitDir);
  t.same(r.files, [path.join(unitDir, 'contextd.socket'), path.join(unitDir, 'contextd.service')]);
  for (const f of r.files) t.equal(lstatSync(f).mode & 0o777, 0o644, `${path.basename(f)} 0644`);
  t.equal(r.applied, false);
  t.same(rec.calls, ['systemctl --user show-environment'], 'only the probe ran');
  t.same(r.manual, ['systemctl --user daemon-reload', 'systemctl --user enable --now contextd.socket contextd.service']);
  t.match(r.notes.join('\n'), /Failed to connect to bus/);
  t.notMatch(r.notes.join('\n'), /run:\s*$/m, 'the notes hold no second lead-in: the CLI prints one before the commands');
  t.same(
    r.notes.filter((x) => /npm run build/.test(x)),
    [],
    'the CLI exists: no build warning',
  );

  const service = readFileSync(path.join(unitDir, 'contextd.service'), 'utf8');
  t.match(service, `ExecStart="${process.execPath}" "${cli}" "daemon"`);
  t.match(service, `Environment="CONTEXTD_DATA_DIR=${path.join(h, '.local', 'share', 'contextd')}"`);
  t.match(service, 'Environment="CONTEXTD_SOCKET_DIR=%t/contextd"');
  t.match(service, 'Environment="PATH=/usr/local/bin:/usr/bin:/bin"');
  t.match(readFileSync(path.join(unitDir, 'contextd.socket'), 'utf8'), 'ListenStream=%t/contextd/control.sock');

  const st = await serviceStatus({ system: linux(h, recorder((l) => (l.includes('show-environment') ? NO_BUS : { code: 1, stdout: 'disabled\n' })).run) });
  t.same(
    { installed: st.installed, reachable: st.reachable, enabled: st.enabled, states: st.states },
    { installed: true, reachable: false, enabled: false, states: {} },
  );

  // Uninstall without a bus: files and the enablement links `systemctl enable` would have made go away.
  const wants = path.join(unitDir, 'sockets.target.wants');
  mkdirSync(wants);
  symlinkSync(path.join(unitDir, 'contextd.socket'), path.join(wants, 'contextd.socket'));
  const other = path.join(wants, 'other.socket');
  symlinkSync('/usr/lib/systemd/user/other.socket', other);
  const rec2 = recorder((line) => (line.includes('show-environment') ? NO_BUS : {}));
  const u = await uninstallService({ system: linux(h, rec2.run) });
  t.equal(u.applied, false);
  t.same(rec2.calls, ['systemctl --user show-environment']);
  t.notOk(existsSync(path.join(unitDir, 'contextd.service')));
  t.notOk(existsSync(path.join(unitDir, 'contextd.socket')));
  t.notOk(lstatSync(path.join(wants, 'contextd.socket'), { throwIfNoEntry: false }), 'our enablement link removed');
  t.ok(lstatSync(other).isSymbolicLink(), "someone else's link untouched");
  t.same(u.manual, ['systemctl --user stop contextd.socket contextd.service', 'systemctl --user daemon-reload']);
});

t.test('linux with a working systemctl --user: reload, enable --now, restart only on change', async (t) => {
  const { home: h, cli } = home();
  const cfg = path.join(h, 'xdg-config');
  const rec = recorder();
  const sys = linux(h, rec.run, { XDG_CONFIG_HOME: cfg, XDG_DATA_HOME: path.join(h, 'xdg-data') });
  const r1 = await installService({ node: process.execPath, cli, system: sys });
  t.equal(r1.dir, path.join(cfg, 'systemd', 'user'), 'XDG_CONFIG_HOME honoured');
  t.equal(r1.applied, true);
  t.same(r1.manual, []);
  t.same(rec.calls, ['systemctl --user show-environment', 'systemctl --user daemon-reload', 'systemctl --user enable --now contextd.socket contextd.service']);
  t.match(readFileSync(path.join(r1.dir, 'contextd.service'), 'utf8'), `CONTEXTD_DATA_DIR=${path.join(h, 'xdg-data', 'contextd')}`);

  rec.calls.length = 0;
  const r2 = await installService({ node: process.execPath, cli, system: sys });
  t.equal(r2.applied, true);
  t.notOk(
    rec.calls.some((c) => c.includes('try-restart')),
    'unchanged units: no restart',
  );

  // New paths (another node, say): a running daemon must be restarted to pick them up.
  const otherNode = path.join(h, 'node-22');
  symlinkSync(process.execPath, otherNode);
  rec.calls.length = 0;
  const r2b = await installService({ node: otherNode, cli, system: sys });
  t.equal(r2b.applied, true);
  t.equal(rec.calls.at(-1), 'systemctl --user try-restart contextd.service');
  t.match(readFileSync(path.join(r1.dir, 'contextd.service'), 'utf8'), `ExecStart="${otherNode}"`);

  // A failing step is reported with what remains to be run.
  const failing = recorder((line) => (line.includes('enable') ? { code: 1, stderr: 'Failed to enable unit: Access denied\n' } : {}));
  const r3 = await installService({ node: otherNode, cli, system: { ...sys, run: failing.run } });
  t.equal(r3.applied, false);
  t.same(r3.manual, ['systemctl --user enable --now contextd.socket contextd.service']);
  t.match(r3.notes.join('\n'), /Access denied/);

  const st = await serviceStatus({
    system: linux(
      h,
      recorder((l) => (l.includes('is-enabled') ? { stdout: 'enabled\n' } : l.includes('is-active') ? { code: 3, stdout: 'active\ninactive\n' } : {})).run,
      { XDG_CONFIG_HOME: cfg },
    ),
  });
  t.same(
    { installed: st.installed, reachable: st.reachable, enabled: st.enabled, states: st.states },
    { installed: true, reachable: true, enabled: true, states: { 'contextd.socket': 'active', 'contextd.service': 'inactive' } },
  );

  const rec4 = recorder();
  const u = await uninstallService({ system: linux(h, rec4.run, { XDG_CONFIG_HOME: cfg }) });
  t.equal(u.applied, true);
  t.same(rec4.calls, [
    'systemctl --user show-environment',
    'systemctl --user disable --now contextd.socket contextd.service',
    'systemctl --user daemon-reload',
  ]);
  t.same(
    u.files.map((f) => path.basename(f)),
    ['contextd.socket', 'contextd.service'],
  );
  t.notOk(existsSync(path.join(r1.dir, 'contextd.service')));
});

t.test('linux, real runner, systemctl not on PATH: falls back cleanly', async (t) => {
  const { home: h, cli } = home();
  // No `run` injected: the real execFile runner, with a PATH where systemctl cannot be found.
  const r = await installService({
    node: process.execPath,
    cli,
    system: { platform: 'linux', home: h, env: { HOME: h, PATH: path.join(h, 'empty-bin') } },
  });
  t.equal(r.applied, false);
  t.equal(r.commands[0]?.code, 127, 'not found is exit 127');
  t.equal(r.manual.length, 2);
  t.ok(existsSync(path.join(h, '.config', 'systemd', 'user', 'contextd.socket')));
  const socket = readFileSync(path.join(h, '.config', 'systemd', 'user', 'contextd.socket'), 'utf8');
  t.match(socket, `ListenStream=${path.join(h, '.cache', 'contextd', 'run', 'control.sock')}`, 'no XDG_RUNTIME_DIR: the ~/.cache fallback');
});

t.test('macOS: LaunchAgent written, logs dir made, bootstrap in gui/<uid>', async (t) => {
  const { home: h, cli } = home();
  const rec = recorder((line) => (line.includes('bootout') ? { code: 3, stderr: 'Boot-out failed: 3: No such process\n' } : {}));
  const sys: Partial<ServiceSystem> = { platform: 'darwin', home: h, uid: 501, run: rec.run, env: { HOME: h, PATH: '/opt/homebrew/bin:/usr/bin:/bin' } };
  const r = await installService({ node: process.execPath, cli, system: sys });
  const plist = path.join(h, 'Library', 'LaunchAgents', 'dev.contextd.daemon.plist');
  t.equal(r.manager, 'launchd');
  t.same(r.files, [plist]);
  t.equal(r.applied, true);
  t.same(rec.calls, ['launchctl bootout gui/501/dev.contextd.daemon', 'launchctl enable gui/501/dev.contextd.daemon', `launchctl bootstrap gui/501 ${plist}`]);
  const logs = path.join(h, '.local', 'share', 'contextd', 'logs');
  t.ok(lstatSync(logs).isDirectory(), 'log directory exists before launchd opens the log files');
  const text = readFileSync(plist, 'utf8');
  t.match(text, `<string>${path.join(logs, 'contextd.err.log')}</string>`);
  t.match(text, `<string>${path.join(h, '.cache', 'contextd', 'run')}</string>`);

  const st = await serviceStatus({ system: { ...sys, run: recorder(() => ({ stdout: 'gui/501/dev.contextd.daemon = {\n\tstate = running\n' })).run } });
  t.same(
    { installed: st.installed, reachable: st.reachable, states: st.states },
    { installed: true, reachable: true, states: { 'dev.contextd.daemon': 'running' } },
  );

  const rec2 = recorder();
  const u = await uninstallService({ system: { ...sys, run: rec2.run } });
  t.equal(u.applied, true);
  t.same(rec2.calls, ['launchctl bootout gui/501/dev.contextd.daemon']);
  t.notOk(existsSync(plist));

  // launchctl unusable: the plist stays written and the note says how to load it.
  const broken = recorder(() => ({ code: 127, stderr: 'spawn launchctl ENOENT' }));
  const r2 = await installService({ node: process.execPath, cli, system: { ...sys, run: broken.run } });
  t.equal(r2.applied, false);
  t.same(r2.manual, [`launchctl bootstrap gui/501 ${plist}`]);
  t.ok(existsSync(plist));
});

t.test('defaults and refusals', async (t) => {
  t.match(CLI_SCRIPT, /[/\\]dist[/\\]daemon[/\\]cli[/\\]main\.js$/, 'the CLI the service runs is the compiled one');
  const { home: h } = home();
  const missingCli = path.join(h, 'not-built', 'main.js');
  const r = await installService({ node: process.execPath, cli: missingCli, system: linux(h, recorder(() => NO_BUS).run) });
  t.match(r.notes.join('\n'), /npm run build/, 'a missing build is pointed out');
  await t.rejects(installService({ system: { platform: 'win32', home: h, run: recorder().run, env: {} } }), ContextdError);
  await t.rejects(serviceStatus({ system: { platform: 'freebsd', home: h, run: recorder().run, env: {} } }), { code: 'service-unsupported' });
});
