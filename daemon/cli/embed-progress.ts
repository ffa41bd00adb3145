/** The embedding progress bar of `contextd index` (stderr, terminals only) and the summary line. */
import { stderrBar } from './progress.js';
import type { EmbeddingProgress } from '../embed/types.js';

export interface EmbedProgressReporter {
  update(p: EmbeddingProgress): void;
  stop(): void;
}

export function embedProgressBar(enabled: boolean): EmbedProgressReporter {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = stderrBar(' {state} [{bar}] {value}/{total} chunks  {rate} chunks/s');
  let started = false;
  return {
    update(p) {
      if (p.state === 'training') {
        process.stderr.write(' learning the code vocabulary…\r');
        return;
      }
      const payload = { state: 'embedding', rate: p.rate };
      if (!started) {
        bar.start(p.total, p.embedded, payload);
        started = true;
      } else {
        bar.setTotal(p.total);
        bar.update(p.embedded, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
