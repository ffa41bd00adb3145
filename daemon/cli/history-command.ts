import type { Command } from 'commander';
import { bold, cyan, dim, parseLimit, printJson, yellow } from './output.js';
import { day, formatRanges, shortSha, summaryLines } from './history-format.js';
import { withEngine } from './run.js';

interface HistoryFlags {
  repo?: string;
  limit?: number;
  json?: boolean;
}

export function registerHistoryCommand(program: Command): void {
  program
    .command('history')
    .description('the commits that shaped a file, a line range or a symbol, newest first, with the lines each one owns now (git blame)')
    .argument('<target>', 'file, file:LINE, file:START-END or file#SYMBOL (relative to the current directory or to --repo)')
    .option('--repo <path>', 'the repository (any path inside it); default: the one around the file')
    .option('--limit <n>', 'show at most this many commits', parseLimit)
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Examples:
  contextd history src/cache.py             every commit that changed the file (renames followed)
  contextd history src/cache.py:17-22       who owns these lines now, and since when
  contextd history src/cache.py#invalidate  the same for a symbol

JSON: { repo, path, startLine, endLine, symbol, summary, commits: [{ sha, author, email, date, subject, body, lines, ranges }], fileCommits, formerNames }.
Lines not committed yet appear first, with sha null.`,
    )
    .action(async (target: string, flags: HistoryFlags) => {
      await withEngine(async (engine) => {
        const report = await engine.history(target, { repo: flags.repo });
        const commits = flags.limit ? report.commits.slice(0, flags.limit) : report.commits;
        if (flags.json) {
          printJson({ ...report, commits });
          return;
        }
        const where = `${report.path}:${report.startLine}-${report.endLine}`;
        console.log(`${cyan(where)}${report.symbol ? '  ' + bold(report.symbol) : ''}`);
        for (const l of summaryLines(report.summary)) console.log(`  ${l}`);
        if (report.formerNames.length) console.log(`  ${dim(`formerly ${report.formerNames.join(', ')}`)}`);
        console.log(`  ${dim(`${report.fileCommits} commit${report.fileCommits === 1 ? '' : 's'} changed this file`)}`);
        if (!commits.length) {
          console.log(dim('  no commits own these lines yet'));
          return;
        }
        console.log('');
        const authorWidth = Math.min(24, Math.max(...commits.map((c) => (c.author ?? '').length), 4));
        for (const c of commits) {
          const who = (c.author ?? '').padEnd(authorWidth);
          const lines = c.lines ? `${c.lines} line${c.lines === 1 ? '' : 's'} (${formatRanges(c.ranges)})` : dim('no lines left');
          const subject = c.sha === null ? yellow(c.subject) : c.subject;
          console.log(`  ${yellow(shortSha(c.sha))}  ${day(c.date)}  ${who}  ${subject}  ${dim('·')} ${lines}`);
        }
        if (commits.length < report.commits.length) console.log(dim(`  … ${report.commits.length - commits.length} more (--limit)`));
      });
    });
}
