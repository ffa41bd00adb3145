/**
 * reindex with wait: progress notifications for the client's progress token, and a
 * cancel (notifications/cancelled) that stops the index run itself, leaving its work
 * queued. Real daemon, real SDK client, a repository big enough to still be indexing
 * when the cancel arrives.
 */
import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { isolatedEnv, runJson, tempDir } from './helpers/cli.js';
import { eventually, startDaemon } from './helpers/daemon.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';
import type { DaemonStatus } from '../daemon/server/status.js';

t.test('reindex: progress while waiting, and a cancel stops the run', async (t) => {
  const dir = tempDir(t);
  const env = isolatedEnv(join(dir, 'home')).env;
  const small = join(dir, 'basic');
  const big = join(dir, 'big');
  await buildFixture('basic', small);
  await buildFixture('empty', big);
  mkdirSync(join(big, 'gen'), { recursive: true });
  for (let i = 0; i < 1500; i++) {
    writeFileSync(
      join(big, 'gen', `module_${i}.py`),
      `"""Generated module ${i}."""\n\n\ndef compute_${i}(x):\n    return x * ${i} + ${i % 7}\n\n\nclass Holder${i}:\n    def value(self):\n        return compute_${i}(${i})\n`,
    );
  }
  fixtureGit(big, ['add', '-A']);
  fixtureGit(big, ['commit', '-q', '-m', 'generated modules']);
  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  await runJson(['add', small, '--wait'], { env });
  const client = new Client({ name: 'reindex-test', version: '1' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());

  // Waiting with a progress token: notifications, then the answer.
  const seen: Progress[] = [];
  const done = (await client.callTool({ name: 'reindex', arguments: { repo: small, wait: true } }, undefined, {
    onprogress: (p) => seen.push(p),
    timeout: 120_000,
  })) as CallToolResult;
  t.notOk(done.isError, JSON.stringify(done.content));
  t.same((done.structuredContent as { done: boolean; waited: boolean }).done, true, 'waited until indexed');
  t.ok(seen.length >= 1, `progress was reported (${seen.map((p) => p.message).join(' | ')})`);
  t.ok(
    seen.every((p, i) => i === 0 || p.progress > seen[i - 1].progress),
    'progress only grows',
  );

  // Cancelled while the big repository is being indexed: the run stops, its work stays queued.
  await runJson(['add', big], { env });
  const abort = new AbortController();
  const messages: string[] = [];
  const cancelled = await client
    .callTool({ name: 'reindex', arguments: { repo: big, wait: true } }, undefined, {
      signal: abort.signal,
      timeout: 300_000,
      resetTimeoutOnProgress: true,
      onprogress: (p) => {
        messages.push(p.message ?? '');
        // Cancel once the run is under way (not while it is only queued).
        if (!/queued/.test(p.message ?? '')) abort.abort('enough');
      },
    })
    .then(
      () => 'finished',
      (err: Error) => `rejected: ${err.message}`,
    );
  t.match(cancelled, /rejected/, `the client's call ends at the cancel (${messages.join(' | ')})`);
  const repoState = async () => (await daemon.call<DaemonStatus>('status')).repos.find((r) => r.root === big)!;
  const stopped = await eventually(async () => {
    const st = await daemon.call<DaemonStatus>('status');
    return (st.audit.byTool.reindex?.errors ?? 0) >= 1 ? st : null;
  }, 30_000);
  t.ok(stopped, 'the cancelled call was answered by stopping the run (the audit records it once the run stopped)');
  const after = await repoState();
  t.not(after.state, 'indexing', 'no run works on the repository any more');
  t.ok(after.pendingJobs > 0, `its work stays queued (${after.pendingJobs} job(s)), not lost`);
  t.notOk(after.upToDate, 'and the index is not claimed complete');
});
