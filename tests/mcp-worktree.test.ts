/**
 * Agents in git worktrees: an MCP client working in a linked worktree of a
 * registered repository (beside it, or nested in its directory) gets answers from
 * that worktree, registered on the spot, with its content shared with the repository.
 */
import t from 'tap';
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { CLI, runJson } from './helpers/cli.js';
import { daemonWithRepo } from './helpers/daemon.js';
import type { DaemonStatus } from '../daemon/server/status.js';

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

function commitIn(dir: string, file: string, content: string, subject: string): void {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), content);
  fixtureGit(dir, ['add', '--', file]);
  fixtureGit(dir, ['commit', '-q', '-m', subject]);
}

async function bridge(t: Tap, cwd: string, env: NodeJS.ProcessEnv): Promise<Client> {
  const c = new Client({ name: 'agent-in-a-worktree', version: '1' });
  await c.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], cwd, env: env as Record<string, string>, stderr: 'pipe' }));
  t.teardown(() => c.close());
  return c;
}
type Tap = Parameters<Parameters<typeof t.test>[0]>[0];

const search = async (c: Client, query: string) => text((await c.callTool({ name: 'search_code', arguments: { query } })) as CallToolResult);

t.test('linked worktrees of a registered repository are registered and searched where the agent works', async (t) => {
  const { dir, env, repo, daemon } = await daemonWithRepo(t, 'basic');
  const before = (await runJson<DaemonStatus>(['status'], { env })).totals;

  // A worktree beside the repository, with work of its own.
  const beside = join(dir, 'basic-feature');
  fixtureGit(repo, ['worktree', 'add', '-q', '-b', 'feature', beside]);
  commitIn(beside, 'src/feature_work.py', 'def feature_only_helper(x):\n    return x * 2\n', 'feature work');
  // One nested in the repository's directory (ignored there), as some agents make them.
  appendFileSync(join(repo, '.git', 'info', 'exclude'), '.worktrees/\n');
  const nested = join(repo, '.worktrees', 'agent-1');
  fixtureGit(repo, ['worktree', 'add', '-q', '-b', 'agent-1', nested]);
  commitIn(nested, 'src/agent_work.py', 'def nested_only_helper(y):\n    return y + 1\n', 'agent work');

  const inBeside = await bridge(t, join(beside, 'src'), env);
  const found = await search(inBeside, 'feature_only_helper');
  t.match(found, /^src\/feature_work\.py:1-2 +feature_only_helper/m, 'answered from the worktree the agent works in');
  t.notMatch(found, /basic-feature:/, 'paths are relative to that worktree');

  const inNested = await bridge(t, nested, env);
  t.match(
    await search(inNested, 'nested_only_helper'),
    /^src\/agent_work\.py:1-2 +nested_only_helper/m,
    'a nested worktree is not taken for the repository around it',
  );

  const inMain = await bridge(t, repo, env);
  t.notMatch(await search(inMain, 'nested_only_helper'), /agent_work\.py/, "the repository's own view does not hold the nested worktree's work");
  t.notMatch(await search(inMain, 'feature_only_helper'), /feature_work\.py/, "nor the other worktree's");

  const status = await runJson<DaemonStatus>(['status'], { env });
  t.same(status.repos.map((r) => r.root).sort(), [repo, beside, nested].sort(), 'both worktrees registered');
  await daemon.idle();
  const after = (await runJson<DaemonStatus>(['status'], { env })).totals;
  t.equal(after.parsed - before.parsed, 2, 'only the two new files were parsed: the rest is shared with the repository');
});

t.test('mcp.autoRegisterWorktrees = false: a worktree is left alone', async (t) => {
  const { dir, env, repo } = await daemonWithRepo(t, 'basic', { CONTEXTD_MCP_AUTO_WORKTREES: '0' });
  const beside = join(dir, 'basic-feature');
  fixtureGit(repo, ['worktree', 'add', '-q', '-b', 'feature', beside]);

  const c = await bridge(t, beside, env);
  await search(c, 'parseJsonConfig');
  const status = await runJson<DaemonStatus>(['status'], { env });
  t.same(
    status.repos.map((r) => r.root),
    [repo],
    'not registered',
  );
});
