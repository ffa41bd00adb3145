import type { Command } from 'commander';
import { resolve } from 'node:path';
import { ContextdError } from '../errors.js';
import { DaemonUnavailableError } from '../server/rpc-client.js';
import { daemonCall } from './daemon-client.js';
import type { LocateModelInfo, LocateResult } from '../engine.js';
import type { Metrics } from '../locate/model.js';
import { bold, cyan, dim, parseLimit, printJson } from './output.js';
import { withEngine } from './run.js';

interface LocateFlags {
  repo?: string;
  limit?: number;
  json?: boolean;
  explain?: boolean;
  retrain?: boolean;
}

const pct = (m: Metrics) => `R@1 ${m.r1.toFixed(2)}  R@5 ${m.r5.toFixed(2)}  MRR@10 ${m.mrr10.toFixed(2)}`;

/** The training behind the weights, for --explain (what was replayed, what it scored). */
export function explainModel(m: LocateModelInfo): string[] {
  const t = m.training;
  const out = [
    `${bold('weights')} ${m.source === 'learned' ? 'learned from this repository' : 'defaults'} (${t.reason})`,
    `  ${Object.entries(m.weights)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; test files ×${m.testFactor}`,
  ];
  if (m.trainedCommit) {
    out.push(`  trained ${new Date((m.trainedAt ?? 0) * 1000).toISOString()} at ${m.trainedCommit.slice(0, 12)} over ${m.historyCommits} commits (none newer)`);
  }
  if (t.train) {
    out.push(`  replayed ${t.queries} past commits (message → the files it changed, history before it only)`);
    out.push(`    defaults: ${pct(t.train.defaults)}`);
    out.push(`    learned:  ${pct(t.train.learned)}  (in sample)`);
  }
  if (t.validation) {
    out.push(`  fitted on the older ${t.validation.fitOn}, measured on the newest ${t.validation.evalOn}:`);
    out.push(`    defaults: ${pct(t.validation.defaults)}`);
    out.push(`    learned:  ${pct(t.validation.learned)}`);
  }
  return out;
}

export function formatLocate(r: LocateResult, explain: boolean): string[] {
  const out: string[] = [];
  if (!r.files.length) out.push(dim('no file matches the description (is the repository indexed? run contextd index)'));
  r.files.forEach((f, i) => {
    const role = f.role === 'test' ? dim(' [test]') : '';
    out.push(`${String(i + 1).padStart(2)}. ${cyan(f.path)}${role}  ${dim(f.score.toFixed(3))}`);
    for (const reason of f.reasons) out.push(`      ${dim('·')} ${reason}`);
    if (explain) {
      out.push(
        `      ${dim(
          Object.entries(f.signals)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join('  '),
        )}`,
      );
    }
  });
  if (explain) out.push('', ...explainModel(r.model));
  return out;
}

/**
 * The running daemon's answer (its corpus is warm: a one-shot process builds it, seconds on a
 * large repository), or null when no daemon answers or it predates `locate`.
 */
async function locateInDaemon(params: { description: string; repo: string; limit?: number; retrain?: boolean }): Promise<LocateResult | null> {
  if (process.env.CONTEXTD_LOCATE_IN_PROCESS === '1') return null;
  try {
    // Training on a large history can take a minute or two.
    return await daemonCall<LocateResult>('locate', params, 600_000);
  } catch (err) {
    if (err instanceof DaemonUnavailableError) return null;
    if (err instanceof ContextdError && err.code === 'daemon-error' && /unknown method/.test(err.message)) return null;
    throw err;
  }
}

export function registerLocateCommand(program: Command): void {
  program
    .command('locate')
    .description('which files a described change would touch: ranked files with reasons, learned from the repository history')
    .argument('<description...>', 'the change, in words (a bug report, a task, a commit subject)')
    .option('--repo <path>', 'the repository (any path inside it); default: the current directory')
    .option('--limit <n>', 'number of files (default 10)', parseLimit)
    .option('--explain', 'show each signal per file and how the weights were learned')
    .option('--retrain', 'learn the weights again now (they are retrained by themselves as the history grows)')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Signals: the file's text (BM25 over whole files), the description naming the file's
directory or name, the best chunk hits of the hybrid search, past commits with similar
messages (the files they changed), co-change with those files, recency and churn. The
weights are learned per repository by replaying its own commits (message → the files it
changed, against the history before it; none newer than the indexed commit) and stored
with the index; a repository with little history uses defaults. With a daemon running,
the daemon answers (its corpus stays warm); CONTEXTD_LOCATE_IN_PROCESS=1 answers here.
Test files are ranked below sources unless the description is about tests, and marked.

JSON: [{ path, score, role, paired, reasons, signals }] (reasons: one line each);
with --explain: { repo, indexedCommit, files, model: { source, weights, testFactor,
trainedCommit, trainedAt, historyCommits, training }, training, via: daemon | in-process }.`,
    )
    .action(async (words: string[], flags: LocateFlags) => {
      const description = words.join(' ').trim();
      if (!description) throw new ContextdError('bad-argument', 'describe the change to locate', { exitCode: 2 });
      const print = (r: LocateResult, via: 'daemon' | 'in-process') => {
        if (flags.json) printJson(flags.explain ? { ...r, via } : r.files);
        else for (const line of formatLocate(r, flags.explain ?? false)) console.log(line);
      };
      const viaDaemon = await locateInDaemon({ description, repo: resolve(flags.repo ?? process.cwd()), limit: flags.limit, retrain: flags.retrain });
      if (viaDaemon) {
        print(viaDaemon, 'daemon');
        return;
      }
      await withEngine(async (engine) =>
        print(await engine.locate(description, { repo: flags.repo, limit: flags.limit, retrain: flags.retrain }), 'in-process'),
      );
    });
}
