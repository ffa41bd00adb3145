/**
 * Graph facts for parses stored before the graph existed (or by an older extractor): the
 * files of a view whose parse has no facts of GRAPH_VERSION are read and parsed again for
 * their facts only (chunks and embeddings stay as they are), in batches of one transaction.
 * New parses never need this: their facts are written with them (store/chunk-writes.ts).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GRAPH_LANGUAGES } from '../lang/graph/rules.js';
import { GRAPH_VERSION } from '../lang/graph/types.js';
import type { ParsePool } from '../lang/parse-pool.js';
import { gitBlobId, type ObjectFormat } from '../repo/git.js';
import type { GraphWrite, MetadataStore } from '../store/types.js';
import { classifyContent } from '../repo/content-filter.js';

const BATCH = 128;

export interface GraphBackfillSummary {
  files: number;
  /** Files whose content on disk no longer matches the view (the next run re-indexes them). */
  skipped: number;
}

export async function backfillGraph(
  deps: { store: MetadataStore; pool: ParsePool },
  repoId: number,
  root: string,
  objectFormat: ObjectFormat,
  signal?: AbortSignal,
): Promise<GraphBackfillSummary> {
  const { store, pool } = deps;
  let files = 0;
  let skipped = 0;
  const given = new Set<number>();
  for (;;) {
    if (signal?.aborted) break;
    const pending = (await store.graphPending(repoId, GRAPH_VERSION, GRAPH_LANGUAGES, BATCH + given.size)).filter((p) => !given.has(p.parseId));
    if (!pending.length) break;
    const writes: GraphWrite[] = [];
    await Promise.all(
      pending.slice(0, BATCH).map(async (p) => {
        given.add(p.parseId);
        let buf: Buffer;
        try {
          buf = await readFile(join(root, p.path));
        } catch {
          skipped++;
          return;
        }
        if (gitBlobId(buf, objectFormat) !== p.blob) {
          skipped++;
          return;
        }
        const content = classifyContent(p.path, buf);
        if ('skip' in content) {
          skipped++;
          return;
        }
        const parsed = await pool.parse(p.path, content.text, p.language);
        // A file that no longer parses still gets its (empty) facts: it is not retried every run.
        writes.push({ parseId: p.parseId, graph: parsed.graph ?? { refs: [], imports: [], pkg: null } });
      }),
    );
    await store.writeGraphs(writes, GRAPH_VERSION);
    files += writes.length;
  }
  return { files, skipped };
}
