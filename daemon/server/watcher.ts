/**
 * File events (@parcel/watcher) for uncommitted edits: debounced and coalesced per
 * repository, with .git internals and the data dir ignored. Whether a path is
 * ignored by git is decided by the scanner when the paths are reconciled, so the
 * watcher never needs to read .gitignore itself.
 */
import watcher, { type AsyncSubscription } from '@parcel/watcher';
import { relative, sep } from 'node:path';

export interface RepoWatcherOptions {
  root: string;
  /** Absolute directories never to report (the data dir, when it sits inside a repo). */
  ignoreDirs: string[];
  debounceMs: number;
  onPaths: (paths: string[]) => void;
  onError: (err: Error) => void;
}

const ALWAYS_IGNORED = ['.git', 'node_modules', '.hg', '.svn'];

export class RepoWatcher {
  private sub: AsyncSubscription | null = null;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: RepoWatcherOptions) {}

  async start(): Promise<void> {
    const ignore = [...ALWAYS_IGNORED, ...this.opts.ignoreDirs.map((d) => relative(this.opts.root, d)).filter((r) => r && !r.startsWith('..'))];
    this.sub = await watcher.subscribe(
      this.opts.root,
      (err, events) => {
        if (err) {
          this.opts.onError(err);
          return;
        }
        for (const ev of events) {
          const rel = relative(this.opts.root, ev.path).split(sep).join('/');
          if (!rel || rel.startsWith('..') || rel === '.git' || rel.startsWith('.git/')) continue;
          this.pending.add(rel);
        }
        this.schedule();
      },
      { ignore },
    );
  }

  private schedule(): void {
    if (!this.pending.size) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const paths = [...this.pending];
      this.pending.clear();
      this.opts.onPaths(paths);
    }, this.opts.debounceMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.sub?.unsubscribe();
    this.sub = null;
  }
}
