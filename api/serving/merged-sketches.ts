// Reads a model's sketches for a window and merges them per version (across minutes and writers).
import { mergeVersionSketches, versionSketchSchema, type VersionSketch } from '../../core/monitoring/version-sketch';
import type { ServingStore } from './serving-store';

export async function mergedSketches(store: ServingStore, modelName: string, fromMinute: number, toMinute: number, version?: number): Promise<Map<number, VersionSketch>> {
  const rows = await store.readSketches(modelName, fromMinute, toMinute, version);
  const merged = new Map<number, VersionSketch>();
  for (const row of rows) {
    const sketch = versionSketchSchema.parse(row.sketch);
    const current = merged.get(row.version);
    merged.set(row.version, current ? mergeVersionSketches(current, sketch) : sketch);
  }
  return merged;
}
