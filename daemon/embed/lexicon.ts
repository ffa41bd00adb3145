/**
 * A hand-written code vocabulary: groups of words that name the same operation
 * or idea in code. Used for query expansion (a query word adds its group, at a
 * lower weight), never to rewrite documents. Stemmed like everything else
 * (see text.ts), so `removing`, `removes` and `remove` all find the group.
 */
import { stem } from './text.js';

const GROUPS: readonly string[] = [
  'remove delete drop del rm erase discard purge unlink evict',
  'fetch get load retrieve read obtain lookup',
  'init initialize setup configure bootstrap prepare',
  'create make new build construct spawn generate',
  'start begin launch run open',
  'stop end halt terminate kill close shutdown finish',
  'add append insert push put register',
  'update modify change set edit patch alter',
  'find search lookup locate query match scan',
  'check validate verify test ensure assert',
  'parse decode deserialize unmarshal unpack',
  'serialize encode marshal dump pack stringify',
  'write save store persist flush dump emit',
  'send post transmit publish emit dispatch',
  'receive recv accept listen',
  'retry resend reattempt repeat backoff',
  'error exception fail failure fault raise throw',
  'copy clone duplicate replicate',
  'compare cmp equal eq diff',
  'sort order rank arrange',
  'count size len length number total',
  'convert transform translate map cast coerce',
  'join concat concatenate merge combine',
  'split partition divide chunk tokenize',
  'format render print display show',
  'connect connection socket sock conn link',
  'file path filename fname dir directory folder',
  'config configuration setting option preference conf cfg',
  'user account person login',
  'auth authenticate authorization login credential password token',
  'cache memo memoize buffer',
  'lock mutex semaphore synchronize acquire release',
  'thread worker concurrent parallel async',
  'wait sleep pause block delay timeout',
  'message msg event notification signal',
  'request req query call invoke',
  'response resp reply answer result',
  'url uri link href address',
  'list array sequence seq items collection',
  'dict dictionary map mapping hash table',
  'string str text char',
  'number num int integer digit float',
  'boolean bool flag',
  'temporary temp tmp',
  'attribute attr property prop field',
  'argument arg param parameter option',
  'function func fn callable method handler callback',
  'directory dir folder',
  'environment env',
  'previous prev last old',
  'next following successor',
  'current cur curr active',
  'maximum max largest biggest upper',
  'minimum min smallest least lower',
  'source src origin',
  'destination dst dest target',
  'character char letter',
  'escape quote',
  'clear reset empty flush',
  'exit quit',
  'log logger logging trace debug',
  'timestamp time date datetime clock',
  'memory mem heap alloc allocate',
  'iterate iterator iter loop each walk traverse',
  'filter select where exclude',
  'encrypt cipher crypt hash digest sign',
  'compress zip gzip deflate',
  'decompress unzip inflate extract',
  'download fetch pull',
  'upload push put',
  'close shut dispose release cleanup',
  'null none nil empty void',
];

const table = new Map<string, string[]>();
for (const line of GROUPS) {
  const words = [...new Set(line.split(' ').map(stem))];
  for (const w of words) {
    const prev = table.get(w) ?? [];
    table.set(w, [...new Set([...prev, ...words.filter((x) => x !== w)])]);
  }
}

/** Other words of the groups `word` (stemmed) belongs to. */
export function synonyms(word: string): readonly string[] {
  return table.get(word) ?? [];
}

/** Query words plus their lexicon synonyms, with a weight each (1 for the words typed, `weight` for added ones). */
export function expandQuery(words: readonly string[], weight = 0.4): { words: string[]; weights: number[] } {
  const out = new Map<string, number>();
  for (const w of words) out.set(w, 1);
  for (const w of words) for (const s of synonyms(w)) if (!out.has(s)) out.set(s, weight);
  return { words: [...out.keys()], weights: [...out.values()] };
}
