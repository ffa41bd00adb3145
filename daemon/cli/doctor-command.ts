import type { Command } from 'commander';
import { backendWord, type BackendReport } from '../backends/health.js';
import { loadConfig } from '../config/config.js';
import { ContextdError } from '../errors.js';
import { bold, dim, green, printJson, yellow } from './output.js';

function parseTimeout(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 100 || n > 60_000)
    throw new ContextdError('bad-argument', `--timeout must be milliseconds between 100 and 60000 (got ${JSON.stringify(v)})`, { exitCode: 2 });
  return n;
}

const MARK: Record<BackendReport['state'], string> = { ok: 'ok', degraded: 'degraded', down: 'FAIL', off: 'off' };

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description('check the configured services (store, Redis, Qdrant, Ollama): reachable, version, latency, models; explain each failure with its fix')
    .option('--timeout <ms>', 'per check', parseTimeout, 3000)
    .option('--json', 'print JSON: { ok, checks: [{ name, kind, state, configured, url, version, latencyMs, detail, fix }] }')
    .addHelpText('after', '\nExit status: 0 when everything configured works, 1 when a configured service is broken.')
    .action(async (opts: { timeout: number; json?: boolean }) => {
      const { runDoctor } = await import('../backends/doctor.js');
      const report = await runDoctor(loadConfig(), opts.timeout);
      process.exitCode = report.ok ? 0 : 1;
      if (opts.json) return printJson(report);
      for (const c of report.checks) {
        const word = backendWord({ healthy: c.state === 'ok' || c.state === 'off', state: c.state, fix: c.fix });
        const mark = word === 'ok' ? green(MARK.ok) : word === 'off' ? dim(MARK.off) : word === 'unavailable' ? yellow('unavailable') : yellow(MARK[c.state]);
        const facts = [
          c.url,
          c.version ? (/^\d/.test(c.version) ? `v${c.version}` : c.version) : null,
          c.latencyMs !== null && c.latencyMs !== undefined ? `${c.latencyMs} ms` : null,
        ]
          .filter(Boolean)
          .join(' · ');
        console.log(`${mark.padEnd(8)} ${bold(c.name.padEnd(8))} ${c.kind}${facts ? dim(`  ${facts}`) : ''}`);
        console.log(`         ${c.detail}`);
        if (c.fix && c.state !== 'ok') console.log(`         ${yellow('fix:')} ${c.fix}`);
      }
      console.log(report.ok ? green('\neverything configured works') : yellow('\nsomething configured is broken (see FAIL above)'));
    });
}
