/**
 * The code graph's commands: `refs`, `callers`, `callees`, `impact`. Thin: the Engine answers
 * (daemon/graph/); this module parses flags and prints.
 */
import type { Command } from 'commander';
import {
  PATTERN_TAGS,
  REF_KINDS,
  type PatternTag,
  type CallNode,
  type GraphDefinition,
  type GraphScope,
  type ImpactReport,
  type RefKind,
  type RefSite,
} from '../engine.js';
import { ContextdError } from '../errors.js';
import { bold, cyan, dim, printJson } from './output.js';
import { withEngine } from './run.js';

interface GraphFlags {
  repo?: string;
  json?: boolean;
  min?: number;
  depth?: number;
  kind?: RefKind[];
}

const TARGET_HELP = 'file:line (the definition on or around that line), file:line:col (a use there means what it names), or a symbol (name or Class.method)';

function parseMin(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1)
    throw new ContextdError('bad-argument', `--min must be a number from 0 to 1 (got ${JSON.stringify(value)})`, { exitCode: 2 });
  return n;
}

function parseDepth(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10)
    throw new ContextdError('bad-argument', `--depth must be an integer from 1 to 10 (got ${JSON.stringify(value)})`, { exitCode: 2 });
  return n;
}

function parseKinds(value: string, prev: RefKind[] = []): RefKind[] {
  const kinds = value.split(',').map((k) => k.trim());
  for (const k of kinds) {
    if (!(REF_KINDS as readonly string[]).includes(k))
      throw new ContextdError('bad-argument', `--kind must be one of ${REF_KINDS.join(', ')} (got ${JSON.stringify(k)})`, { exitCode: 2 });
  }
  return [...prev, ...(kinds as RefKind[])];
}

const scopeOf = (f: GraphFlags): GraphScope => ({ repo: f.repo, min: f.min, depth: f.depth, kinds: f.kind });

function noDefinition(target: string, defs: GraphDefinition[]): void {
  if (defs.length) return;
  throw new ContextdError('symbol-not-found', `no definition found for ${target}`, {
    hint: 'name a symbol (contextd symbols NAME finds it) or a file:line inside or on a definition; is the repository indexed?',
  });
}

function printDefs(defs: GraphDefinition[]): void {
  for (const d of defs) console.log(`${bold(d.symbol)} ${dim(d.kind)}  ${cyan(`${d.path}:${d.line}`)}`);
}

function printCalls(nodes: CallNode[], verb: string): void {
  if (!nodes.length) return console.log(dim(`  no ${verb} found`));
  for (const n of nodes) {
    const indent = '  '.repeat(n.depth);
    console.log(
      `${indent}${bold(n.symbol ?? '(top level)')} ${cyan(`${n.path}:${n.line}`)}  ${n.confidence.toFixed(2)}  ${dim(`${n.kind}; line${n.sites.length > 1 ? 's' : ''} ${n.sites.join(', ')}; via ${n.via}`)}`,
    );
  }
}

function printRefs(refs: RefSite[]): void {
  if (!refs.length) return console.log(dim('  no references found'));
  for (const r of refs)
    console.log(`  ${cyan(`${r.path}:${r.line}:${r.column}`)}  ${r.kind.padEnd(7)} ${r.confidence.toFixed(2)}  ${dim(r.symbol ?? '(top level)')}`);
}

export function registerGraphCommands(program: Command): void {
  registerEndpoints(program);
  const common = (c: Command) =>
    c
      .option('--repo <path>', 'the repository (any path inside it); default: the one around the current directory or the file')
      .option('--min <confidence>', 'leave out candidates below this confidence (0..1, default 0.4)', parseMin)
      .option('--json', 'print JSON');

  common(
    program
      .command('refs')
      .description('references to a definition: calls, reads, writes, imports, type uses, inheritance, each with a confidence')
      .argument('<target>', TARGET_HELP)
      .option('--kind <kinds>', `only these kinds (comma-separated: ${REF_KINDS.join(', ')})`, parseKinds),
  )
    .addHelpText(
      'after',
      `
Resolution is syntactic and best effort: through imports, the enclosing class, self/this and
the package. A use that could mean several definitions (obj.save() with three save methods)
gets a share of confidence; lower --min to see such candidates. Columns are 1-based.

JSON: [{ path, line, column, kind, symbol, confidence }] where kind is call, read, write, import,
type or inherit and symbol is the definition the use sits in (null at top level).`,
    )
    .action(async (target: string, flags: GraphFlags) => {
      await withEngine(async (engine) => {
        const { definitions, refs } = await engine.refs(target, scopeOf(flags));
        noDefinition(target, definitions);
        if (flags.json) return printJson(refs);
        printDefs(definitions);
        printRefs(refs);
      });
    });

  for (const which of ['callers', 'callees'] as const) {
    common(
      program
        .command(which)
        .description(
          which === 'callers'
            ? 'who calls a definition, to --depth calls away'
            : 'what a definition calls (definitions in the repository), to --depth calls away',
        )
        .argument('<target>', TARGET_HELP)
        .option('--depth <n>', 'calls away (1..10, default 1)', parseDepth),
    )
      .addHelpText(
        'after',
        `
A node's confidence is the product of the confidences along its path.

JSON: { definitions: [{ path, line, column, name, kind, symbol, ... }], ${which}: [{ symbol, path, line, kind, confidence, depth, sites, via }] }.`,
      )
      .action(async (target: string, flags: GraphFlags) => {
        await withEngine(async (engine) => {
          const report = which === 'callers' ? await engine.callers(target, scopeOf(flags)) : await engine.callees(target, scopeOf(flags));
          noDefinition(target, report.definitions);
          if (flags.json) return printJson(report);
          printDefs(report.definitions);
          printCalls(which === 'callers' ? (report as { callers: CallNode[] }).callers : (report as { callees: CallNode[] }).callees, which);
        });
      });
  }

  common(
    program
      .command('impact')
      .description('what a change touches: changed definitions, their transitive callers, the tests reaching them, co-change partners')
      .argument('[target]', `${TARGET_HELP}; or use --diff / --staged`)
      .option('--diff [rev]', 'the working tree vs HEAD; with REV: what commit REV changed, or a range A..B')
      .option('--staged', 'the staged changes (index vs HEAD)')
      .option('--depth <n>', 'calls away to follow (1..10, default 3)', parseDepth),
  )
    .addHelpText(
      'after',
      `
Changed definitions are found by parsing the changed side of each file (so an old commit names
its definitions even when they moved since); callers and tests come from the current index.
Co-change confidence = commits that changed both / commits that changed the file.

JSON: { source, changed: [{ path, line, symbol, kind, lines: [start, end], ... }], callers: [...],
tests: [{ path, symbol, confidence, depth }], coChange: [{ path, with, commits, confidence }] }.`,
    )
    .action(async (target: string | undefined, flags: GraphFlags & { diff?: string | true; staged?: boolean }) => {
      const modes = [target !== undefined, flags.diff !== undefined, flags.staged === true].filter(Boolean).length;
      if (modes !== 1) throw new ContextdError('bad-argument', 'impact takes exactly one of: a target, --diff [REV], --staged', { exitCode: 2 });
      await withEngine(async (engine) => {
        const report = await engine.impact({ target, diff: flags.diff, staged: flags.staged }, scopeOf(flags));
        if (flags.json) return printJson(report);
        printImpact(report);
      });
    });
}

function registerEndpoints(program: Command): void {
  program
    .command('endpoints')
    .description(
      'HTTP endpoints declared in a repository (Express/Fastify/Koa/Hono, Flask/FastAPI, Spring, Go net/http and gin): method, path, handler, location',
    )
    .option('--repo <path>', 'the repository (any path inside it); default: the one around the current directory')
    .option('--tag <tag>', `list another pattern instead (${PATTERN_TAGS.join(', ')})`)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      `
Found by the code graph's pattern rules from the syntax (a route call with a literal path, a
route decorator or annotation); routes built at run time are not seen.

JSON: { repo, endpoints: [{ method, path, handler, file, line }] } (with --tag: { repo, patterns: [{ tag, path, line, detail }] }).`,
    )
    .action(async (flags: { repo?: string; tag?: string; json?: boolean }) => {
      const tag = (flags.tag ?? 'endpoint') as PatternTag;
      if (!(PATTERN_TAGS as readonly string[]).includes(tag))
        throw new ContextdError('bad-argument', `--tag must be one of ${PATTERN_TAGS.join(', ')}`, { exitCode: 2 });
      await withEngine(async (engine) => {
        const { repo, patterns } = await engine.patterns(tag, { repo: flags.repo });
        if (tag !== 'endpoint') {
          if (flags.json) return printJson({ repo, patterns: patterns.map((p) => ({ tag: p.tag, path: p.path, line: p.line, detail: p.detail })) });
          for (const p of patterns) console.log(`${cyan(`${p.path}:${p.line}`)}  ${p.detail}`);
          return;
        }
        const endpoints = patterns.map((p) => {
          const [method, ...rest] = p.detail.split(' ');
          return { method, path: rest.join(' '), handler: p.handler, file: p.path, line: p.line };
        });
        if (flags.json) return printJson({ repo, endpoints });
        if (!endpoints.length) console.log(dim('no endpoints found'));
        for (const e of endpoints) console.log(`${bold(e.method.padEnd(7))} ${e.path}  ${dim(e.handler ?? '')}  ${cyan(`${e.file}:${e.line}`)}`);
      });
    });
}

function printImpact(r: ImpactReport): void {
  console.log(dim(r.source));
  if (!r.changed.length) console.log(dim('  no changed definitions'));
  for (const d of r.changed)
    console.log(`${bold(d.symbol)} ${dim(d.deleted ? `${d.kind}, removed` : d.kind)}  ${cyan(`${d.path}:${d.lines[0]}-${d.lines[1]}`)}`);
  console.log(bold('callers'));
  printCalls(r.callers, 'callers');
  console.log(bold('tests'));
  if (!r.tests.length) console.log(dim('  no tests found reaching the change'));
  for (const t of r.tests) console.log(`  ${cyan(t.path)} ${t.symbol ?? ''}  ${t.confidence.toFixed(2)}`);
  console.log(bold('changes together with'));
  if (!r.coChange.length) console.log(dim('  no co-change partners'));
  for (const c of r.coChange) console.log(`  ${cyan(c.path)}  ${c.confidence.toFixed(2)}  ${dim(`${c.commits} commits with ${c.with}`)}`);
}
