/**
 * Exact-string and regular-expression search over a work tree, by `git grep`: git
 * reads the files (in its own process, so a pathological pattern never stalls the
 * daemon's event loop, and a timeout kills it), tracked and untracked-not-ignored
 * like the index. The caller keeps only files of the index view.
 */
import { ContextdError } from '../errors.js';
import { GitError } from './git.js';
import { gitRecordBatches } from './git-stream.js';
import { decodeGitText } from './decode.js';

export interface GrepOptions {
  pattern: string;
  /** fixed (default): the exact string; regex: a Perl-compatible regular expression. */
  syntax: 'fixed' | 'regex';
  ignoreCase?: boolean;
  /** Stop after this many matching lines. */
  maxMatches: number;
  /** Most matches taken from one file (so one file cannot fill the answer). */
  maxPerFile?: number;
  /** Keep only matches in files this accepts (the index view, path and language filters); counted after it. */
  accept?: (path: string) => boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface GrepMatch {
  path: string;
  line: number;
  text: string;
}

/** Matches in file order; `truncated` when maxMatches stopped the search. */
export async function gitGrep(root: string, opts: GrepOptions): Promise<{ matches: GrepMatch[]; truncated: boolean }> {
  const args = ['grep', '-n', '-I', '-z', '--no-color', '--untracked', opts.syntax === 'regex' ? '-P' : '-F'];
  if (opts.ignoreCase) args.push('-i');
  if (opts.maxPerFile) args.push(`--max-count=${opts.maxPerFile}`);
  args.push('-e', opts.pattern, '--');
  const matches: GrepMatch[] = [];
  try {
    // exit 1: nothing matched.
    for await (const batch of gitRecordBatches(root, args, 0x0a, { okExitCodes: [0, 1], timeoutMs: opts.timeoutMs ?? 20_000, signal: opts.signal })) {
      for (const rec of batch) {
        const a = rec.indexOf(0);
        const b = a < 0 ? -1 : rec.indexOf(0, a + 1);
        if (b < 0) continue;
        const path = decodeGitText(rec.subarray(0, a));
        if (opts.accept && !opts.accept(path)) continue;
        const line = Number(rec.subarray(a + 1, b).toString('latin1'));
        // Long lines (minified code) are cut: a match line is a pointer, get_code shows the rest.
        const text = decodeGitText(rec.subarray(b + 1, b + 1 + 400));
        matches.push({ path, line, text: rec.length - b - 1 > 400 ? `${text}…` : text });
        if (matches.length >= opts.maxMatches) return { matches, truncated: true };
      }
    }
  } catch (err) {
    if (err instanceof GitError && /pcre|regex|regular expression|unmatched|invalid/i.test(err.message)) {
      throw new ContextdError('bad-arguments', `not a valid regular expression: ${opts.pattern}`, {
        hint: 'Perl-compatible syntax (\\b, \\d, (?i)); or use syntax "fixed" for the exact text',
      });
    }
    throw err;
  }
  return { matches, truncated: false };
}
