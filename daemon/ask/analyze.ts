/**
 * Query analysis for `ask`: what the user wants (intent) and what they named
 * (symbols, paths, file:line references), so retrieval can look those up
 * directly instead of hoping a sentence search finds them. Plain rules, no
 * model call: it runs before the (slow) generation and must never fail.
 */

export type AskIntent = 'find' | 'explain' | 'fix' | 'refactor';

export interface PathRef {
  path: string;
  startLine?: number;
  endLine?: number;
}

export interface QueryAnalysis {
  intent: AskIntent;
  /** Identifiers named in the question (`parseJsonConfig`, `Cache.get`, `load_config`). */
  symbols: string[];
  /** Files or directories named in the question, with lines when given (`src/a.py:40`). */
  paths: PathRef[];
  /** Content words left once names and filler are removed. */
  keywords: string[];
}

const INTENTS: [AskIntent, RegExp][] = [
  [
    'fix',
    /\b(fix|fixe[sd]|bugs?|buggy|errors?|exceptions?|crash(es|ed|ing)?|fail(s|ed|ing|ure)?|broken|wrong|traceback|stack ?trace|panics?|doesn'?t work|not working|regression|debug|leaks?|hangs?|deadlock)\b/,
  ],
  [
    'refactor',
    /\b(refactor\w*|clean ?up|restructur\w*|simplif\w*|rename|extract|split up|reorgani[sz]\w*|deduplicat\w*|decoupl\w*|rewrite|modulari[sz]\w*|improve the (design|structure|code))\b/,
  ],
  [
    'find',
    /\b(where|which (file|files|function|functions|class|classes|module|modules|method|methods)|find|locate|look up|list (all|the|every)|show me|who (calls|uses)|what calls|call ?sites?|usages?|is (it )?defined|definition of|implemented)\b/,
  ],
  ['explain', /\b(what|how|why|explain|describe|walk me through|understand|overview|purpose|meaning)\b/],
];

const STOP = new Set(
  (
    'a an the and or but if then else of in on at to for from by with without into onto about as is are was were be been being do does did doing ' +
    'have has had this that these those it its there here what which who whom whose where when why how can could should would will shall may might ' +
    'must i me my we our you your they them their he she his her not no yes so than too very just also only any all each every some such more most ' +
    'other same own please tell show explain describe find fix refactor code codebase function functions method methods class classes file files ' +
    'work works working happen happens use used uses using call calls called get gets make makes does doing done need needs want'
  ).split(' '),
);

const EXT = 'py|pyi|ts|tsx|js|jsx|mjs|cjs|go|rs|java|kt|c|h|cc|cpp|cxx|hpp|hh|rb|cs|php|md|json|toml|ya?ml|sh|sql|swift|scala|lua';
const PATH_RE = new RegExp(`(?<![\\w/.-])((?:[\\w.-]+/)+[\\w.-]+/?|[\\w-]+(?:\\.[\\w-]+)*\\.(?:${EXT}))(?::(\\d+)(?:-(\\d+))?)?(?![\\w/])`, 'g');
const IDENT_RE = /(?<![\w.$])([A-Za-z_$][\w$]*(?:(?:\.|::|#)[A-Za-z_$][\w$]*)*)(\(\))?/g;

/** An identifier that reads as a code name rather than an English word. */
function codeLike(word: string, called: boolean): boolean {
  if (called) return true;
  if (/[.:#]/.test(word)) return /^[A-Za-z_$][\w$]*([.:#]+[A-Za-z_$][\w$]*)+$/.test(word) && !/\.(com|org|net|io)$/i.test(word);
  if (word.includes('_') && /[A-Za-z]/.test(word.replace(/_/g, ''))) return word.replace(/_/g, '').length > 1;
  if (/[a-z][A-Z]/.test(word)) return true; // camelCase
  if (/^[A-Z][a-z0-9]+[A-Z]/.test(word)) return true; // PascalCase with two humps
  if (/^[A-Z][A-Z0-9]{2,}$/.test(word) && !['API', 'CLI', 'HTTP', 'JSON', 'URL', 'SQL', 'CSS', 'HTML', 'TODO'].includes(word)) return true; // CONSTANT
  return false;
}

export function analyzeQuestion(question: string): QueryAnalysis {
  const q = question.trim();
  const lower = q.toLowerCase();
  const intent = INTENTS.find(([, re]) => re.test(lower))?.[0] ?? 'explain';

  const symbols: string[] = [];
  const paths: PathRef[] = [];
  const taken: [number, number][] = [];
  const addSymbol = (s: string) => {
    if (!symbols.includes(s)) symbols.push(s);
  };
  const addPath = (p: PathRef) => {
    if (!paths.some((x) => x.path === p.path && x.startLine === p.startLine)) paths.push(p);
  };

  // `backticked` names are names, whatever they look like.
  for (const m of q.matchAll(/`([^`\n]{1,200})`/g)) {
    const inner = m[1].trim();
    const pm = new RegExp(`^${PATH_RE.source}$`).exec(inner);
    if (pm && (inner.includes('/') || new RegExp(`\\.(${EXT})(:\\d+(-\\d+)?)?$`).test(inner))) addPath(pathRef(pm));
    else if (/^[A-Za-z_$][\w$.:#]*(\(\))?$/.test(inner)) addSymbol(inner.replace(/\(\)$/, ''));
    taken.push([m.index!, m.index! + m[0].length]);
  }
  for (const m of q.matchAll(PATH_RE)) {
    if (overlaps(taken, m.index!, m[0].length)) continue;
    // A dotted identifier (Cache.get) is not a path unless it has a slash or a known extension.
    addPath(pathRef(m));
    taken.push([m.index!, m.index! + m[0].length]);
  }
  for (const m of q.matchAll(IDENT_RE)) {
    if (overlaps(taken, m.index!, m[0].length)) continue;
    if (codeLike(m[1], !!m[2])) {
      addSymbol(m[1]);
      taken.push([m.index!, m.index! + m[0].length]);
    }
  }
  let rest = '';
  let last = 0;
  for (const [a, b] of taken.sort((x, y) => x[0] - y[0])) {
    rest += q.slice(last, a) + ' ';
    last = Math.max(last, b);
  }
  rest += q.slice(last);
  const keywords = [...new Set((rest.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).filter((w) => w.length > 1 && !STOP.has(w) && !/^\d+$/.test(w)))];
  return { intent, symbols, paths, keywords };
}

function pathRef(m: RegExpExecArray | RegExpMatchArray): PathRef {
  const ref: PathRef = { path: m[1].replace(/^\.\//, '').replace(/\/+$/, '') };
  if (m[2]) ref.startLine = Number(m[2]);
  if (m[3]) ref.endLine = Number(m[3]);
  else if (m[2]) ref.endLine = Number(m[2]);
  return ref;
}

function overlaps(taken: [number, number][], start: number, len: number): boolean {
  return taken.some(([a, b]) => start < b && start + len > a);
}

/** A path glob for search filters: a directory matches everything under it, a file itself (anywhere, by suffix). */
export function pathGlob(p: string): string {
  const clean = p.replace(/\/+$/, '');
  const isFile = /\.[\w-]+$/.test(clean);
  if (isFile) return clean.includes('/') ? `**/${clean}` : `**/${clean}`;
  return `**/${clean}/**`;
}
