/**
 * The lexical index's tokens, exactly as SQLite's FTS5 `unicode61 remove_diacritics 2`
 * tokenizer cuts them, for backends that are not SQLite (PostgreSQL). Both backends
 * index the same `indexText()` strings; this module makes the PostgreSQL store see the
 * very tokens FTS5 sees, so BM25 statistics and phrase matches agree to the bit.
 *
 * - ASCII (almost all code): tokens are runs of [a-z0-9], case-folded; everything else
 *   (`_` included) separates. Done here, in JavaScript.
 * - Anything with a non-ASCII character goes through SQLite's own tokenizer (an in-memory
 *   FTS5 table read back through `fts5vocab`), so case folding, diacritic removal and which
 *   characters separate are SQLite's, for whatever Unicode version it was built with.
 */
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';

const ASCII_ONLY = /^[\x00-\x7f]*$/;
const ASCII_TOKEN = /[A-Za-z0-9]+/g;

/** Tokens of one text, in order (positions are array indexes). */
const HAS_UPPER = /[A-Z]/;

function asciiTokens(text: string): string[] {
  const m = text.match(ASCII_TOKEN);
  if (!m) return [];
  // indexText() output is lowercase already: fold only when there is something to fold.
  return HAS_UPPER.test(text) ? m.map((t) => t.toLowerCase()) : m;
}

export function fts5Tokens(text: string): string[] {
  if (ASCII_ONLY.test(text)) return asciiTokens(text);
  return unicodeTokenizer().tokens([text])[0];
}

/** Tokens of several texts (one SQLite round for all the non-ASCII ones). */
export function fts5TokensMany(texts: readonly string[]): string[][] {
  const out: string[][] = new Array(texts.length);
  const slow: number[] = [];
  texts.forEach((text, i) => {
    if (ASCII_ONLY.test(text)) out[i] = asciiTokens(text);
    else slow.push(i);
  });
  if (slow.length) {
    const toks = unicodeTokenizer().tokens(slow.map((i) => texts[i]));
    slow.forEach((i, k) => (out[i] = toks[k]));
  }
  return out;
}

class SqliteTokenizer {
  private readonly db: Db;
  private readonly insert: Statement<[number, string]>;
  private readonly read: Statement<[], { doc: number; term: string; offset: number }>;
  private readonly clear: Statement<[]>;

  constructor() {
    this.db = new Database(':memory:');
    this.db.exec(`CREATE VIRTUAL TABLE t USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2');
      CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');`);
    this.insert = this.db.prepare('INSERT INTO t (rowid, body) VALUES (?, ?)');
    this.read = this.db.prepare('SELECT doc, term, offset FROM v');
    this.clear = this.db.prepare("INSERT INTO t (t) VALUES ('delete-all')");
  }

  tokens(texts: readonly string[]): string[][] {
    const out: string[][] = texts.map(() => []);
    for (let start = 0; start < texts.length; start += 256) {
      const part = texts.slice(start, start + 256);
      this.db.transaction(() => {
        part.forEach((t, i) => this.insert.run(start + i + 1, t));
      })();
      for (const r of this.read.iterate()) out[r.doc - 1][r.offset] = r.term;
      this.clear.run();
    }
    // Offsets are dense within a document; guard against holes anyway.
    return out.map((a) => a.filter((t) => t !== undefined));
  }
}

let tokenizer: SqliteTokenizer | null = null;
function unicodeTokenizer(): SqliteTokenizer {
  if (!tokenizer) tokenizer = new SqliteTokenizer();
  return tokenizer;
}
