/**
 * MCP resources: every registered repository is listed (`contextd://REPO/`), and files
 * are read through the templates of resource-uri.ts: the working-tree file, a line
 * range, the file at a commit. Reads pass repo/confine.ts like get_code: inside the
 * repository, no symlink or hard link out, no git internals, no secrets.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ReadResourceRequestSchema,
  type ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import { isContextdError } from '../errors.js';
import { confinePath, readConfined, readConfinedAt } from '../repo/confine.js';
import type { ToolDeps } from './toolkit.js';
import { parseFileUri, RESOURCE_TEMPLATES, repoUri } from './resource-uri.js';

/** The spec's code for a resource that does not exist. */
const RESOURCE_NOT_FOUND = -32002;
/** Paths listed when a repository itself is read. */
const MAX_LISTED = 5000;

export function registerResources(server: McpServer, deps: ToolDeps): void {
  const low = server.server;
  low.registerCapabilities({ resources: {} });
  low.setRequestHandler(ListResourcesRequestSchema, async () => {
    const roots = await deps.ctx.registeredRoots();
    return {
      resources: roots.map((root) => ({
        uri: repoUri(root, roots),
        name: root.split('/').pop() || root,
        title: root,
        description: `registered repository ${root}: read it for its indexed files; files are contextd://…/PATH`,
        mimeType: 'text/plain',
      })),
    };
  });
  low.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: RESOURCE_TEMPLATES.map((t) => ({ ...t, mimeType: 'text/plain' })),
  }));
  low.setRequestHandler(ReadResourceRequestSchema, async (req): Promise<ReadResourceResult> => {
    const uri = req.params.uri;
    const t0 = performance.now();
    const audit = (error: string | null) =>
      deps.ctx.audit({ at: Date.now(), tool: 'resources/read', args: { uri }, durationMs: Math.round(performance.now() - t0), hits: error ? null : 1, error });
    try {
      const roots = await deps.ctx.registeredRoots();
      const ref = parseFileUri(uri, roots);
      if (!ref.path) {
        const { files } = await deps.ctx.engine.indexedFiles(ref.root);
        const indexed = files.filter((f) => f.status === 'indexed');
        const listed = indexed.slice(0, MAX_LISTED).map((f) => f.path);
        const more = indexed.length > listed.length ? `\n… ${indexed.length - listed.length} more (list_files pages through all)` : '';
        audit(null);
        return { contents: [{ uri, mimeType: 'text/plain', text: `${ref.root}: ${indexed.length} indexed file(s)\n${listed.join('\n')}${more}` }] };
      }
      const target = confinePath(ref.path, roots, ref.root, { mustExist: !ref.rev });
      const range = ref.start !== undefined ? { start: ref.start, end: ref.end } : undefined;
      const served = ref.rev ? await readConfinedAt(target, ref.rev, range) : await readConfined(target, range);
      audit(null);
      return { contents: [{ uri, mimeType: 'text/plain', text: range || served.more ? served.lines.join('\n') : served.text }] };
    } catch (err) {
      audit(err instanceof Error ? err.message : String(err));
      if (isContextdError(err)) {
        const missing = err.code === 'path-missing' || err.code === 'not-registered';
        // A plain error with a code (not McpError, whose message repeats "MCP error <code>:" and the client adds its own).
        throw Object.assign(new Error(`${err.message}${err.hint ? ` (${err.hint})` : ''}`), {
          code: missing ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams,
          data: { uri },
        });
      }
      throw err;
    }
  });
}
