/** Language id -> tree-sitter rules. Languages missing here are chunked without a parser. */
import { cppRules, cRules } from './cfamily.js';
import { csharpRules } from './csharp.js';
import { javascriptRules, tsxRules, typescriptRules } from './ecmascript.js';
import { goRules } from './go.js';
import { javaRules } from './java.js';
import { phpRules } from './php.js';
import { pythonRules } from './python.js';
import { rubyRules } from './ruby.js';
import { rustRules } from './rust.js';
import type { LanguageRules } from './types.js';

const RULES: Record<string, LanguageRules> = {
  python: pythonRules,
  // The JavaScript grammar parses JSX too.
  javascript: javascriptRules,
  jsx: javascriptRules,
  typescript: typescriptRules,
  tsx: tsxRules,
  java: javaRules,
  c: cRules,
  cpp: cppRules,
  go: goRules,
  rust: rustRules,
  ruby: rubyRules,
  csharp: csharpRules,
  php: phpRules,
};

export function rulesFor(language: string): LanguageRules | null {
  return Object.hasOwn(RULES, language) ? RULES[language] : null;
}
