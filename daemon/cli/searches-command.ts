/** `contextd searches`: the search history (CLI, MCP, LSP), newest first; `--clear` empties it. */
import type { Command } from 'commander';
import { isoTime, parseTimeSpec } from '../search/time.js';
import type { SearchLogEntry } from '../types.js';
import { daemonCall } from './daemon-client.js';
import { withEngine } from './run.js';
import { cyan, dim, green, parseLimit, printJson, yellow } from './output.js';

export function registerSearchesCommand(program: Command): void {
  program
    .command('searches')
    .description('list recent searches made through the CLI, MCP and LSP (time, front end, repository, mode, query, hits, latency, what was opened next)')
    .option('--since <when>', 'only searches since: a duration (2h, 3d, 2w) or a date (2025-01-01)')
    .option('--limit <n>', 'at most this many (default 50)', parseLimit)
    .option('--clear', "delete this machine's search history")
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nHistory is on by default; turn it off with [history] searches = false (CONTEXTD_SEARCH_HISTORY=0); entries older than' +
        '\n[history] searchRetentionDays (default 30) are dropped. JSON entries carry: id, at (epoch ms), frontEnd, repo, mode, query,' +
        '\nhits, latencyMs, outcome (hits, empty, error), openedPath, openedRank (the hit an MCP client read next with get_code).',
    )
    .action(async (opts: { since?: string; limit?: number; clear?: boolean; json?: boolean }) => {
      const since = opts.since ? parseTimeSpec(opts.since, 'start', '--since') * 1000 : undefined;
      // The daemon writes its searches in batches: have it write what it holds first (no daemon: nothing held).
      await daemonCall('searches.flush', {}, 1000).catch(() => undefined);
      await withEngine(async (engine) => {
        if (opts.clear) {
          const removed = await engine.searches.clear();
          if (opts.json) return printJson({ cleared: removed });
          console.log(`${green('cleared')} ${removed} search(es)`);
          return;
        }
        const entries = await engine.searches.list({ since, limit: opts.limit ?? 50 });
        if (opts.json) return printJson(entries);
        if (!entries.length) {
          console.log(dim(engine.searches.enabled ? 'no searches recorded yet' : 'search history is off ([history] searches = false)'));
          return;
        }
        for (const e of entries) console.log(line(e));
      });
    });
}

function line(e: SearchLogEntry): string {
  const where = e.repo ? e.repo : 'all repositories';
  const outcome = e.outcome === 'error' ? yellow('error') : `${e.hits} hit${e.hits === 1 ? '' : 's'}`;
  const opened = e.openedPath ? `  → opened ${e.openedPath}${e.openedRank ? ` (#${e.openedRank})` : ''}` : '';
  return `${dim(isoTime(Math.floor(e.at / 1000)))} ${e.frontEnd.padEnd(3)} ${e.mode.padEnd(8)} ${cyan(JSON.stringify(e.query))}  ${outcome} · ${e.latencyMs.toFixed(1)} ms · ${dim(where)}${opened}`;
}
