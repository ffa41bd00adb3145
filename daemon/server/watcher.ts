/**
 * File events (@parcel/watcher) for uncommitted edits: debounced and coalesced per
 * repository, with .git internals and the data dir ignored. Whether a path is
 * ignored by git is decided by the scanner when the paths are reconciled, so the
 * watcher never needs to read .gitignore itself.
 */
import watcher, { type AsyncSubscription } from '@parcel/watcher';
import { relative, sep } from 'node:path';
import { isInside } from '../repo/confine.js';

export interface RepoWatcherOptions {
  root: string;
  /**
   * Called when HEAD or a branch ref moves (commit, checkout, reset, rebase), even
   * when git ran with --no-verify or hooks are disabled: the caller reconciles.
   */
  onHeadMoved?: () => void;
  /** Absolute directories never to report (the data dir, when it sits inside a repo). */
  ignoreDirs: string[];
  debounceMs: number;
  onPaths: (paths: string[]) => void;
  onError: (err: Error) => void;
}

// Inside .git only HEAD and refs matter; objects, logs and the rest change constantly.
const ALWAYS_IGNORED = ['node_modules', '.hg', '.svn', '.git/objects', '.git/logs', '.git/hooks', '.git/lfs', '.git/modules', '.git/worktrees'];
const HEAD_FILES = /^\.git\/(HEAD|ORIG_HEAD|packed-refs|refs\/heads\/.+)$/;

export class RepoWatcher {
  private sub: AsyncSubscription | null = null;
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: RepoWatcherOptions) {}

  async start(): Promise<void> {
    const ignore = [
      ...ALWAYS_IGNORED,
      ...this.opts.ignoreDirs
        .filter((d) => isInside(this.opts.root, d))
        .map((d) => relative(this.opts.root, d))
        .filter((r) => r),
    ];
    this.sub = await watcher.subscribe(
      this.opts.root,
      (err, events) => {
        if (err) {
          this.opts.onError(err);
          return;
        }
        let headMoved = false;
        for (const ev of events) {
          const rel = relative(this.opts.root, ev.path).split(sep).join('/');
          if (!rel || !isInside(this.opts.root, ev.path)) continue;
          if (rel === '.git' || rel.startsWith('.git/')) {
            if (HEAD_FILES.test(rel) && !rel.endsWith('.lock')) headMoved = true;
            continue;
          }
          this.pending.add(rel);
        }
        if (headMoved) this.scheduleHead();
        this.schedule();
      },
      { ignore },
    );
  }

  private headTimer: NodeJS.Timeout | null = null;

  /** Coalesces ref updates (a rebase moves HEAD many times) into one reconcile. */
  private scheduleHead(): void {
    if (!this.opts.onHeadMoved) return;
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = setTimeout(() => {
      this.headTimer = null;
      this.opts.onHeadMoved?.();
    }, this.opts.debounceMs);
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
    if (this.headTimer) clearTimeout(this.headTimer);
    this.timer = null;
    this.headTimer = null;
    await this.sub?.unsubscribe();
    this.sub = null;
  }
}
