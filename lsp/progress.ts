/**
 * `$/progress` (window/workDoneProgress) for the first index of a workspace's
 * repositories: one progress per repository that is not indexed yet, polling
 * the daemon's status until the repository is up to date or failed.
 */
import type { Connection } from 'vscode-languageserver/node';
import type { RepoStatus } from '../daemon/types.js';
import type { LspContext } from './context.js';

const POLL_MS = 400;

/** Overall percentage from an index phase: scan, then index (most of the work), cleanup, history. */
export function percentOf(p: RepoStatus['progress']): number {
  if (!p) return 0;
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  switch (p.phase) {
    case 'scan':
      return 0;
    case 'index':
      return Math.round(5 + 70 * frac);
    case 'cleanup':
      return 75;
    case 'history':
      return Math.round(76 + 23 * frac);
    default:
      return 0;
  }
}

export function describe(p: RepoStatus['progress']): string {
  if (!p) return 'queued';
  if (p.phase === 'index' || p.phase === 'history') return `${p.phase === 'index' ? 'parsing' : 'history'} ${p.done}/${p.total} files`;
  return p.phase === 'scan' ? 'scanning' : p.phase;
}

export class IndexProgress {
  private stopped = false;
  private readonly running = new Set<string>();

  constructor(
    private readonly connection: Connection,
    private readonly ctx: LspContext,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  /** Reports the first index of `root` if it is not indexed yet; resolves when it is (or failed, or the session ended). */
  async follow(root: string, name: string): Promise<'done' | 'failed' | 'stopped' | 'already'> {
    if (this.running.has(root)) return 'already';
    const first = await this.repo(root);
    if (first && first.upToDate) return 'already';
    this.running.add(root);
    const reporter = await this.connection.window.createWorkDoneProgress();
    try {
      reporter.begin(`contextd: indexing ${name}`, 0, describe(first?.progress ?? null), false);
      let last = 0;
      for (;;) {
        if (this.stopped) return 'stopped';
        await new Promise((r) => setTimeout(r, POLL_MS));
        const st = await this.repo(root);
        if (!st) continue;
        if (st.upToDate) {
          reporter.done();
          this.ctx.log.debug({ repo: root }, 'lsp: first index done');
          return 'done';
        }
        if ((st.state === 'error' && !st.pendingJobs) || st.state === 'missing') {
          reporter.done();
          this.connection.window.showWarningMessage(`contextd could not index ${root}: ${st.lastError ?? 'unknown error'}`);
          return 'failed';
        }
        const pct = Math.max(last, percentOf(st.progress));
        last = pct;
        reporter.report(pct, describe(st.progress));
      }
    } finally {
      this.running.delete(root);
    }
  }

  private async repo(root: string): Promise<RepoStatus | undefined> {
    const st = await this.ctx.status();
    return st.repos.find((r) => r.root === root);
  }
}
