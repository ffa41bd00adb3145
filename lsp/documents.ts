/**
 * Open buffers (didOpen/didChange/didClose, incremental sync) and the text of a
 * file as the editor sees it: the buffer when open, else the file on disk.
 * Nothing here writes to disk. Parses are cached per (uri, version) for open
 * buffers and per unchanged text for files read from disk.
 */
import { TextDocuments, type Connection } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { languageForPath } from '../daemon/lang/languages.js';
import { hasStructuredChunker } from '../daemon/lang/languages.js';
import type { Engine } from '../daemon/engine.js';
import type { ParsedFile } from '../daemon/lang/types.js';
import { isContextdError } from '../daemon/errors.js';
import { confinePath, readConfined } from '../daemon/repo/confine.js';
import type { LspContext } from './context.js';
import { uriToPath } from './workspace.js';

/** Parses of unopened files kept per session. */
const DISK_PARSE_CACHE = 32;

export interface DocumentText {
  uri: string;
  /** Absolute path, when the uri is a file. */
  path: string | null;
  text: string;
  /** The buffer's version when open; null when read from disk. */
  version: number | null;
}

export class Documents {
  readonly buffers = new TextDocuments(TextDocument);
  private readonly parses = new Map<string, { key: string; parsed: Promise<ParsedFile> }>();
  /** Parses of files read from disk (not open), by path, while their text is unchanged; most recent last. */
  private readonly diskParses = new Map<string, { text: string; parsed: Promise<ParsedFile> }>();

  constructor(private readonly ctx: LspContext) {
    this.buffers.onDidClose((e) => this.parses.delete(e.document.uri));
  }

  get engine(): Engine {
    return this.ctx.engine;
  }

  listen(connection: Connection): void {
    this.buffers.listen(connection);
  }

  /** The buffer's text if the editor has it open, else the file on disk (null when missing or not to be served: see readDiskChecked). */
  async text(uri: string): Promise<DocumentText | null> {
    const open = this.buffers.get(uri);
    const path = uriToPath(uri);
    if (open) return { uri, path, text: open.getText(), version: open.version };
    if (!path) return null;
    const disk = await readDiskChecked(this.ctx.engine, path);
    return disk.text === null ? null : { uri, path, text: disk.text, version: null };
  }

  /** Whether an unopened document is a file that is missing inside a repository (as opposed to refused). */
  async missing(uri: string): Promise<boolean> {
    const path = uriToPath(uri);
    if (!path || this.buffers.get(uri)) return false;
    const disk = await readDiskChecked(this.ctx.engine, path);
    return disk.text === null && disk.why === 'missing';
  }

  /** tree-sitter symbols of the document as the editor sees it, or null for languages without a parser. */
  async parse(doc: DocumentText): Promise<ParsedFile | null> {
    const name = doc.path ?? new URL(doc.uri).pathname;
    const language = languageForPath(name, doc.text.slice(0, 512));
    if (!language || !hasStructuredChunker(language)) return null;
    const key = `${doc.version ?? 'disk'}:${doc.text.length}:${language}`;
    const cached = this.parses.get(doc.uri);
    if (cached && cached.key === key && doc.version !== null) return cached.parsed;
    if (doc.version === null) {
      // A file on disk: reuse its parse while its text is the same (hovering around one file).
      const hit = this.diskParses.get(name);
      if (hit && hit.text === doc.text) {
        this.diskParses.delete(name);
        this.diskParses.set(name, hit);
        return hit.parsed;
      }
      const parsed = this.ctx.parse(name, doc.text, language);
      this.diskParses.set(name, { text: doc.text, parsed });
      parsed.catch(() => this.diskParses.delete(name));
      while (this.diskParses.size > DISK_PARSE_CACHE) this.diskParses.delete(this.diskParses.keys().next().value!);
      return parsed;
    }
    const parsed = this.ctx.parse(name, doc.text, language);
    this.parses.set(doc.uri, { key, parsed });
    parsed.catch(() => this.parses.delete(doc.uri));
    return parsed;
  }
}

/**
 * A file on disk as a client may see it, by the same rules as MCP (daemon/repo/confine.ts):
 * inside an indexed repository (the ones LSP answers for; symlinks and hard links resolved),
 * not git internals, not a secret by name or content, at most 4 MiB. Anything else reads as
 * null: `missing` for a file that is not there inside a repository, `refused` otherwise
 * (so nothing about files outside the repositories can be learnt, not even whether they exist).
 */
export async function readDiskChecked(engine: Engine, path: string): Promise<{ text: string } | { text: null; why: 'missing' | 'refused' }> {
  try {
    const roots = (await engine.listRepos()).map((r) => r.root);
    return { text: (await readConfined(confinePath(path, roots, null))).text };
  } catch (err) {
    return {
      text: null,
      why: isContextdError(err) && (err.code === 'path-missing' || (err.code === 'read-failed' && /ENOENT/.test(err.message))) ? 'missing' : 'refused',
    };
  }
}

export async function readDisk(engine: Engine, path: string): Promise<string | null> {
  return (await readDiskChecked(engine, path)).text;
}
