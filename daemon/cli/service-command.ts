import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { hookStatus, installHooks, uninstallHooks } from '../repo/hooks-installer.js';
import { findRepoRoot } from '../repo/git.js';
import { installService, serviceStatus, uninstallService, type ServiceReport } from '../server/service.js';
import { PACKAGE_ROOT } from '../version.js';
import { controlSocketPath } from './daemon-client.js';
import { bold, dim, green, printJson, yellow } from './output.js';

function printReport(verb: string, r: ServiceReport): void {
  console.log(`${r.applied ? green(verb) : yellow(`${verb} (files only)`)} ${r.manager} units in ${r.dir}`);
  for (const f of r.files) console.log(dim(`  ${f}`));
  for (const n of r.notes) console.log(`  ${n}`);
  if (r.manual.length) {
    console.log(`  ${bold('to finish, run these in a login session of this user:')}`);
    for (const m of r.manual) console.log(`    ${m}`);
  }
}

export function registerServiceCommands(program: Command): void {
  const service = program.command('service').description('install, remove or check the user service (systemd user units on Linux, a LaunchAgent on macOS)');
  service
    .command('install')
    .description('write the service files (with this node and this package) and enable them')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const r = await installService();
      if (opts.json) return printJson(r);
      printReport('installed', r);
    });
  service
    .command('uninstall')
    .description('stop and disable the service and remove its files')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const r = await uninstallService();
      if (opts.json) return printJson(r);
      printReport('uninstalled', r);
    });
  service
    .command('status')
    .description('show whether the service files are installed and what the service manager says (exit 0 when installed)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const s = await serviceStatus();
      if (opts.json) printJson(s);
      else {
        console.log(`${bold(s.manager)} ${s.installed ? green('installed') : yellow('not installed')} ${dim(s.dir)}`);
        for (const f of s.files) console.log(`  ${f.present ? green('✓') : yellow('✗')} ${f.path}`);
        if (s.enabled !== null) console.log(`  enabled  ${s.enabled ? 'yes' : 'no'}`);
        if (!s.reachable) console.log(dim('  the service manager is not reachable from here (no user bus)'));
        for (const [unit, state] of Object.entries(s.states)) console.log(`  ${unit}  ${state}`);
      }
      process.exitCode = s.installed ? 0 : 3;
    });

  const hooks = program.command('hooks').description("install, remove or check contextd's git hooks in one repository (`contextd add` does this for you)");
  hooks
    .command('install')
    .argument('[path]', 'a path inside the repository', '.')
    .description('install post-commit/checkout/merge/rewrite hooks, chaining any existing hook')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const root = await findRepoRoot(resolve(path));
      const r = await installHooks(root, { node: process.execPath, notifyScript: join(PACKAGE_ROOT, 'hooks', 'notify.mjs'), socketPath: controlSocketPath() });
      if (opts.json) return printJson(r);
      console.log(`${green('hooks')} in ${r.hooksDir}${r.shared ? yellow(' (shared core.hooksPath: applies to every repository using it)') : ''}`);
      for (const h of r.hooks) console.log(`  ${h.hook.padEnd(14)} ${h.action}${h.chained === 'active' ? dim(' (chains your existing hook)') : ''}`);
    });
  hooks
    .command('uninstall')
    .argument('[path]', 'a path inside the repository', '.')
    .description('remove our hooks and put back the ones they chained')
    .option('--json', 'print the report as JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const r = await uninstallHooks(await findRepoRoot(resolve(path)));
      if (opts.json) return printJson(r);
      for (const h of r.hooks) console.log(`  ${h.hook.padEnd(14)} ${h.action}`);
    });
  hooks
    .command('status')
    .argument('[path]', 'a path inside the repository', '.')
    .description('show which hooks are installed')
    .option('--json', 'print JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const r = await hookStatus(await findRepoRoot(resolve(path)));
      if (opts.json) return printJson(r);
      console.log(`hooks in ${r.hooksDir}`);
      for (const h of r.hooks) console.log(`  ${h.hook.padEnd(14)} ${h.state}${h.chained === 'active' ? dim(' (chains an existing hook)') : ''}`);
    });
}
