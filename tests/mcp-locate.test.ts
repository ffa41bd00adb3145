/**
 * locate_change over MCP and contextd.locate over LSP, against a real daemon holding a
 * fixture repository with real history (fixtures/locate-repo.ts): the real MCP SDK client
 * (structured output checked by the SDK against the tool's outputSchema) and a
 * vscode-jsonrpc client on lsp.sock.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { daemonWithRepo, eventually } from './helpers/daemon.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';
import { dialLsp, uri } from './helpers/lsp-client.js';
import { runCli, runJson } from './helpers/cli.js';

t.test('locate_change and contextd.locate rank the files a change touches, with reasons', async (t) => {
  const { env, repo } = await daemonWithRepo(t, 'locate');
  const client = new Client({ name: 'locate', version: '1' });
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());

  const ask = async () =>
    (await client.callTool({ name: 'locate_change', arguments: { repo, description: 'coupon expiry is ignored', limit: 4 } })) as CallToolResult;
  // The first call answers at once (stored weights or the defaults) and learns in the background.
  const first = (await ask()).structuredContent as { model: { retraining: boolean; source: string } };
  t.ok(first.model.retraining || first.model.source === 'learned', 'training started by the first call');
  const r = await eventually(async () => {
    const x = await ask();
    return (x.structuredContent as { model: { source: string } }).model.source === 'learned' ? x : null;
  }, 60_000);
  t.ok(r, 'the learned weights answer once trained');
  if (!r) return;
  t.notOk(r.isError, JSON.stringify(r.content));
  const s = r.structuredContent as {
    files: { path: string; role: string; reasons: string[]; paired: string[] }[];
    model: { source: string; replayedCommits: number; trainedCommit: string | null };
    freshness: { fresh: boolean } | null;
  };
  t.equal(s.files.length, 4);
  t.equal(s.files[0].path, 'src/pricing.js');
  t.ok(
    s.files[0].reasons.some((x) => /similar past commit [0-9a-f]{7} "coupon/.test(x)),
    'a similar past commit explains it',
  );
  t.same(s.files[0].paired, ['test/pricing.test.js']);
  t.equal(s.model.source, 'learned');
  t.ok(s.model.replayedCommits >= 12);
  t.equal(s.freshness?.fresh, true, 'with a freshness line');
  const txt = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  t.match(txt, /^1\. src\/pricing\.js/m);
  t.match(txt, /weights: learned from this repository/);
  t.notOk((r.structuredContent as { model: { retraining: boolean } }).model.retraining, 'no training running');
  t.match(txt, /index: [0-9a-f]+ = HEAD/);

  const bad = (await client.callTool({ name: 'locate_change', arguments: { repo, description: '' } })) as CallToolResult;
  t.equal(bad.isError, true, 'an empty description is a tool error');

  // The CLI asks the running daemon (its corpus is warm) and prints the same ranking.
  const cli = await runCli(['locate', 'coupon expiry is ignored', '--repo', repo, '--limit', '4', '--json', '--explain'], { env });
  t.equal(cli.code, 0, cli.stderr);
  const viaCli = JSON.parse(cli.stdout) as { via: string; files: { path: string }[] };
  t.equal(viaCli.via, 'daemon', 'answered by the daemon');
  t.same(
    viaCli.files.map((f) => f.path),
    s.files.map((f) => f.path),
    'the same ranking as MCP',
  );

  const lsp = await dialLsp(join(env.XDG_RUNTIME_DIR!, 'contextd', 'lsp.sock'));
  t.teardown(() => lsp.close());
  const init = await lsp.initialize([repo]);
  t.match(init.capabilities, { executeCommandProvider: { commands: ['contextd.search', 'contextd.locate'] } });
  const located = await lsp.conn.sendRequest<{ uri: string; path: string; reasons: string[]; weights: string }[]>('workspace/executeCommand', {
    command: 'contextd.locate',
    arguments: ['coupon expiry is ignored', { limit: 3 }],
  });
  t.equal(located.length, 3);
  t.equal(located[0].path, 'src/pricing.js');
  t.equal(located[0].uri, uri(join(repo, 'src/pricing.js')));
  t.equal(located[0].weights, 'learned');
  t.same(
    located.map((x) => x.path),
    s.files.slice(0, 3).map((x) => x.path),
    'the same ranking as MCP',
  );
  // History grows by ten commits: the daemon reindexes (hooks), then retrains locate by itself, no call needed.
  for (let i = 0; i < 10; i++) {
    appendFileSync(join(repo, 'src/cart.js'), `export const STEP_${i} = ${i};\n`);
    const date = `2024-04-${String(i + 1).padStart(2, '0')}T10:00:00Z`;
    execFileSync('git', ['commit', '-q', '-am', `cart step ${i}`], {
      cwd: repo,
      env: {
        ...env,
        GIT_AUTHOR_NAME: 'Dana',
        GIT_AUTHOR_EMAIL: 'dana@shop.invalid',
        GIT_COMMITTER_NAME: 'Dana',
        GIT_COMMITTER_EMAIL: 'dana@shop.invalid',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    });
  }
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  type Status = { repos: { root: string; indexedCommit: string | null; locate?: { trainedCommit: string; training: boolean } | null }[] };
  const refreshed = await eventually(async () => {
    const st = await runJson<Status>(['status'], { env });
    const r0 = st.repos.find((x) => x.root === repo);
    return r0?.indexedCommit === head && r0.locate?.trainedCommit === head && !r0.locate.training ? r0 : null;
  }, 120_000);
  t.ok(refreshed, 'status shows the weights retrained at the new HEAD after the daemon indexed it');

  const err = await lsp.conn.sendRequest('contextd/locate', {}).then(
    () => null,
    (e: { code: number; message: string }) => e,
  );
  t.match(err, { code: -32602, message: /needs a description/ });
});
