import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ContextdError } from '../../errors.js';
import { confinePath, readConfined } from '../../repo/confine.js';
import { defineTool, resolveRepo, type ToolDeps } from '../toolkit.js';
import { fileUri } from '../resource-uri.js';
import { repoArg } from '../schemas.js';

/** Symbols listed at most (structured and text). */
const MAX_SYMBOLS = 1000;

export function registerOutline(server: McpServer, deps: ToolDeps): void {
  defineTool(server, deps, {
    name: 'outline',
    title: 'File outline',
    description:
      'The symbols of one file (classes, functions, methods, types, constants) with their line ranges and signatures, nested by container, as the file is on disk now. ' +
      "Use it to see a file's structure before reading parts of it with get_code.",
    input: {
      path: z.string().min(1).describe('repo-relative path (or absolute inside a registered repository)'),
      repo: repoArg,
    },
    output: {
      repo: z.string(),
      path: z.string(),
      language: z.string(),
      lines: z.number().int(),
      truncated: z.boolean().describe(`more than ${MAX_SYMBOLS} symbols: the first ones are listed`),
      symbols: z.array(
        z.object({
          name: z.string(),
          kind: z.string(),
          container: z.string().nullable(),
          startLine: z.number().int(),
          endLine: z.number().int(),
          signature: z.string(),
          uri: z.string(),
        }),
      ),
    },
    async run(args) {
      const root = await resolveRepo(deps, args.repo);
      const roots = await deps.ctx.registeredRoots();
      const target = confinePath(args.path, roots, root);
      const { files } = await deps.ctx.engine.indexedFiles(target.root);
      const record = files.find((f) => f.path === target.rel);
      if (!record)
        throw new ContextdError('not-indexed', `${target.rel} is not in the index of ${target.root}`, {
          hint: 'list_files shows what is indexed; a new file is picked up within seconds',
        });
      if (record.status !== 'indexed' || !record.language)
        throw new ContextdError('not-indexed', `${target.rel} is not parsed (${record.skipReason ?? 'no language'})`);
      const served = await readConfined(target);
      const parsed = await deps.ctx.engine.parseText(target.rel, served.text, record.language);
      const all = [...parsed.symbols].sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
      // A generated file can define thousands: the first MAX_SYMBOLS, and the answer says so.
      const symbols = all.slice(0, MAX_SYMBOLS);
      const cut =
        all.length > symbols.length ? `\n… ${all.length - symbols.length} more symbol(s) after line ${symbols.at(-1)!.endLine}; get_code reads the rest` : '';
      const depth = (c: string | null) => (c ? c.split('.').length : 0);
      const text = symbols.length
        ? [
            `${target.rel} (${record.language}, ${served.lines.length} lines)`,
            ...symbols.map((s) => `${'  '.repeat(depth(s.container) + 1)}${s.name} (${s.kind}) ${s.startLine}-${s.endLine}: ${s.signature}`),
          ].join('\n')
        : `${target.rel} (${record.language}) defines no symbols${parsed.fallback ? ' the parser recognizes' : ''}.`;
      const truncated = cut !== '';
      return {
        text: text + cut,
        structured: {
          truncated,
          repo: target.root,
          path: target.rel,
          language: record.language,
          lines: served.lines.length,
          symbols: symbols.map((s) => ({
            name: s.name,
            kind: s.kind,
            container: s.container,
            startLine: s.startLine,
            endLine: s.endLine,
            signature: s.signature,
            uri: fileUri({ root: target.root, path: target.rel, start: s.startLine, end: s.endLine }, roots),
          })),
        },
        hits: symbols.length,
      };
    },
  });
}
