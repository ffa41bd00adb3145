/**
 * The bearer token of the MCP HTTP endpoint: 32 random bytes in `<dataDir>/http-token`,
 * 0600, made on first use and kept across restarts (a client configured once keeps
 * working). Whoever can read the user's data dir can use the endpoint: the same trust
 * as the owner-only UNIX sockets.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, openSync, readFileSync, closeSync, writeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ContextdError } from '../errors.js';

export const HTTP_TOKEN_FILE = 'http-token';

export function loadOrCreateToken(dataDir: string): string {
  const path = join(dataDir, HTTP_TOKEN_FILE);
  try {
    const fd = openSync(path, 'wx', 0o600);
    const token = randomBytes(32).toString('base64url');
    writeSync(fd, token + '\n');
    closeSync(fd);
    return token;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const st = statSync(path);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new ContextdError('bad-token-file', `${path} belongs to another user (uid ${st.uid})`, { hint: 'remove it; the daemon makes a new one' });
  }
  if ((st.mode & 0o077) !== 0) chmodSync(path, 0o600);
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 32) throw new ContextdError('bad-token-file', `${path} holds no usable token`, { hint: 'remove it; the daemon makes a new one' });
  return token;
}

/** Constant-time comparison of an `Authorization` header with the token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const given = Buffer.from(m[1]);
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}
