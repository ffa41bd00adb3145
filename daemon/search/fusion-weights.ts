/**
 * Tuned fusion settings per embedder family (the model id up to its first `:`).
 * The block between the TUNED markers is WRITTEN BY `node --import tsx bench/quality/quality-bench.ts --tune` (dev split
 * only; never tuned on the report split): re-run it when the built-in model
 * changes, then commit this file. `[search] semanticWeight` in the config
 * overrides the semantic weight for every model.
 */
import type { FusionSettings } from './semantic.js';

export interface TunedFusion {
  /** Embedder family -> fusion settings, with where and when they were tuned. */
  models: Record<string, FusionSettings & { tunedOn: string; date: string }>;
  /** Models nobody tuned for (an Ollama model, a new built-in before its --tune run). */
  fallback: FusionSettings;
  /** Score factor of a hit in a test file when the query is not about tests. */
  testFileFactor: number;
}

// BEGIN TUNED (generated)
export const TUNED: TunedFusion = {
  models: {
    'static-1.1': {
      semantic: 0.3,
      minSimilarity: 0,
      tunedOn: 'bench/quality dev split: python-stdlib, boltons, commander, cobra, testify, jdk-java.logging+java.sql',
      date: '2026-12-03',
    },
  },
  fallback: { semantic: 0.5, minSimilarity: 0 },
  testFileFactor: 0.2,
};
// END TUNED

/** The model family of a model id: its content digest off (`codevec-1:345f72f5b11d` -> `codevec-1`; `ollama:nomic-embed-text` stays). */
export function modelFamily(modelId: string): string {
  return modelId.replace(/:[0-9a-f]{8,}$/, '');
}

export function fusionFor(modelId: string | null | undefined): FusionSettings {
  const tuned = modelId ? TUNED.models[modelFamily(modelId)] : undefined;
  return tuned ? { semantic: tuned.semantic, minSimilarity: tuned.minSimilarity } : TUNED.fallback;
}
