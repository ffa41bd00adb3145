import type { Command } from 'commander';
import { bold, collectList, cyan, dim, parseLimit, printJson } from './output.js';
import { defaultRepo, withEngine } from './run.js';

interface SearchFlags {
  repo?: string;
  lang?: string[];
  path?: string[];
  limit?: number;
  json?: boolean;
}

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('search indexed code (lexical BM25 + symbols, fused); defaults to the repository around the current directory')
    .argument('<query...>', 'words, identifiers or a sentence')
    .option('--repo <path>', 'only this repository (any path inside it)')
    .option('--lang <language>', 'only these languages (repeatable or comma-separated: python,go)', collectList)
    .option('--path <glob>', 'only paths matching this glob (repeatable; `*.py`, `src/**`)', collectList)
    .option('--limit <n>', 'number of hits', parseLimit)
    .option('--json', 'print a JSON array of hits')
    .addHelpText(
      'after',
      `\nJSON hits carry: repo, path (repo-relative), startLine, endLine (1-based, inclusive), symbol, kind, language, score, snippet, retrievers.`,
    )
    .action(async (words: string[], flags: SearchFlags) => {
      await withEngine(async (engine) => {
        const query = words.join(' ');
        const hits = await engine.search(query, {
          repo: await defaultRepo(engine, flags.repo),
          languages: flags.lang,
          paths: flags.path,
          limit: flags.limit,
        });
        if (flags.json) {
          printJson(
            hits.map((h) => ({
              repo: h.repo,
              path: h.path,
              startLine: h.startLine,
              endLine: h.endLine,
              symbol: h.symbol,
              kind: h.kind,
              language: h.language,
              score: h.score,
              snippet: h.snippet,
              retrievers: h.retrievers,
            })),
          );
          return;
        }
        if (!hits.length) {
          console.log(dim(`no results for ${JSON.stringify(query)}`));
          return;
        }
        for (const h of hits) {
          const where = `${h.path}:${h.startLine}-${h.endLine}`;
          console.log(`${cyan(where)}  ${bold(h.symbol ?? '(' + h.kind + ')')}  ${dim(`${h.language} · ${h.score.toFixed(4)} · ${h.retrievers.join('+')}`)}`);
          for (const line of h.snippet.split('\n')) console.log(`    ${line}`);
        }
      });
    });
}
