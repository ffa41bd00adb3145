/** Prints an index preview (`--dry-run`) for people. */
import type { IndexPreview } from '../index/preview.js';
import { SKIP_REASONS } from '../repo/skip-reasons.js';
import { bold, dim, formatBytes, formatDuration, yellow } from './output.js';

export function printPreview(p: IndexPreview): void {
  console.log(`${bold('would index')} ${p.root}${p.head ? dim(` @ ${p.head.slice(0, 12)}`) : dim(' (no commits yet)')}`);
  console.log(`  files    ${p.files} (${formatBytes(p.bytes)})`);
  const langs = Object.entries(p.byLanguage).sort((a, b) => b[1].bytes - a[1].bytes);
  for (const [lang, v] of langs.slice(0, 12)) console.log(`           ${String(v.files).padStart(6)}  ${lang.padEnd(12)} ${formatBytes(v.bytes)}`);
  if (langs.length > 12) console.log(dim(`           … and ${langs.length - 12} more languages`));
  const skipped = Object.entries(p.skipped).sort((a, b) => b[1] - a[1]);
  const total = skipped.reduce((n, [, c]) => n + c, 0);
  if (total || p.ignored) {
    console.log(`  skipped  ${total} file(s)${p.ignored ? `, plus ${p.ignored} git-ignored entr${p.ignored === 1 ? 'y' : 'ies'}` : ''}`);
    for (const [reason, n] of skipped) {
      const why = (SKIP_REASONS as Record<string, string>)[reason];
      console.log(`           ${String(n).padStart(6)}  ${reason}${why ? dim(` (${why})`) : ''}`);
    }
  }
  if (p.largestDirs.length) {
    console.log('  largest directories');
    for (const d of p.largestDirs.slice(0, 5)) console.log(`           ${formatBytes(d.bytes).padStart(10)}  ${d.dir}/ ${dim(`(${d.files} files)`)}`);
  }
  console.log(`  estimate ~${p.estimate.chunks} chunks; embedding ~${formatDuration(p.estimate.embedSeconds * 1000)} in the background`);
  if (p.buildOutput) {
    console.log(
      yellow(
        `  warning  ${Math.round(p.buildOutput.share * 100)}% of the bytes are under ${p.buildOutput.dirs.map((d) => d + '/').join(', ')}, which usually hold build output`,
      ),
    );
    console.log(`           exclude them in config.toml: [index] exclude = [${p.buildOutput.dirs.map((d) => JSON.stringify(d + '/**')).join(', ')}]`);
  }
  console.log(dim(`  (preview took ${formatDuration(p.durationMs)})`));
}
