/**
 * ask_codebase follows the local model: listed while Ollama answers with the model,
 * hidden (with notifications/tools/list_changed) when it stops answering, listed again
 * when it is back. A real daemon, the real MCP SDK client, a wire-faithful fake Ollama.
 */
import t from 'tap';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { daemonWithRepo, eventually } from './helpers/daemon.js';
import { startFakeOllama } from './helpers/fake-ollama.js';
import { UnixSocketClientTransport } from './helpers/mcp-socket-transport.js';

t.test('ask_codebase is listed only while a local model answers', async (t) => {
  let ollama = await startFakeOllama();
  const port = Number(new URL(ollama.url).port);
  t.teardown(() => ollama.close());
  const { env } = await daemonWithRepo(t, 'basic', { CONTEXTD_OLLAMA_HOST: ollama.url, CONTEXTD_BACKEND_PROBE_MS: '300' });
  const client = new Client({ name: 'tool-list', version: '1.0.0' });
  let changes = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
  await client.connect(new UnixSocketClientTransport(join(env.XDG_RUNTIME_DIR!, 'contextd', 'mcp.sock')));
  t.teardown(() => client.close());
  const listed = async () => (await client.listTools()).tools.some((x) => x.name === 'ask_codebase');

  t.ok(await eventually(listed, 10_000), 'listed while Ollama answers');
  await ollama.close();
  t.ok(await eventually(async () => !(await listed()), 10_000), 'hidden once Ollama stops answering');
  t.ok(changes >= 1, 'the client was told the list changed');
  const before = changes;
  ollama = await startFakeOllama({ port });
  t.ok(await eventually(listed, 10_000), 'listed again when Ollama is back');
  t.ok(changes > before, 'and told again');
});
