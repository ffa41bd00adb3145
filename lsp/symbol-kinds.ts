/** Our symbol kinds (the chunker's) as LSP SymbolKinds. */
import { SymbolKind } from 'vscode-languageserver/node';
import type { SymbolKind as OurKind } from '../daemon/lang/types.js';

const KINDS: Record<OurKind, SymbolKind> = {
  function: SymbolKind.Function,
  method: SymbolKind.Method,
  constructor: SymbolKind.Constructor,
  class: SymbolKind.Class,
  interface: SymbolKind.Interface,
  struct: SymbolKind.Struct,
  enum: SymbolKind.Enum,
  // Rust traits are interfaces; an impl block is an object holding methods (as rust-analyzer reports them).
  trait: SymbolKind.Interface,
  impl: SymbolKind.Object,
  module: SymbolKind.Module,
  namespace: SymbolKind.Namespace,
  // Type aliases: rust-analyzer and others report TypeParameter.
  type: SymbolKind.TypeParameter,
  variable: SymbolKind.Variable,
  constant: SymbolKind.Constant,
  field: SymbolKind.Field,
  property: SymbolKind.Property,
  macro: SymbolKind.Function,
  // Markdown headings: String, as markdown servers (marksman) report them.
  section: SymbolKind.String,
};

export function lspSymbolKind(kind: string): SymbolKind {
  return KINDS[kind as OurKind] ?? SymbolKind.Variable;
}
