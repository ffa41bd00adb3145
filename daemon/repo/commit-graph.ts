/**
 * git's commit-graph with changed-path Bloom filters: a cache file git itself
 * maintains (`git maintenance`, `gc.writeCommitGraph`) that lets `git blame`
 * skip, without reading trees, every commit that did not touch the file.
 * Measured on a 2,000-commit history: 62 ms per blame without it, 22-25 ms
 * with it; writing it took under 0.1 s. Git ignores it if missing, so it is
 * only ever an accelerator: failures are reported, never fatal.
 */
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runGit } from './git.js';

export type CommitGraphState = 'none' | 'without-bloom' | 'bloom';

/** Whether every layer of the repository's commit-graph carries changed-path Bloom filters. */
export async function commitGraphState(root: string): Promise<CommitGraphState> {
  return (await inspect(root)).state;
}

async function inspect(root: string): Promise<{ state: CommitGraphState; chain: boolean }> {
  const { stdout } = await runGit(root, ['rev-parse', '--git-path', 'objects/info']);
  const info = path.resolve(root, stdout.trim());
  const files: string[] = [];
  let chain = false;
  try {
    const list = await readFile(path.join(info, 'commit-graphs', 'commit-graph-chain'), 'utf8');
    for (const h of list.split('\n').filter(Boolean)) files.push(path.join(info, 'commit-graphs', `graph-${h}.graph`));
    chain = true;
  } catch {
    files.push(path.join(info, 'commit-graph'));
  }
  let any = false;
  for (const f of files) {
    const chunks = await chunkIds(f);
    if (chunks === null) continue;
    any = true;
    if (!chunks.includes('BDAT')) return { state: 'without-bloom', chain };
  }
  return { state: any ? 'bloom' : 'none', chain };
}

/** The chunk ids in a commit-graph file's table of contents, or null when there is no such file. */
async function chunkIds(file: string): Promise<string[] | null> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    if (head.toString('latin1', 0, 4) !== 'CGPH') return [];
    const count = head[6];
    const toc = Buffer.alloc(12 * (count + 1));
    await fh.read(toc, 0, toc.length, 8);
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(toc.toString('latin1', i * 12, i * 12 + 4));
    return ids;
  } finally {
    await fh.close();
  }
}

/**
 * Writes the commit-graph with changed-path filters for every reachable commit.
 * `append` adds a layer for commits the graph does not have yet (cheap, keeps the rest).
 */
export async function writeCommitGraph(root: string, mode: 'full' | 'append'): Promise<void> {
  const args = ['commit-graph', 'write', '--reachable', '--changed-paths', '--no-progress'];
  if (mode === 'append') args.push('--split');
  else if ((await inspect(root)).chain) args.push('--split=replace'); // rewrite every layer with filters
  await runGit(root, args, { timeoutMs: 10 * 60_000 });
}
