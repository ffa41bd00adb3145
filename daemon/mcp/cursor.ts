/**
 * Opaque paging cursors: where the next page starts, bound to the arguments of the
 * call that made it (a cursor given with other arguments would page through another
 * answer, so it is refused).
 */
import { createHash } from 'node:crypto';
import { ContextdError } from '../errors.js';

function digest(args: Record<string, unknown>): string {
  const stable = Object.keys(args)
    .filter((k) => k !== 'cursor' && args[k] !== undefined)
    .sort()
    .map((k) => [k, args[k]]);
  return createHash('sha1').update(JSON.stringify(stable)).digest('hex').slice(0, 16);
}

export function makeCursor(args: Record<string, unknown>, offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset, k: digest(args) })).toString('base64url');
}

/** The offset a cursor points at (0 without one). */
export function readCursor(args: Record<string, unknown> & { cursor?: string }): number {
  if (!args.cursor) return 0;
  let parsed: { o?: unknown; k?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(args.cursor, 'base64url').toString('utf8')) as { o?: unknown; k?: unknown };
  } catch {
    throw new ContextdError('bad-arguments', 'cursor is not one this server made');
  }
  if (typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0 || typeof parsed.k !== 'string')
    throw new ContextdError('bad-arguments', 'cursor is not one this server made');
  if (parsed.k !== digest(args))
    throw new ContextdError('bad-arguments', 'cursor belongs to a call with other arguments', {
      hint: 'repeat the same arguments with next_cursor, or drop cursor to start over',
    });
  return parsed.o;
}
