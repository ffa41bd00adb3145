/** A progress bar on stderr when it is a terminal; silent otherwise (scripts, CI, --json). */
import cliProgress from 'cli-progress';
import type { IndexProgress } from '../index/indexer.js';

export interface ProgressReporter {
  update(p: IndexProgress): void;
  stop(): void;
}

export function indexProgressBar(enabled: boolean): ProgressReporter {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: ' {phase} [{bar}] {value}/{total} files  {file}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      if (p.phase === 'scan') {
        process.stderr.write(' scanning…\r');
        return;
      }
      if (p.phase !== 'index') return;
      const file = p.path ? (p.path.length > 40 ? '…' + p.path.slice(-39) : p.path) : '';
      if (!started) {
        bar.start(p.total, p.done, { phase: 'indexing', file });
        started = true;
      } else bar.update(p.done, { phase: 'indexing', file });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
