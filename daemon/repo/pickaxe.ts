/**
 * Search over history: commit messages (`git log --grep`) and diffs (`git log -S`,
 * the pickaxe: commits that changed how often a string occurs, i.e. added or removed
 * it; `-G` for a regular expression over changed lines). For diff matches the changed
 * lines holding the text are kept, so an answer says "added" or "removed".
 * Commit text passes redactSecrets like everything else read from history.
 */
import { redactSecrets } from '../secrets.js';
import { gitRecordBatches } from './git-stream.js';
import { decodeGitText } from './decode.js';
import { isSecretPath } from './path-rules.js';

export interface PickaxeOptions {
  query: string;
  syntax: 'fixed' | 'regex';
  /** messages: commit messages; diffs: added/removed code. */
  where: 'messages' | 'diffs';
  ignoreCase?: boolean;
  author?: string;
  /** Unix seconds. */
  since?: number;
  until?: number;
  paths?: string[];
  limit: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ChangedLine {
  path: string;
  /** '+' added, '-' removed. */
  sign: '+' | '-';
  text: string;
}

export interface HistoryMatch {
  sha: string;
  author: string;
  email: string;
  /** Author date, ISO 8601. */
  date: string;
  subject: string;
  files: string[];
  /** Diff matches: changed lines holding the text (a few per commit). */
  lines: ChangedLine[];
}

const RS = '\x1e';
const US = '\x1f';
const LINES_PER_COMMIT = 4;

export async function searchHistory(root: string, opts: PickaxeOptions): Promise<HistoryMatch[]> {
  const args = ['log', '--no-color', '--no-ext-diff', '--no-textconv', `--max-count=${opts.limit}`, `--format=${RS}%H${US}%an${US}%ae${US}%aI${US}%s`];
  if (opts.where === 'messages') {
    args.push(`--grep=${opts.query}`, '--name-only', opts.syntax === 'regex' ? '--perl-regexp' : '--fixed-strings');
    if (opts.ignoreCase) args.push('-i');
  } else {
    // -G takes git's extended (POSIX) regular expressions; -S the exact string.
    args.push(opts.syntax === 'regex' ? `-G${opts.query}` : `-S${opts.query}`, '-p', '-U0');
    if (opts.ignoreCase) args.push('--regexp-ignore-case');
  }
  if (opts.author) args.push(`--author=${opts.author.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, '--regexp-ignore-case');
  if (opts.since !== undefined) args.push(`--since=@${opts.since}`);
  if (opts.until !== undefined) args.push(`--until=@${opts.until}`);
  args.push('--', ...(opts.paths ?? []));
  const needle = opts.syntax === 'fixed' ? (opts.ignoreCase ? opts.query.toLowerCase() : opts.query) : null;
  const re = needle === null ? jsRegex(opts.query, opts.ignoreCase) : null;
  const holds = (line: string) => (needle !== null ? (opts.ignoreCase ? line.toLowerCase() : line).includes(needle) : re ? re.test(line) : true);

  const out: HistoryMatch[] = [];
  let cur: HistoryMatch | null = null;
  let file: string | null = null;
  for await (const batch of gitRecordBatches(root, args, 0x0a, { timeoutMs: opts.timeoutMs ?? 30_000, signal: opts.signal })) {
    for (const rec of batch) {
      const line = decodeGitText(rec);
      if (line.startsWith(RS)) {
        const [sha, author, email, date, subject] = line.slice(1).split(US);
        cur = { sha, author, email, date, subject: redactSecrets(subject ?? ''), files: [], lines: [] };
        out.push(cur);
        file = null;
        continue;
      }
      if (!cur || !line) continue;
      if (opts.where === 'messages') {
        if (!isSecretPath(line)) cur.files.push(line);
        continue;
      }
      if (line.startsWith('diff --git ')) {
        file = null;
      } else if (line.startsWith('--- ') || line.startsWith('+++ ')) {
        const name = line.slice(4);
        if (name !== '/dev/null') {
          file = name.replace(/^[ab]\//, '');
          if (!cur.files.includes(file) && !isSecretPath(file)) cur.files.push(file);
        }
      } else if (file && !isSecretPath(file) && (line[0] === '+' || line[0] === '-') && cur.lines.length < LINES_PER_COMMIT) {
        const text = line.slice(1);
        if (holds(text)) cur.lines.push({ path: file, sign: line[0] as '+' | '-', text: redactSecrets(text.trim().slice(0, 300)) });
      }
    }
  }
  return out;
}

/** The pattern as a JavaScript RegExp, to pick the changed lines to show; null when it does not compile (git's answer stands). */
function jsRegex(pattern: string, ignoreCase?: boolean): RegExp | null {
  try {
    return new RegExp(pattern, ignoreCase ? 'i' : '');
  } catch {
    return null;
  }
}
