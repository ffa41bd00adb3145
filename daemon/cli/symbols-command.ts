import type { Command } from 'commander';
import { bold, collectList, cyan, dim, parseLimit, printJson } from './output.js';
import { defaultRepo, withEngine } from './run.js';

interface SymbolsFlags {
  repo?: string;
  kind?: string[];
  lang?: string[];
  limit?: number;
  json?: boolean;
}

export function registerSymbolsCommand(program: Command): void {
  program
    .command('symbols')
    .description('fuzzy symbol lookup: exact > prefix > camel/snake-case initials > substring > subsequence')
    .argument('<query>', 'a name or part of one (`parseJson`, `pjc`)')
    .option('--repo <path>', 'only this repository (any path inside it)')
    .option('--kind <kind>', 'only these kinds (class, function, method, struct, interface, …; repeatable)', collectList)
    .option('--lang <language>', 'only these languages (repeatable or comma-separated)', collectList)
    .option('--limit <n>', 'number of symbols', parseLimit)
    .option('--json', 'print a JSON array')
    .action(async (query: string, flags: SymbolsFlags) => {
      await withEngine(async (engine) => {
        const hits = await engine.symbols(query, {
          repo: await defaultRepo(engine, flags.repo),
          kinds: flags.kind,
          languages: flags.lang,
          limit: flags.limit,
        });
        if (flags.json) {
          printJson(
            hits.map((h) => ({
              repo: h.repo,
              name: h.name,
              kind: h.kind,
              container: h.container,
              path: h.path,
              startLine: h.startLine,
              endLine: h.endLine,
              line: h.nameLine,
              column: h.nameColumn,
              language: h.language,
              signature: h.signature,
              match: h.match,
              score: h.score,
            })),
          );
          return;
        }
        if (!hits.length) {
          console.log(dim(`no symbols match ${JSON.stringify(query)}`));
          return;
        }
        for (const h of hits) {
          const full = h.container ? `${h.container}.${h.name}` : h.name;
          console.log(`${bold(full)}  ${dim(h.kind)}  ${cyan(`${h.path}:${h.nameLine}`)}  ${dim(h.match)}`);
          console.log(`    ${h.signature}`);
        }
      });
    });
}
