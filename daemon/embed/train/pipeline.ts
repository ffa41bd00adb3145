/**
 * `npm run train:model`: fetch -> extract -> train -> export, the whole
 * pipeline of the built-in static code model (see daemon/embed/model/MODEL.md).
 * Writes daemon/embed/model/static-code.bin, manifest.tsv.gz,
 * tokenizer-golden.json, corpus-stats.json and train-report.json. Arguments
 * after `--` go to the trainer (train.py), e.g. `-- --epochs 6`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractAll, MODEL_DIR, WORK } from './extract.js';
import { fetchAll } from './fetch.js';

const t0 = Date.now();
const step = (name: string) => console.log(`== ${name} (${Math.round((Date.now() - t0) / 1000)} s)`);
step('fetch');
fetchAll();
step('extract');
await extractAll();
step('train');
execFileSync('python3', [join(import.meta.dirname, 'train.py'), ...process.argv.slice(2)], { stdio: 'inherit' });
copyFileSync(join(WORK, 'corpus-stats.json'), join(MODEL_DIR, 'corpus-stats.json'));
copyFileSync(join(WORK, 'train-report.json'), join(MODEL_DIR, 'train-report.json'));
step('done');
