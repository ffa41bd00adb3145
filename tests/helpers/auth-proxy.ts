/**
 * A loopback HTTP proxy that adds contextd's bearer token, for clients that cannot be
 * given a header (the conformance suite takes a bare URL). The Host and Origin a client
 * sends for the proxy are mapped to the daemon's; any other Host or Origin passes
 * through unchanged, so the daemon's own checks still see (and refuse) them.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function startAuthProxy(target: string, token: string): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server = createServer((req, res) => {
    const mine = (server.address() as AddressInfo).port;
    const headers = { ...req.headers, authorization: `Bearer ${token}` };
    for (const name of ['127.0.0.1', 'localhost']) {
      if (headers.host === `${name}:${mine}`) headers.host = `${name}:${to.port}`;
      if (headers.origin === `http://${name}:${mine}`) headers.origin = `http://${name}:${to.port}`;
    }
    const up = request({ host: '127.0.0.1', port: to.port, path: req.url, method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${to.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
