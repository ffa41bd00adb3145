/**
 * The dashboard in a real headless browser (Debian's chromium driven by playwright-core,
 * which never downloads one): `contextd dashboard` starts the endpoint on a running
 * daemon and prints the URL; the page loads with no console error, every plot has data
 * after a few searches (MCP and CLI) and the first index run, the tables list the
 * repository and the searches, and a screenshot is saved as a test artifact
 * (CONTEXTD_ARTIFACT_DIR, else a temporary directory; never committed).
 * Without /usr/bin/chromium the test is skipped loudly, or fails under CONTEXTD_REQUIRE_SERVICES=1.
 */
import t from 'tap';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { daemonWithRepo } from './helpers/daemon.js';
import { runCli, runJson } from './helpers/cli.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';
import { REQUIRE_SERVICES } from './helpers/services.js';

const CHROMIUM = '/usr/bin/chromium';
const PLOTS = ['latency', 'histogram', 'rate', 'cache', 'lag', 'queue', 'throughput'];

t.test('the dashboard in headless chromium: no console error, plots with data, a screenshot', async (t) => {
  if (!existsSync(CHROMIUM)) {
    const msg = `${CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)`;
    if (REQUIRE_SERVICES) t.fail(`CONTEXTD_REQUIRE_SERVICES=1 but ${msg}`);
    else {
      process.stderr.write(`# SKIP: ${msg}\n`);
      t.skip(msg);
    }
    return;
  }
  process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
  const { chromium } = await import('playwright-core');
  const { repo, env } = await daemonWithRepo(t, 'basic', { CONTEXTD_HTTP_SAMPLE_MS: '250' });

  // Off by default; `contextd dashboard` starts it on the running daemon.
  const dash = JSON.parse((await runCli(['dashboard', '--json', '--port', '0'], { env })).stdout) as { url: string; dashboardUrl: string };
  t.match(dash.dashboardUrl, /^http:\/\/127\.0\.0\.1:\d+\/dashboard\?token=/, 'the printed URL');

  // Root (CI containers) cannot use chromium's sandbox.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } });
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`));
  const remote: string[] = [];
  page.on('request', (req) => {
    if (!req.url().startsWith(dash.url)) remote.push(req.url());
  });

  await page.goto(dash.dashboardUrl);
  t.equal(new URL(page.url()).search, '', 'the token left the address bar');
  await page.waitForFunction(() => Number(document.body.dataset.refreshes ?? 0) >= 1);
  t.equal(await page.textContent('#verdict'), 'healthy');

  // A few searches while the page is open: through MCP (in the daemon) and the CLI (forwarded).
  const client = new Client({ name: 'dashboard-test', version: '1' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());
  for (const query of ['json config', 'cache invalidation', 'json config', 'slugify'])
    await client.callTool({ name: 'search_code', arguments: { query, repo } });
  await runJson(['search', 'config loader', '--repo', repo, '--json'], { env });

  // Every plot has data (the page refreshes by itself; this waits for it, not for a clock).
  await page.waitForFunction(
    (ids) => ids.every((id) => Number(document.getElementById(id)?.dataset.points ?? 0) > 0) && document.querySelectorAll('#searches tbody tr').length >= 5,
    PLOTS,
    { timeout: 60_000 },
  );
  for (const id of PLOTS) {
    const points = Number(await page.getAttribute(`#${id}`, 'data-points'));
    t.ok(points > 0, `${id}: ${points} data point(s)`);
  }
  t.ok((await page.locator('#latency path.series').count()) >= 1, 'the latency plot draws lines');
  t.ok((await page.locator('#histogram rect.bar').count()) >= 5, 'the histogram draws bars');
  const rows = await page.locator('#searches tbody tr').allTextContents();
  t.ok(
    rows.some((r) => r.includes('config loader') && r.includes('cli')),
    'recent searches: the CLI one',
  );
  t.ok(
    rows.some((r) => r.includes('cache invalidation') && r.includes('mcp')),
    'recent searches: an MCP one',
  );
  t.match(await page.textContent('#repos tbody'), /basic\s*up to date/, 'the repositories table');

  const dir = process.env.CONTEXTD_ARTIFACT_DIR ?? join(tmpdir(), 'contextd-artifacts');
  mkdirSync(dir, { recursive: true });
  const shot = join(dir, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  const png = readFileSync(shot);
  t.ok(png.length > 10_000 && png.subarray(1, 4).toString() === 'PNG', `screenshot saved: ${shot} (${png.length} bytes)`);
  t.comment(`dashboard screenshot: ${shot}`);

  t.same(problems, [], 'no console error, page error or failed request');
  t.same(remote, [], 'nothing loaded from anywhere else (no CDN)');
});
