// Batches serving statistics per version and minute in memory and writes them in one insert when
// enough requests or time have gathered: no store write per request under load.
import type { ReferenceProfile } from '../../core/reference-profile';
import { emptyVersionSketch, mergeVersionSketches, recordInference, type InferenceRecord, type VersionSketch } from '../../core/version-sketch';
import type { EdgeStore } from './edge-store';

export interface RecorderOptions {
  /** Flush once this many requests are pending... */
  maxPendingRequests: number;
  /** ...or once the oldest pending request is this old. */
  maxPendingMs: number;
}

interface Pending {
  modelName: string;
  version: number;
  minute: number;
  sketch: VersionSketch;
}

export class SketchRecorder {
  private pending = new Map<string, Pending>();
  private pendingRequests = 0;
  private oldestAt = 0;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: EdgeStore,
    readonly options: RecorderOptions,
  ) {}

  record(modelName: string, version: number, profile: ReferenceProfile, record: InferenceRecord, now: number): void {
    const minute = Math.floor(now / 60_000);
    const key = `${modelName}\u0000${version}\u0000${minute}`;
    let entry = this.pending.get(key);
    if (!entry) {
      entry = { modelName, version, minute, sketch: emptyVersionSketch(profile) };
      this.pending.set(key, entry);
    }
    recordInference(entry.sketch, profile, record);
    if (this.pendingRequests === 0) this.oldestAt = now;
    this.pendingRequests++;
  }

  due(now: number): boolean {
    return this.pendingRequests > 0 && (this.pendingRequests >= this.options.maxPendingRequests || now - this.oldestAt >= this.options.maxPendingMs);
  }

  /** Writes what is pending; on failure the counts go back into the buffer for the next flush. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pendingRequests === 0) return;
    const batch = [...this.pending.values()];
    const requests = this.pendingRequests;
    this.pending = new Map();
    this.pendingRequests = 0;
    this.flushing = this.store
      .appendSketches(batch)
      .catch((err) => {
        for (const entry of batch) {
          const key = `${entry.modelName}\u0000${entry.version}\u0000${entry.minute}`;
          const current = this.pending.get(key);
          this.pending.set(key, current ? { ...entry, sketch: mergeVersionSketches(current.sketch, entry.sketch) } : entry);
        }
        this.pendingRequests += requests;
        console.error(`[recorder] flush of ${batch.length} sketches failed; kept for the next flush:`, err);
      })
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }
}
