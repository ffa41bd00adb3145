/**
 * Credentials that must never be indexed or shown: one list for every check.
 * Files holding one are skipped whole (repo/content-filter.ts); text that is
 * indexed whatever it holds (commit messages, author fields) has them redacted.
 */

/** At least one lowercase letter, one uppercase letter and one digit: random tokens have all three, identifiers rarely do. */
function looksRandom(s: string): boolean {
  return /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s);
}

/**
 * Credential shapes. Each requires a realistic length so code that merely
 * mentions a prefix (`token.startsWith('ghp_')`) is not flagged.
 */
export const SECRET_PATTERNS: readonly { name: string; re: RegExp; check?: (m: string) => boolean }[] = [
  { name: 'private key block', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  { name: 'AWS access key id', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { name: 'GitHub token', re: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
  { name: 'GitHub fine-grained token', re: /\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b/ },
  { name: 'GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { name: 'Slack token', re: /\bxox[baprs]-[0-9]{6,}-[0-9A-Za-z-]{10,}/ },
  { name: 'Stripe live key', re: /\b[sr]k_live_[0-9A-Za-z]{20,}\b/ },
  { name: 'Google API key', re: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/ },
  { name: 'npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/ },
  {
    name: 'Anthropic API key',
    re: /\bsk-ant-[a-z]+\d{2}-[A-Za-z0-9_-]{80,}/,
  },
  {
    // Legacy OpenAI keys are sk- + 48 alphanumerics; project/service keys are longer with - and _.
    name: 'OpenAI-style API key',
    re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{40,}/,
    check: looksRandom,
  },
];

export function findSecret(text: string): string | null {
  for (const { name, re, check } of SECRET_PATTERNS) {
    if (!check) {
      if (re.test(text)) return name;
      continue;
    }
    const global = new RegExp(re.source, 'g');
    for (const m of text.matchAll(global)) if (check(m[0])) return name;
  }
  return null;
}

/**
 * The text with every credential (SECRET_PATTERNS) replaced by `[redacted: <kind>]`.
 * For text that is indexed whatever it holds (commit messages, author fields): a
 * file with a secret is skipped whole, a commit message keeps its other words.
 */
export function redactSecrets(text: string): string {
  if (!text) return text;
  let out = text;
  for (const { name, re, check } of SECRET_PATTERNS) {
    const global = new RegExp(re.source, 'g');
    if (!global.test(out)) continue;
    global.lastIndex = 0;
    out = out.replace(global, (m) => (check && !check(m) ? m : `[redacted: ${name}]`));
  }
  return out;
}
