/**
 * FTS5 MATCH expressions parsed as FTS5 reads them (phrases, AND, OR, NOT,
 * parentheses, implicit AND; precedence NOT > AND > OR), phrases cut into FTS5's
 * tokens. Used by the PostgreSQL store (to evaluate MATCH in SQL) and by both
 * stores' per-repository scoring (repo-bm25.ts).
 */
import { ContextdError } from '../errors.js';
import { fts5Tokens } from './fts-tokens.js';

export type MatchNode =
  { kind: 'phrase'; index: number; tokens: string[] } | { kind: 'and' | 'or'; children: MatchNode[] } | { kind: 'not'; left: MatchNode; right: MatchNode };

export interface ParsedMatch {
  root: MatchNode;
  phrases: { index: number; tokens: string[] }[];
}

type Tok = { t: 'phrase'; text: string } | { t: 'and' | 'or' | 'not' | 'lp' | 'rp' };

function badQuery(msg: string): ContextdError {
  return new ContextdError('bad-query', `cannot search for that query: ${msg}`);
}

function lex(expr: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(') {
      out.push({ t: 'lp' });
      i++;
    } else if (c === ')') {
      out.push({ t: 'rp' });
      i++;
    } else if (c === '"') {
      let text = '';
      i++;
      for (;;) {
        if (i >= expr.length) throw badQuery('unterminated string');
        if (expr[i] === '"') {
          if (expr[i + 1] === '"') {
            text += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += expr[i++];
      }
      out.push({ t: 'phrase', text });
    } else {
      // A bareword: FTS5 allows letters, digits, _ and any non-ASCII character.
      let j = i;
      while (j < expr.length && (/[A-Za-z0-9_]/.test(expr[j]) || expr.charCodeAt(j) > 127)) j++;
      if (j === i) throw badQuery(`syntax error near "${expr.slice(i, i + 10)}" (only phrases, AND, OR, NOT and parentheses are supported)`);
      const word = expr.slice(i, j);
      i = j;
      if (word === 'AND') out.push({ t: 'and' });
      else if (word === 'OR') out.push({ t: 'or' });
      else if (word === 'NOT') out.push({ t: 'not' });
      else if (word === 'NEAR') throw badQuery('NEAR is not supported');
      else out.push({ t: 'phrase', text: word });
    }
  }
  return out;
}

/** Parses an FTS5 MATCH expression (precedence NOT > AND > OR; adjacent phrases AND). */
export function parseMatch(expr: string): ParsedMatch {
  const toks = lex(expr);
  const phrases: { index: number; tokens: string[] }[] = [];
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const primary = (): MatchNode => {
    const t = toks[pos++];
    if (!t) throw badQuery('unexpected end of query');
    if (t.t === 'lp') {
      const inner = orExpr();
      if (toks[pos++]?.t !== 'rp') throw badQuery('missing )');
      return inner;
    }
    if (t.t === 'phrase') {
      const p = { index: phrases.length, tokens: fts5Tokens(t.text) };
      phrases.push(p);
      return { kind: 'phrase', ...p };
    }
    throw badQuery(`unexpected ${t.t.toUpperCase()}`);
  };
  const notExpr = (): MatchNode => {
    let left = primary();
    while (peek()?.t === 'not') {
      pos++;
      left = { kind: 'not', left, right: primary() };
    }
    return left;
  };
  const andExpr = (): MatchNode => {
    const children = [notExpr()];
    for (;;) {
      const t = peek();
      if (t?.t === 'and') {
        pos++;
        children.push(notExpr());
      } else if (t && (t.t === 'phrase' || t.t === 'lp')) children.push(notExpr());
      else break;
    }
    return children.length === 1 ? children[0] : { kind: 'and', children };
  };
  const orExpr = (): MatchNode => {
    const children = [andExpr()];
    while (peek()?.t === 'or') {
      pos++;
      children.push(andExpr());
    }
    return children.length === 1 ? children[0] : { kind: 'or', children };
  };
  const root = orExpr();
  if (pos !== toks.length) throw badQuery('syntax error (unbalanced parentheses?)');
  return { root, phrases };
}

/** For each phrase, the AND/NOT ancestors that must match for its occurrences to count. */
export function countingGates(root: MatchNode): Map<number, MatchNode[]> {
  const out = new Map<number, MatchNode[]>();
  const walk = (n: MatchNode, gates: MatchNode[]): void => {
    if (n.kind === 'phrase') out.set(n.index, gates);
    else if (n.kind === 'or') for (const c of n.children) walk(c, gates);
    else if (n.kind === 'and') for (const c of n.children) walk(c, [...gates, n]);
    else if (n.kind === 'not') {
      walk(n.left, [...gates, n]);
      walk(n.right, [...gates, n]);
    }
  };
  walk(root, []);
  return out;
}
