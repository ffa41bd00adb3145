import type { Command } from 'commander';
import { bold, cyan, dim, parseLimit, printJson, yellow } from './output.js';
import { day, shortSha } from './history-format.js';
import { withEngine } from './run.js';

interface ChangesFlags {
  repo?: string;
  since?: string;
  until?: string;
  author?: string;
  limit?: number;
  json?: boolean;
}

export function registerChangesCommand(program: Command): void {
  program
    .command('changes')
    .description('what changed recently, grouped by file and symbol, with commit subjects')
    .option('--since <when>', 'a duration (2w, 3d, 12h, 6mo, 1y) or a date (2025-01-01)', '1w')
    .option('--until <when>', 'same forms as --since; a date means the end of that day')
    .option('--author <name>', 'only commits by this author (substring of name or email)')
    .option('--repo <path>', 'the repository (any path inside it); default: the current directory')
    .option('--limit <n>', 'number of files', parseLimit)
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
Dates are author dates. Only commits reachable from HEAD count. Symbols are the chunks where
the window's commits still own lines (git blame).

JSON: { repo, since, until, commits: [{ sha, author, email, date, subject }],
        files: [{ path, status, oldPath, exists, commits, symbols: [{ symbol, kind, startLine, endLine, lines, commits }] }], truncated }.`,
    )
    .action(async (flags: ChangesFlags) => {
      await withEngine(async (engine) => {
        const report = await engine.changes({ repo: flags.repo, since: flags.since, until: flags.until, author: flags.author, limit: flags.limit });
        if (flags.json) {
          printJson(report);
          return;
        }
        const window = `${report.since ? 'since ' + day(report.since) : ''}${report.until ? ' until ' + day(report.until) : ''}`.trim();
        console.log(dim(`${report.commits.length} commit${report.commits.length === 1 ? '' : 's'} ${window}${report.truncated ? ' (more not shown)' : ''}`));
        if (!report.files.length) {
          console.log(dim('no changes in that window'));
          return;
        }
        for (const f of report.files) {
          const status = f.status === 'renamed' && f.oldPath ? `renamed from ${f.oldPath}` : f.status;
          console.log(`${cyan(f.path)}  ${dim(status)}`);
          for (const c of f.commits) console.log(`  ${yellow(shortSha(c.sha))}  ${day(c.date)}  ${c.author}  ${c.subject}`);
          for (const s of f.symbols) {
            const who = s.commits.map((sha) => shortSha(sha)).join(', ');
            console.log(`    ${bold(s.symbol ?? `(${s.kind})`)} ${dim(`${s.startLine}-${s.endLine}, ${s.lines} line${s.lines === 1 ? '' : 's'} by ${who}`)}`);
          }
        }
      });
    });
}
