/**
 * The daemon's monitoring endpoint, off by default (`[http] listen`, or `contextd
 * dashboard`): `/metrics` (Prometheus text), `/health` (200 healthy / 503 degraded, the
 * verdict of `contextd status`), and the dashboard (`/dashboard`, `/dashboard.js`,
 * `/api/dashboard`). Every request passes the Host/Origin check (http-guard.ts); the
 * dashboard shows repository paths and queries, so it also needs the per-user token
 * (http-token.ts): `?token=` once (answered with an HttpOnly, SameSite=Strict cookie and a
 * redirect that drops it from the address bar), then the cookie, or `Authorization: Bearer`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { timingSafeEqual } from 'node:crypto';
import { errorMessage } from '../errors.js';
import { PACKAGE_ROOT } from '../version.js';
import type { DashboardData } from '../metrics/dashboard-data.js';
import type { DaemonMetrics } from '../metrics/metrics.js';
import type { DaemonStatus } from '../types.js';
import { bearerMatches } from './http-token.js';
import { allowedHosts, refuseForeign } from './http-guard.js';

export interface HttpEndpointDeps {
  metrics: DaemonMetrics;
  status(): Promise<DaemonStatus>;
  dashboard(): Promise<DashboardData>;
  token: string;
  log: Logger;
}

export interface HttpEndpoint {
  /** http://host:port */
  url: string;
  /** The dashboard's URL with the token (what `contextd dashboard` prints). */
  dashboardUrl: string;
  port: number;
  close(): Promise<void>;
}

const ASSETS = join(PACKAGE_ROOT, 'daemon', 'metrics', 'dashboard');

/** Served to the browser: no framing, no referrer, scripts only from here, fetches only to here. */
const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export async function startHttpEndpoint(deps: HttpEndpointDeps, listen: { host: string; port: number }): Promise<HttpEndpoint> {
  // Read once: the page is small and must not change under a running daemon.
  const page = readFileSync(join(ASSETS, 'index.html'));
  const script = readFileSync(join(ASSETS, 'dashboard.js'));
  let port = listen.port;
  let hosts: string[] = [];
  // Cookies are per host, not per port: two daemons on one machine must not overwrite each other's.
  const cookieName = () => `contextd_token_${port}`;

  const authorized = (req: IncomingMessage): boolean => {
    if (bearerMatches(req.headers.authorization, deps.token)) return true;
    const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${cookieName()}=`));
    return cookie !== undefined && sameSecret(cookie.slice(cookieName().length + 1), deps.token);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const refused = refuseForeign(req.headers, hosts);
    if (refused) return plain(res, refused.status, refused.message);
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'only GET');
    const url = new URL(req.url ?? '/', 'http://localhost');
    switch (url.pathname) {
      case '/metrics': {
        const body = await deps.metrics.text();
        res.writeHead(200, { 'Content-Type': deps.metrics.contentType, 'Cache-Control': 'no-store' }).end(body);
        return;
      }
      case '/health': {
        const status = await deps.status().catch(() => null);
        const ok = status?.healthy ?? false;
        const body = status
          ? { healthy: ok, version: status.version, uptimeMs: status.uptimeMs, backends: status.backends.map((b) => ({ name: b.name, healthy: b.healthy })) }
          : { healthy: false, error: 'status unavailable' };
        res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(body) + '\n');
        return;
      }
      case '/':
      case '/dashboard': {
        const given = url.searchParams.get('token');
        if (given !== null) {
          if (!sameSecret(given, deps.token)) return plain(res, 401, 'wrong token: open the URL `contextd dashboard` prints');
          // The token leaves the address bar (and the history) at once; the cookie carries it from now on.
          res
            .writeHead(303, {
              Location: '/dashboard',
              'Set-Cookie': `${cookieName()}=${deps.token}; HttpOnly; SameSite=Strict; Path=/`,
              'Cache-Control': 'no-store',
              'Referrer-Policy': 'no-referrer',
            })
            .end();
          return;
        }
        if (!authorized(req)) return plain(res, 401, 'a token is required: open the URL `contextd dashboard` prints');
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...PAGE_HEADERS }).end(page);
        return;
      }
      case '/dashboard.js':
        if (!authorized(req)) return plain(res, 401, 'a token is required');
        res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', ...PAGE_HEADERS }).end(script);
        return;
      case '/api/dashboard': {
        if (!authorized(req)) return plain(res, 401, 'a token is required');
        const data = await deps.dashboard();
        res.writeHead(200, { 'Content-Type': 'application/json', ...PAGE_HEADERS }).end(JSON.stringify(data));
        return;
      }
      default:
        return plain(res, 404, 'not found: /metrics, /health, /dashboard');
    }
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      deps.log.warn({ err: errorMessage(err), path: new URL(req.url ?? '/', 'http://localhost').pathname }, 'http request failed');
      if (!res.headersSent) plain(res, 500, 'internal error');
      else res.end();
    });
  });
  http.requestTimeout = 30_000;
  http.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(listen.port, listen.host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  hosts = allowedHosts(listen.host, port);
  const base = `http://${hosts[0]}`;
  return {
    url: base,
    dashboardUrl: `${base}/dashboard?token=${encodeURIComponent(deps.token)}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function plain(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(message + '\n');
}
