import t from 'tap';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../fixtures/repos.js';
import { fixtureGit } from '../fixtures/repo-builder.js';
import { isolatedEnv, runCli, runJson, tempDir } from './helpers/cli.js';
import { startDaemon } from './helpers/daemon.js';

interface Preview {
  files: number;
  bytes: number;
  byLanguage: Record<string, { files: number; bytes: number }>;
  skipped: Record<string, number>;
  largestDirs: { dir: string }[];
  estimate: { chunks: number; embedSeconds: number };
  buildOutput: { dirs: string[]; share: number } | null;
}

t.test('the dry run predicts exactly what the index then holds', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'basic');
  await buildFixture('basic', repo);
  const preview = await runJson<Preview>(['add', repo, '--dry-run'], { env });
  const summary = await runJson<{ files: number; bytes: number; skipped: Record<string, number>; languages: Record<string, number> }>(['index', repo], { env });
  t.equal(preview.files, summary.files, 'same number of files');
  t.equal(preview.bytes, summary.bytes, 'same bytes');
  t.same(preview.skipped, summary.skipped, 'same skips by reason');
  t.same(Object.fromEntries(Object.entries(preview.byLanguage).map(([l, v]) => [l, v.files])), summary.languages, 'same files per language');
  t.ok(preview.estimate.chunks > 0);
  t.equal(preview.buildOutput, null, 'a source tree is not flagged as build output');
  const viaIndex = await runJson<Preview>(['index', repo, '--dry-run'], { env });
  t.same(viaIndex.skipped, preview.skipped, '`index --dry-run` says the same');
  const text = await runCli(['add', repo, '--dry-run'], { env });
  t.equal(text.code, 0);
  t.match(text.stdout, /would index/);
  t.match(text.stdout, /secret/);
});

t.test('a tree that is mostly build output needs confirmation', async (t) => {
  const dir = tempDir(t);
  const { env } = isolatedEnv(join(dir, 'home'));
  const repo = join(dir, 'built');
  mkdirSync(join(repo, 'dist'), { recursive: true });
  mkdirSync(join(repo, 'src'), { recursive: true });
  fixtureGit(repo, ['init', '-q', '-b', 'main']);
  writeFileSync(join(repo, 'src/app.ts'), 'export const app = 1;\n');
  for (let i = 0; i < 20; i++) writeFileSync(join(repo, 'dist', `chunk${i}.js`), `export function generated${i}() {\n${'  return 1;\n'.repeat(200)}}\n`);
  fixtureGit(repo, ['add', '-A']);
  fixtureGit(repo, ['commit', '-q', '-m', 'built']);

  const preview = await runJson<Preview>(['add', repo, '--dry-run'], { env });
  t.same(preview.buildOutput?.dirs, ['dist']);
  t.ok(preview.buildOutput!.share > 0.9);

  const daemon = await startDaemon(env);
  t.teardown(() => daemon.stop());
  const refused = await runCli(['add', repo], { env });
  t.equal(refused.code, 1, 'refused without a terminal and without --yes');
  t.match(refused.stderr, /dist\//);
  t.match(refused.stderr, /exclude/, 'names the config option');
  const listed = await runJson<unknown[]>(['list'], { env });
  t.equal(listed.length, 0, 'nothing was registered');
  const forced = await runCli(['add', repo, '--yes'], { env });
  t.equal(forced.code, 0, forced.stderr);
});
