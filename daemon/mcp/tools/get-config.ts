import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { redactUrl } from '../../backends/backoff.js';
import { redactSecrets } from '../../secrets.js';
import { defineTool, type ToolDeps } from '../toolkit.js';

/** Keys whose values are credentials whatever they look like. */
const SECRET_KEY = /pass(word)?|secret|token|api_?key|credential/i;

/** A copy of the configuration a client may see: credentials replaced, URL passwords masked, secret shapes redacted. */
export function redactConfig(value: unknown, key = ''): unknown {
  if (value === null || value === undefined) return value ?? null;
  if (SECRET_KEY.test(key)) return '[redacted]';
  if (typeof value === 'string') return redactSecrets(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? redactUrl(value) : value);
  if (Array.isArray(value)) return value.map((v) => redactConfig(v));
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactConfig(v, k)]));
  return value;
}

export function registerGetConfig(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'get_config',
    title: 'Effective configuration',
    description:
      'The configuration the daemon runs with (file, environment and defaults merged): paths, index limits, search, history, store, cache, embedding and ask settings, with credentials redacted. ' +
      'Use it to explain why something is indexed, skipped or slow.',
    input: {},
    output: {
      configFile: z.string().nullable(),
      config: z.record(z.unknown()).describe('every section, secrets redacted'),
    },
    async run() {
      const config = redactConfig(deps.ctx.engine.config) as Record<string, unknown>;
      const { configFile, ...sections } = config;
      const text = `configuration${configFile ? ` from ${String(configFile)}` : ' (defaults and environment; no config file)'}:\n${JSON.stringify(sections, null, 2)}`;
      return { text, structured: { configFile: typeof configFile === 'string' ? configFile : null, config: sections }, hits: null };
    },
  });
}
