/**
 * What an LSP session can reach in the daemon (the daemon fills this in; tests
 * can build one around an Engine), and the session's settings.
 */
import type { Engine } from '../daemon/engine.js';
import type { ParsedFile } from '../daemon/lang/types.js';
import type { DaemonStatus } from '../daemon/types.js';
import type { Freshness } from '../daemon/index/freshness.js';

export interface LspLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface LspContext {
  engine: Engine;
  /** The daemon's defaults for every session (the `[lsp]` config section). */
  settings: LspSettings;
  /** Register a repository with the daemon (hooks, watcher, first index), like `contextd add`. */
  registerRepo(path: string): Promise<{ root: string }>;
  /** Daemon status: per-repository state and index progress. */
  status(): Promise<Pick<DaemonStatus, 'repos'>>;
  /** Parse one buffer off the event loop (tree-sitter, the same chunker the index uses). */
  parse(path: string, text: string, language: string): Promise<ParsedFile>;
  /** Freshness of a repository's index as the daemon knows it; absent: ask the engine (runs git). */
  freshness?(root: string): Promise<Freshness>;
  log: LspLogger;
}

export interface LspSettings {
  /** Register the repositories of the editor's workspace folders on `initialize`. */
  autoRegister: boolean;
  /** `textDocument/definition` from the symbol table: off, on for every language, or for the listed languages. */
  definitionFallback: boolean | string[];
  /** Most `workspace/symbol` results per request. */
  workspaceSymbolLimit: number;
}

export const DEFAULT_LSP_SETTINGS: Readonly<LspSettings> = Object.freeze({
  autoRegister: true,
  definitionFallback: false,
  workspaceSymbolLimit: 100,
});

/**
 * Overlays settings an editor sent (initializationOptions, or the `contextd`
 * section of workspace/configuration) on `base`. Unknown keys and values of the
 * wrong type are ignored, so a typo in an editor config never breaks a session.
 */
export function mergeSettings(base: LspSettings, raw: unknown): LspSettings {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return base;
  const r = raw as Record<string, unknown>;
  const out: LspSettings = { ...base };
  if (typeof r.autoRegister === 'boolean') out.autoRegister = r.autoRegister;
  const fb = r.definitionFallback;
  if (typeof fb === 'boolean') out.definitionFallback = fb;
  else if (Array.isArray(fb) && fb.every((x) => typeof x === 'string')) out.definitionFallback = fb.map((x) => x.toLowerCase());
  const limit = r.workspaceSymbolLimit;
  if (typeof limit === 'number' && Number.isInteger(limit) && limit > 0) out.workspaceSymbolLimit = Math.min(limit, 10_000);
  return out;
}

/** Whether the definition fallback applies to a file of `language`. */
export function definitionFallbackFor(settings: LspSettings, language: string | null): boolean {
  const fb = settings.definitionFallback;
  if (fb === true) return true;
  if (fb === false || !language) return false;
  return fb.includes(language.toLowerCase());
}
