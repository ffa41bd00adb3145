import type { Command } from 'commander';
import { ContextdError } from '../errors.js';
import { bold, cyan, dim, parseLimit, printJson } from './output.js';
import { withEngine } from './run.js';

interface RelatedFlags {
  repo?: string;
  limit?: number;
  maxFiles?: number;
  json?: boolean;
}

function parseMaxFiles(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new ContextdError('bad-argument', `--max-files must be a positive integer (got ${JSON.stringify(value)})`, { exitCode: 2 });
  }
  return n;
}

export function registerRelatedCommand(program: Command): void {
  program
    .command('related')
    .description('files that most often change in the same commits as this one (co-change), with counts and a confidence')
    .argument('<file>', 'a file (relative to the current directory or to --repo)')
    .option('--repo <path>', 'the repository (any path inside it); default: the one around the file')
    .option('--limit <n>', 'number of files', parseLimit)
    .option('--max-files <n>', 'ignore commits that changed more files than this (default: history.maxCommitFiles, 50)', parseMaxFiles)
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      `
confidence = commits that changed both / commits that changed the file. Renames are followed
(a partner's older name counts as the file it became). Merge commits are not counted (their
changes are counted in the commits they merge).

JSON: { repo, path, formerNames, commits, ignoredCommits, maxFiles, related: [{ path, count, confidence, exists }] }.`,
    )
    .action(async (file: string, flags: RelatedFlags) => {
      await withEngine(async (engine) => {
        const report = await engine.related(file, { repo: flags.repo, limit: flags.limit, maxFiles: flags.maxFiles });
        if (flags.json) {
          printJson(report);
          return;
        }
        const ignored = report.ignoredCommits ? `, ignoring ${report.ignoredCommits} over ${report.maxFiles} files` : '';
        console.log(`${cyan(report.path)}  ${dim(`${report.commits} commit${report.commits === 1 ? '' : 's'}${ignored}`)}`);
        if (!report.related.length) {
          console.log(
            dim(report.commits ? '  no other file changed in the same commits' : '  no commits changed this file (is it committed? run contextd index)'),
          );
          return;
        }
        const width = Math.min(60, Math.max(...report.related.map((r) => r.path.length)));
        for (const r of report.related) {
          const bar = '█'.repeat(Math.max(1, Math.round(r.confidence * 10)));
          console.log(
            `  ${(r.exists ? r.path : r.path + ' (gone)').padEnd(width + 7)}  ${bold(String(r.count).padStart(4))}  ${r.confidence.toFixed(2)} ${dim(bar)}`,
          );
        }
      });
    });
}
