/** `contextd metrics` (Prometheus text from the control socket) and `contextd dashboard` (the monitoring endpoint's URL). */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { ContextdError } from '../errors.js';
import { daemonCall, ensureDaemon } from './daemon-client.js';
import { dim, printJson } from './output.js';

export function registerMetricsCommands(program: Command): void {
  program
    .command('metrics')
    .description("print the running daemon's Prometheus metrics (the text /metrics serves), read over the control socket")
    .option('--json', 'print the metric families as JSON (name, help, type, values with labels)')
    .addHelpText('after', '\nThe same metrics are scraped over HTTP at /metrics when [http] listen is set (or after `contextd dashboard`).')
    .action(async (opts: { json?: boolean }) => {
      const res = await daemonCall<{ text: string; families?: unknown }>('metrics', { format: opts.json ? 'json' : 'text' });
      if (opts.json) printJson(res.families);
      else process.stdout.write(res.text);
    });

  program
    .command('dashboard')
    .description('start the HTTP endpoint (/metrics, /health, the dashboard) if it is not running, and print the dashboard URL (with its token)')
    .option('--port <n>', 'port on 127.0.0.1 when [http] listen is not set (default 7420; a free one when taken)', parsePort)
    .option('--open', 'open the URL in the default browser as well')
    .option('--json', 'print { url, dashboardUrl, port } as JSON')
    .addHelpText(
      'after',
      '\nThe URL carries a per-user token (the http-token file in the data directory): keep it to yourself; the page shows repository paths and queries.',
    )
    .action(async (opts: { port?: number; open?: boolean; json?: boolean }) => {
      await ensureDaemon();
      const res = await daemonCall<{ url: string; dashboardUrl: string; port: number }>('http.start', opts.port === undefined ? {} : { port: opts.port });
      if (opts.json) printJson(res);
      else {
        console.log(res.dashboardUrl);
        console.log(dim(`  metrics ${res.url}/metrics · health ${res.url}/health`));
      }
      if (opts.open) openInBrowser(res.dashboardUrl);
    });
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ContextdError('bad-argument', `--port must be an integer from 0 to 65535 (got ${JSON.stringify(value)})`, { exitCode: 2 });
  return n;
}

function openInBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => process.stderr.write(dim(`(could not run ${opener}; open the URL yourself)`) + '\n'));
  child.unref();
}
