import type { Command } from 'commander';
import { citationWarnings, sourcesText } from '../ask/format.js';
import { bold, dim, parseLimit, printJson, yellow } from './output.js';
import { defaultRepo, withEngine } from './run.js';

interface AskFlags {
  repo?: string;
  model?: string;
  context?: number;
  json?: boolean;
}

export function registerAskCommand(program: Command): void {
  program
    .command('ask')
    .description('answer a question about the indexed code with a local model (Ollama), citing path:line; streams the answer as it is written')
    .argument('<question...>', 'e.g. "where is the retry delay computed?" or "why does load_config fail on empty files?"')
    .option('--repo <path>', 'only this repository (any path inside it); default: the one around the current directory')
    .option('--model <name>', 'the Ollama model (default: [ask] model, CONTEXTD_ASK_MODEL)')
    .option('--context <n>', 'code excerpts given to the model (default: [ask] contextChunks)', parseLimit)
    .option('--json', 'print one JSON object at the end instead of streaming')
    .addHelpText(
      'after',
      `
Needs an Ollama server (CONTEXTD_OLLAMA_HOST, default http://127.0.0.1:11434) with the model pulled
(\`ollama pull <model>\`). The question is analysed (intent: find / explain / fix / refactor; names and
paths it mentions), the code is retrieved with the hybrid search, and the model answers from those
excerpts only. Citations are checked afterwards: one pointing outside the excerpts, or a statement
without one, is listed under "Citation check".
JSON: { question, answer, model, intent, entities: { symbols, paths, keywords }, sources: [{ n, repo, path,
startLine, endLine, symbol, via }], citations: { ok, items: [{ text, path, startLine, endLine, status }], uncited },
timings: { retrievalMs, firstTokenMs, generationMs } }.`,
    )
    .action(async (words: string[], flags: AskFlags) => {
      await withEngine(async (engine) => {
        const question = words.join(' ');
        const abort = new AbortController();
        const onSigint = () => abort.abort(new Error('interrupted'));
        process.once('SIGINT', onSigint);
        let streamed = false;
        try {
          const r = await engine.ask(question, {
            repo: await defaultRepo(engine, flags.repo),
            model: flags.model,
            contextChunks: flags.context,
            signal: abort.signal,
            onContext: flags.json
              ? undefined
              : (context, analysis) => {
                  const named = [...analysis.symbols, ...analysis.paths.map((p) => p.path)];
                  process.stderr.write(
                    dim(`(${analysis.intent}${named.length ? `: ${named.join(', ')}` : ''}; ${context.length} excerpt${context.length === 1 ? '' : 's'})\n`),
                  );
                },
            onToken: flags.json
              ? undefined
              : (tok) => {
                  streamed = true;
                  process.stdout.write(tok);
                },
          });
          if (flags.json) {
            printJson({
              question: r.question,
              answer: r.answer,
              model: r.model,
              intent: r.intent,
              entities: { symbols: r.analysis.symbols, paths: r.analysis.paths, keywords: r.analysis.keywords },
              sources: r.context.map((c) => ({ n: c.n, repo: c.repo, path: c.path, startLine: c.startLine, endLine: c.endLine, symbol: c.symbol, via: c.via })),
              citations: { ok: r.citations.ok, items: r.citations.citations, uncited: r.citations.uncited },
              timings: r.timings,
            });
            return;
          }
          if (!streamed) process.stdout.write(r.answer);
          process.stdout.write('\n\n');
          const sources = sourcesText(r);
          if (sources) console.log(dim(sources));
          const warnings = citationWarnings(r);
          if (warnings.length) {
            console.log(yellow(bold('Citation check:')));
            for (const w of warnings) console.log(yellow(`  - ${w}`));
          } else if (r.context.length) console.log(dim('Citation check: every statement cites code the model was given.'));
        } finally {
          process.removeListener('SIGINT', onSigint);
        }
      });
    });
}
