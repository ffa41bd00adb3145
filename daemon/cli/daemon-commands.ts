import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { loadConfig } from '../config/config.js';
import { ContextdError } from '../errors.js';
import { previewRepository } from '../index/preview.js';
import { printPreview } from './preview-output.js';
import { lockOwner } from '../server/lock.js';
import { lastStartFailure } from '../server/start-failure.js';
import { DaemonUnavailableError } from '../server/rpc-client.js';
import { backendWord } from '../backends/health.js';
import type { DaemonStatus, RepoStatus } from '../server/status.js';
import { controlSocketPath, daemonCall } from './daemon-client.js';
import { bold, dim, formatDuration, green, printJson, yellow } from './output.js';
import type { HookInstallReport } from '../repo/hooks-installer.js';
import { CHAINED_SUFFIX } from '../repo/hook-script.js';

export function registerDaemonCommands(program: Command): void {
  program
    .command('daemon')
    .description('run the daemon in the foreground (what systemd, launchd and `npm start` run)')
    .option('--quiet', 'log to the log file only, not to stderr')
    .action(async (opts: { quiet?: boolean }) => {
      const { Daemon } = await import('../server/daemon.js');
      const daemon = new Daemon({ stderrLogs: !opts.quiet });
      await daemon.start();
      const stop = () => void daemon.stop();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      await daemon.stopped;
      // Open client connections (an idle MCP or LSP session) must not keep a stopped daemon alive.
      process.exit(0);
    });

  program
    .command('add')
    .description('register a repository with the running daemon: install its git hooks, watch it, queue its first index')
    .argument('[path]', 'a path inside the repository', '.')
    .option('--wait', 'wait until the first index is done')
    .option('--dry-run', 'show what would be indexed (files and bytes by language, skips by reason, estimate) and stop')
    .option('--yes', 'add even when most of the tree looks like build output')
    .option('--json', 'print the result as JSON')
    .action(async (path: string, opts: { wait?: boolean; json?: boolean; dryRun?: boolean; yes?: boolean }) => {
      const preview = await previewRepository(loadConfig().index, resolve(path));
      if (opts.dryRun) {
        if (opts.json) printJson(preview);
        else printPreview(preview);
        return;
      }
      if (preview.buildOutput && !opts.yes) {
        const dirs = preview.buildOutput.dirs.map((d) => d + '/').join(', ');
        const question = `${Math.round(preview.buildOutput.share * 100)}% of what would be indexed is under ${dirs} (usually build output). Add anyway?`;
        const hint = `exclude it with [index] exclude = [${preview.buildOutput.dirs.map((d) => JSON.stringify(d + '/**')).join(', ')}] in ${join(loadConfig().paths.configDir, 'config.toml')}, or pass --yes`;
        if (!process.stdin.isTTY || opts.json) throw new ContextdError('looks-like-build-output', question.replace(' Add anyway?', ''), { hint, exitCode: 1 });
        if (!(await confirm(`${question} [y/N] `))) {
          console.log(dim(`not added; ${hint}`));
          process.exitCode = 1;
          return;
        }
      }
      const res = await daemonCall<{ root: string; hooks: Pick<HookInstallReport, 'hooksDir' | 'shared' | 'hooks'> | null }>('repo.add', {
        path: resolve(path),
      });
      if (opts.wait) await daemonCall('wait', { timeoutMs: 3_600_000 }, 3_600_000);
      if (opts.json) return printJson(res);
      console.log(`${green('added')} ${res.root}`);
      const conflicts = res.hooks?.hooks.filter((h) => h.action === 'conflict') ?? [];
      const installed = (res.hooks?.hooks.length ?? 0) - conflicts.length;
      if (res.hooks?.hooksDir && installed > 0) console.log(dim(`  git hooks installed in ${res.hooks.hooksDir}`));
      if (res.hooks?.shared) console.log(yellow('  note: core.hooksPath is shared; the hooks apply to every repository using it'));
      for (const h of conflicts) {
        console.log(
          yellow(
            `  note: ${h.hook} left as it is: it differs from ${h.hook}${CHAINED_SUFFIX}, which contextd chained earlier; delete the one you no longer want and run add again`,
          ),
        );
      }
      if (!opts.wait) console.log(dim('  indexing in the background; see `contextd status`'));
    });

  program
    .command('remove')
    .description('unregister a repository: stop watching it, remove our git hooks (others are kept), drop its index')
    .argument('[path]', 'a path inside the repository', '.')
    .option('--json', 'print the result as JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      const res = await daemonCall<{ root: string }>('repo.remove', { path: resolve(path) });
      if (opts.json) return printJson(res);
      console.log(`${green('removed')} ${res.root}`);
    });

  program
    .command('list')
    .description('list repositories known to the daemon, with their state')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const repos = await daemonCall<RepoStatus[]>('repo.list');
      if (opts.json) return printJson(repos);
      if (!repos.length) return console.log(dim('no repositories; add one with `contextd add <path>`'));
      for (const r of repos) console.log(repoLine(r));
    });

  program
    .command('status')
    .description('check the daemon like a system service: exit 0 when healthy, 1 when degraded (with the fix), 3 when not running or stopping')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      let status: DaemonStatus;
      try {
        status = await daemonCall<DaemonStatus>('status', {}, 2000);
      } catch (err) {
        if (err instanceof DaemonUnavailableError) {
          // Sockets close first on a stop: a daemon that still holds its lock is stopping, not gone.
          const stoppingPid = lockOwner(loadConfig().paths.dataDir);
          if (stoppingPid !== null) {
            if (opts.json) printJson({ running: true, stopping: true, healthy: false, pid: stoppingPid, controlSocket: controlSocketPath() });
            else console.log(`${bold('contextd')} ${yellow('stopping')} ${dim(`(pid ${stoppingPid}; it ends within a few seconds)`)}`);
            process.exitCode = 3;
            return;
          }
          const failure = lastStartFailure(loadConfig().paths.dataDir);
          if (opts.json) printJson({ running: false, healthy: false, controlSocket: controlSocketPath(), lastStartFailure: failure });
          else {
            console.log(`${bold('contextd')} ${yellow('not running')} ${dim(`(no answer on ${controlSocketPath()})`)}`);
            if (failure) {
              console.log(`  ${yellow('last start failed')} ${dim(failure.at)}: ${failure.message}`);
              if (failure.hint) console.log(`  fix: ${failure.hint}`);
            }
            console.log(dim('  start it with `contextd daemon`, or install the service: `contextd service install`'));
          }
          process.exitCode = 3;
          return;
        }
        throw err;
      }
      if (opts.json) printJson(status);
      else printStatus(status);
      process.exitCode = status.healthy ? 0 : 1;
    });

  program
    .command('stop')
    .description('stop the daemon gracefully: within a few seconds, keeping queued work for the next start')
    .action(async () => {
      try {
        await daemonCall('stop');
        console.log('stopping');
      } catch (err) {
        if (err instanceof DaemonUnavailableError) {
          console.log(dim('not running'));
          return;
        }
        throw err;
      }
    });
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

function ago(ts: number | null): string {
  if (!ts) return 'never';
  return `${formatDuration(Date.now() - ts)} ago`;
}

function repoLine(r: RepoStatus): string {
  const fresh = r.upToDate ? green('up to date') : r.state === 'idle' ? yellow('behind HEAD') : yellow(r.state);
  const progress = r.progress && r.progress.total ? ` ${r.progress.done}/${r.progress.total}` : '';
  const commit = r.indexedCommit ? r.indexedCommit.slice(0, 10) : '-';
  const head = r.head ? r.head.slice(0, 10) : '-';
  let line = `${bold(r.root)}  ${fresh}${progress}\n    ${r.files} files, ${r.chunks} chunks, ${r.symbols} symbols · indexed ${commit} (HEAD ${head}) · updated ${ago(r.lastIndexedAt)}`;
  if (r.pendingJobs) line += ` · ${r.pendingJobs} queued`;
  if (r.history)
    line += ` · history: ${r.history.commits} commits${r.history.shallow ? ' (shallow clone: truncated)' : ''}${r.history.pendingFiles ? `, ${r.history.pendingFiles} file(s) to blame` : ''}`;
  if (r.locate)
    line += ` · locate: ${r.locate.source === 'learned' ? `weights learned from ${r.locate.replayed} replayed commits` : 'default weights'} at ${r.locate.trainedCommit.slice(0, 10)}${r.locate.training ? ' (retraining)' : ''}`;
  if (!r.registered) line += dim(' · not watched (indexed by `contextd index`)');
  if (r.lastError) line += `\n    ${yellow('error:')} ${r.lastError}`;
  return line;
}

function printStatus(s: DaemonStatus): void {
  console.log(`${bold('contextd')} ${s.healthy ? green('running') : yellow('degraded')}  pid ${s.pid} · v${s.version} · up ${formatDuration(s.uptimeMs)}`);
  console.log(`  socket   ${s.paths.controlSocket}`);
  console.log(`  data     ${s.paths.dataDir}`);
  console.log(`  log      ${s.paths.log}`);
  if (s.paths.mcpHttp) console.log(`  mcp http ${s.paths.mcpHttp}${s.paths.httpTokenFile ? `  (bearer token in ${s.paths.httpTokenFile})` : ''}`);
  if (s.paths.http) console.log(`  http     ${s.paths.http} ${dim('(/metrics, /health; `contextd dashboard` prints the dashboard URL)')}`);
  if (s.paths.configFile) console.log(`  config   ${s.paths.configFile}`);
  for (const b of s.backends) {
    const word = backendWord(b);
    const state = word === 'off' ? dim('off') : word === 'ok' ? green('ok') : yellow(word);
    const facts = [
      b.url,
      b.version ? (/^\d/.test(b.version) ? `v${b.version}` : b.version) : null,
      typeof b.latencyMs === 'number' ? `${b.latencyMs} ms` : null,
    ]
      .filter(Boolean)
      .join(' · ');
    console.log(`  ${b.name.padEnd(8)} ${state} ${b.kind}${facts ? ` ${facts}` : ''} ${dim(b.detail)}`);
    if (b.fix && word !== 'ok' && word !== 'off') console.log(`           ${yellow('fix:')} ${b.fix}`);
  }
  for (const st of s.stalled ?? []) {
    console.log(`  ${yellow('stuck')}    ${st.what} since ${ago(st.since)}: ${st.reason}; ${st.waiting} chunk(s) waiting (search keeps answering without it)`);
  }
  console.log(`  queue    ${s.queue.pending} pending, ${s.queue.running} running`);
  if (s.audit?.calls) console.log(`  mcp      ${s.audit.calls} tool call(s), ${s.audit.errors} error(s) ${dim(`(audit log: ${s.audit.log})`)}`);
  if (!s.repos.length) console.log(dim('  no repositories; add one with `contextd add <path>`'));
  for (const r of s.repos) console.log('  ' + repoLine(r).replace(/\n/g, '\n  '));
}
