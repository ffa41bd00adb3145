/**
 * Path globs become regular expressions so every store backend can apply them in
 * the query itself. A glob without a slash matches the file name anywhere
 * (`*.py`, `test_*`), as users expect from `--path`.
 */
import picomatch from 'picomatch';
import { ContextdError } from '../errors.js';

export function globToRegex(glob: string): string {
  const trimmed = glob.trim().replace(/^\.\//, '');
  if (!trimmed) throw new ContextdError('bad-glob', 'an empty --path glob matches nothing');
  try {
    const pattern = trimmed.includes('/') ? trimmed : `**/${trimmed}`;
    const re = picomatch.makeRe(pattern, { dot: true });
    return re.source;
  } catch (err) {
    throw new ContextdError('bad-glob', `invalid path glob ${JSON.stringify(glob)}: ${(err as Error).message}`);
  }
}
