/** A progress bar on stderr when it is a terminal; silent otherwise (scripts, CI, --json). */
import cliProgress from 'cli-progress';
import type { IndexProgress } from '../index/indexer.js';

export interface ProgressReporter {
  update(p: IndexProgress): void;
  stop(): void;
}

/** The bar every long CLI step shares: on stderr, cleared when done. */
export function stderrBar(format: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar(
    { stream: process.stderr, format, barsize: 30, hideCursor: true, clearOnComplete: true, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
}

export function indexProgressBar(enabled: boolean): ProgressReporter {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = stderrBar(' {phase} [{bar}] {value}/{total} files  {file}');
  let started = false;
  return {
    update(p) {
      if (p.phase === 'scan') {
        process.stderr.write(' scanning…\r');
        return;
      }
      if (p.phase !== 'index' && p.phase !== 'history') return;
      if (p.phase === 'history' && !p.total) return;
      const file = p.path ? (p.path.length > 40 ? '…' + p.path.slice(-39) : p.path) : '';
      const phase = p.phase === 'history' ? 'history ' : 'indexing';
      if (!started) {
        bar.start(p.total, p.done, { phase, file });
        started = true;
      } else {
        if (bar.getTotal() !== p.total) bar.setTotal(p.total);
        bar.update(p.done, { phase, file });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
