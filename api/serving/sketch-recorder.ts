// Batches serving statistics per version and minute in memory and writes them in one insert when
// enough requests or time have gathered: no store write per request under load.
import type { ReferenceProfile } from '../../core/monitoring/reference-profile';
import { emptyVersionSketch, mergeVersionSketches, recordInference, type InferenceRecord, type VersionSketch } from '../../core/monitoring/version-sketch';
import { workersLatencyClock, type LatencyClock } from './serving-ports';

export interface RecorderOptions {
  /** Flush once this many requests are pending... */
  maxPendingRequests: number;
  /** ...or once the oldest pending request is this old. */
  maxPendingMs: number;
}

export interface SketchRow {
  modelName: string;
  version: number;
  minute: number;
  sketch: VersionSketch;
}

/** Where flushed sketches go: the edge store (D1; libSQL on Node), or on Node a writer off the event loop. */
export interface SketchSink {
  appendSketches(rows: SketchRow[]): Promise<void>;
}

/** A served request whose latency is read once the clock has settled after its response. */
interface Served {
  modelName: string;
  version: number;
  profile: ReferenceProfile;
  record: Omit<InferenceRecord, 'latencyMs'>;
  receivedAt: number;
}

// The entries recorded into most recently, looked up before the keyed map: a canary's two versions
// fit, and the common request then builds no key string.
const RECENT = 4;

export class SketchRecorder {
  private pending = new Map<string, SketchRow>();
  private recent: SketchRow[] = [];
  private pendingRequests = 0;
  private oldestAt = 0;
  private flushing: Promise<void> | undefined;
  private settling: Served[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    private readonly sink: SketchSink,
    readonly options: RecorderOptions,
    private readonly clock: LatencyClock = workersLatencyClock,
  ) {}

  /**
   * Records a request after its response: the latency is read once the clock settles (see
   * LatencyClock), and the requests answered meanwhile are recorded together, on one settle. Returns
   * the work to defer past the response (the same promise for the requests recorded together); it
   * never rejects.
   */
  recordAfterResponse(modelName: string, version: number, profile: ReferenceProfile, record: Omit<InferenceRecord, 'latencyMs'>, receivedAt: number): Promise<void> {
    this.settling.push({ modelName, version, profile, record, receivedAt });
    return (this.draining ??= this.drain());
  }

  private async drain(): Promise<void> {
    await this.clock.settle();
    // Requests answered from here on wait for the next settle.
    this.draining = undefined;
    const served = this.settling;
    this.settling = [];
    const settledAt = this.clock.now();
    const now = Date.now();
    for (const s of served) {
      try {
        this.record(s.modelName, s.version, s.profile, { ...s.record, latencyMs: Math.max(0, settledAt - s.receivedAt) }, now);
      } catch (err) {
        console.error(`[recorder] recording a request to ${s.modelName} v${s.version} failed:`, err);
      }
    }
    if (this.due(now)) await this.flush();
  }

  record(modelName: string, version: number, profile: ReferenceProfile, record: InferenceRecord, now: number): void {
    const minute = Math.floor(now / 60_000);
    let entry: SketchRow | undefined;
    for (const r of this.recent) {
      if (r.version === version && r.minute === minute && r.modelName === modelName) {
        entry = r;
        break;
      }
    }
    if (!entry) {
      const key = `${modelName}\u0000${version}\u0000${minute}`;
      entry = this.pending.get(key);
      if (!entry) {
        entry = { modelName, version, minute, sketch: emptyVersionSketch(profile) };
        this.pending.set(key, entry);
      }
      if (this.recent.unshift(entry) > RECENT) this.recent.pop();
    }
    recordInference(entry.sketch, profile, record);
    if (this.pendingRequests === 0) this.oldestAt = now;
    this.pendingRequests++;
  }

  due(now: number): boolean {
    return this.pendingRequests > 0 && (this.pendingRequests >= this.options.maxPendingRequests || now - this.oldestAt >= this.options.maxPendingMs);
  }

  /**
   * Writes what is pending, the requests already answered included; on failure the counts go back
   * into the buffer for the next flush.
   */
  async flush(): Promise<void> {
    if (this.draining) await this.draining;
    while (this.flushing) await this.flushing;
    if (this.pendingRequests === 0) return;
    const batch = [...this.pending.values()];
    const requests = this.pendingRequests;
    this.pending = new Map();
    this.recent = [];
    this.pendingRequests = 0;
    this.flushing = this.sink
      .appendSketches(batch)
      .catch((err) => {
        for (const entry of batch) {
          const key = `${entry.modelName}\u0000${entry.version}\u0000${entry.minute}`;
          const current = this.pending.get(key);
          if (current) current.sketch = mergeVersionSketches(current.sketch, entry.sketch);
          else this.pending.set(key, entry);
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
