/**
 * What every HTTP endpoint of the daemon checks before anything else (mcp-http.ts,
 * http-endpoint.ts): the Host header names the address it listens on (DNS rebinding: a
 * page on evil.example resolving to 127.0.0.1 still sends its own Host), and a browser's
 * Origin is that same origin (no cross-site calls).
 */
import { hostname } from 'node:os';
import { isIP } from 'node:net';

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The Host values a request may carry for an endpoint on host:port; the first is the one to print. */
export function allowedHosts(host: string, port: number): string[] {
  const bracket = (h: string) => (isIP(h) === 6 ? `[${h}]` : h);
  const names = isLoopback(host) ? [bracket(host), '127.0.0.1', 'localhost', '[::1]'] : [bracket(host), hostname()];
  return [...new Set(names)].map((h) => `${h}:${port}`);
}

/** Null when the request may go on; else the status and message to refuse it with. */
export function refuseForeign(headers: { host?: string; origin?: string }, hosts: readonly string[]): { status: number; message: string } | null {
  if (!hosts.includes(headers.host ?? '')) return { status: 421, message: `wrong Host: connect to ${hosts[0]}` };
  if (headers.origin !== undefined && !hosts.some((h) => headers.origin === `http://${h}`))
    return { status: 403, message: 'cross-origin requests are refused' };
  return null;
}
