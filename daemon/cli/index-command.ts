import type { Command } from 'commander';
import type { IndexSummary } from '../index/indexer.js';
import { SKIP_REASONS } from '../repo/skip-reasons.js';
import { withEngine } from './run.js';
import { bold, dim, formatBytes, formatDuration, printJson } from './output.js';
import { indexProgressBar } from './progress.js';
import { embedProgressBar } from './embed-progress.js';
import { resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import { previewRepository } from '../index/preview.js';
import { printPreview } from './preview-output.js';
import type { EmbedRunSummary } from '../embed/service.js';

export function registerIndexCommand(program: Command): void {
  program
    .command('index')
    .description('index a git repository in-process (no daemon needed); re-runs only reprocess changed files')
    .argument('[path]', 'a path inside the repository', '.')
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'do not draw a progress bar')
    .option('--no-embed', 'skip computing embeddings for semantic search (lexical and symbol search work without them)')
    .option('--dry-run', 'show what would be indexed (files and bytes by language, skips by reason, estimate) and stop')
    .addHelpText(
      'after',
      `\nBy default the run also embeds new chunks for semantic search, after the lexical index is stored
(search works as soon as that is done). The built-in model learns its vectors from the repository
once (seconds: ~16 s for 15k chunks) and then embeds over 10,000 chunks a second, so waiting costs
little; with an Ollama model it can take long: pass --no-embed and let the
daemon (\`contextd add\`) embed in the background. Chunks embedded once are never embedded again.`,
    )
    .action(async (path: string, opts: { json?: boolean; progress: boolean; embed: boolean; dryRun?: boolean }) => {
      if (opts.dryRun) {
        // A preview reads the tree only: no index is opened or written.
        const preview = await previewRepository(loadConfig().index, resolve(path));
        if (opts.json) printJson(preview);
        else printPreview(preview);
        return;
      }
      await withEngine(async (engine) => {
        const bar = indexProgressBar(opts.progress && !opts.json);
        let embedding: (EmbedRunSummary & { error?: string }) | null = null;
        let embedRun: Promise<void> | null = null;
        const ebar = embedProgressBar(opts.progress && !opts.json);
        // One bar at a time on the terminal: the embedding bar shows once the index bar is done.
        let indexed = false;
        // Embedding starts as soon as the files are stored (search works from then on) and overlaps history enrichment.
        const startEmbedding = () => {
          embedRun ??= engine
            .embedPending({ onProgress: (p) => indexed && ebar.update(p) })
            .then(
              (e) => void (embedding = e),
              // Lexical search is indexed and works; semantic search catches up on the next run.
              (err: unknown) =>
                void (embedding = {
                  model: null,
                  embedded: 0,
                  total: 0,
                  added: 0,
                  trained: false,
                  promoted: false,
                  durationMs: 0,
                  error: (err as Error).message,
                }),
            )
            .finally(() => ebar.stop());
        };
        let summary: IndexSummary;
        try {
          summary = await engine.index(path, { onProgress: (p) => bar.update(p), onFilesStored: opts.embed ? startEmbedding : undefined });
        } catch (err) {
          // The engine closes after this: a run already embedding finishes first.
          await embedRun;
          throw err;
        } finally {
          bar.stop();
          indexed = true;
        }
        if (opts.embed) {
          startEmbedding();
          await embedRun;
        }
        if (opts.json) printJson(embedding ? { ...summary, embedding } : summary);
        else {
          printSummary(summary);
          if (embedding) printEmbedding(embedding);
        }
      });
    });
}

function printEmbedding(e: EmbedRunSummary & { error?: string }): void {
  if (e.error) {
    console.log(`  vectors  not updated: ${e.error} ${dim('(lexical search works; run again to retry)')}`);
    return;
  }
  if (!e.model) return;
  const rate = e.added && e.durationMs ? dim(` (${Math.round(e.added / (e.durationMs / 1000))} chunks/s)`) : '';
  console.log(`  vectors  ${e.embedded}/${e.total} distinct chunks embedded, ${e.added} this run${rate} ${dim(e.model)}`);
}

function describeReason(reason: string): string {
  const known = (SKIP_REASONS as Record<string, string>)[reason];
  return known ? `${reason} (${known})` : reason;
}

function printSummary(s: IndexSummary): void {
  const secs = s.durationMs / 1000;
  const mbps = secs > 0 ? s.bytesParsed / 1024 / 1024 / secs : 0;
  console.log(`${bold('indexed')} ${s.root}${s.head ? dim(` @ ${s.head.slice(0, 12)}`) : dim(' (no commits yet)')}`);
  console.log(`  files    ${s.files} (${formatBytes(s.bytes)})`);
  console.log(`  chunks   ${s.chunks}`);
  console.log(`  symbols  ${s.symbols}`);
  const langs = Object.entries(s.languages)
    .sort((a, b) => b[1] - a[1])
    .map(([l, n]) => `${l} ${n}`)
    .join(', ');
  if (langs) console.log(`  languages ${langs}`);
  console.log(`  this run ${s.parsed} parsed, ${s.reused} reused, ${s.unchanged} unchanged, ${s.deleted} removed; ${s.newChunks} new chunks`);
  const skipped = Object.entries(s.skipped).sort((a, b) => b[1] - a[1]);
  const totalSkipped = skipped.reduce((n, [, c]) => n + c, 0);
  if (totalSkipped || s.ignored) {
    console.log(`  skipped  ${totalSkipped} file(s)${s.ignored ? `, plus ${s.ignored} git-ignored entr${s.ignored === 1 ? 'y' : 'ies'}` : ''}`);
    for (const [reason, n] of skipped) console.log(`           ${String(n).padStart(5)}  ${describeReason(reason)}`);
  }
  if (s.history) {
    const h = s.history;
    const skipped = Object.entries(h.skipped)
      .map(([r, n]) => `${n} ${r}`)
      .join(', ');
    const walked = h.commitsWalked
      ? ` (${h.commitsWalked} read${h.fullLog ? ', full walk' : ''}${h.commitsRemoved ? `, ${h.commitsRemoved} no longer reachable` : ''})`
      : '';
    const attributed = h.attributed ? `, ${h.attributed} attributed from the log` : '';
    console.log(
      `  history  ${h.commits} commits${walked}; ${h.blamed} file(s) blamed${attributed}${h.uncommitted ? `, ${h.uncommitted} not committed yet` : ''}${skipped ? `; not blamed: ${skipped}` : ''} ${dim(`(${formatDuration(h.durationMs)})`)}`,
    );
    for (const e of h.errors.slice(0, 5)) console.log(dim(`           ${e.path}: ${e.error}`));
  } else if (s.historyError) console.log(`  history  failed: ${s.historyError}`);
  if (s.shallow) console.log('  note     shallow clone: history is truncated');
  console.log(`  time     ${formatDuration(s.durationMs)}${s.bytesParsed ? dim(` (${mbps.toFixed(1)} MB/s parsed)`) : ''}`);
}
