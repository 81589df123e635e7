// Batches serving statistics per version and minute in memory and writes them in one insert when
// enough requests or time have gathered: no store write per request under load. A batch that no
// later request comes to close is closed by a timer when it comes due, so every request served is
// written within about maxPendingMs (plus the write) of its response, with or without more traffic.
import type { ReferenceProfile } from '../../core/monitoring/reference-profile';
import { emptyVersionSketch, mergeVersionSketches, recordInference, type InferenceRecord, type VersionSketch } from '../../core/monitoring/version-sketch';
import { workersLatencyClock, type LatencyClock } from './serving-ports';
import type { PredictionRow, PredictionSink } from './ground-truth-store';

export interface RecorderOptions {
  /** Flush once this many requests are pending... */
  maxPendingRequests: number;
  /** ...or once the oldest pending request is this old (a timer closes a batch no request comes to close). */
  maxPendingMs: number;
  /**
   * Whether the request that opens a batch holds its deferred work (ctx.waitUntil) until the timer
   * has closed that batch. Workers need it: once an isolate's responses are sent, only pending
   * waitUntil work keeps it running, its timers included. Off (Node), the timer keeps nothing alive.
   */
  holdOpenBatch?: boolean;
}

/** The batch's clock and timer; tests inject their own. */
export interface BatchTimers {
  /** Wall-clock ms: the sketch's minute and the batch's age. */
  now(): number;
  /** Runs callback once, ms from now (never cancelled: see Closer). */
  set(callback: () => void, ms: number): void;
}

/** The runtime's own timers; on Node unref'd, so that a pending batch never keeps a process alive (shutdown flushes it). */
export const systemBatchTimers: BatchTimers = {
  now: () => Date.now(),
  set(callback, ms) {
    const handle: unknown = setTimeout(callback, ms);
    (handle as { unref?: () => void }).unref?.();
  },
};

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
  /** Set when the request's predictions are remembered for ground truth (the protocol's request id). */
  requestId?: string;
}

/**
 * The timer that closes a batch when it comes due. It always runs out, in the request that armed it
 * (`done` resolves then), even when another flush took its batch first: on Workers a promise made in
 * one request and settled from another is dropped once the first has ended, and a request whose only
 * timer was cleared from elsewhere has nothing left to wait for.
 */
interface Closer {
  done: Promise<void>;
  release: () => void;
  /** Another flush wrote its batch: the timer, when it fires, only releases `done`. */
  taken: boolean;
}

// The entries recorded into most recently, looked up before the keyed map: a canary's two versions
// fit, and the common request then builds no key string.
const RECENT = 4;
// setTimeout's longest delay; a longer one fires at once.
const MAX_TIMER_MS = 2_147_483_647;
// Predictions remembered per batch: a batch this full is due; past twice this, more are dropped (counted).
const BATCH_PREDICTIONS = 5000;

export class SketchRecorder {
  private pending = new Map<string, SketchRow>();
  private recent: SketchRow[] = [];
  private pendingRequests = 0;
  private oldestAt = 0;
  private flushing: Promise<void> | undefined;
  private settling: Served[] = [];
  /** The settle-and-record step now gathering requests; flush() waits for it, never for a closer. */
  private draining: Promise<{ opened?: Closer }> | undefined;
  /** What the requests gathered after the first of this settle defer: the step above. */
  private deferred: Promise<void> | undefined;
  /** The open batch's: one at a time, armed when a batch opens, let go when any flush takes that batch. */
  private closer: Closer | undefined;
  /** Predictions to remember for ground truth, written with the sketches of the same batch. */
  private predictions: PredictionRow[] = [];
  /** Predictions not remembered because a batch was full (a gauge for metrics). */
  droppedPredictions = 0;

  constructor(
    private readonly sink: SketchSink,
    readonly options: RecorderOptions,
    private readonly clock: LatencyClock = workersLatencyClock,
    private readonly timers: BatchTimers = systemBatchTimers,
    /** Where remembered predictions go; absent, none are remembered. */
    private readonly predictionSink?: PredictionSink,
  ) {}

  /**
   * Records a request after its response: the latency is read once the clock settles (see
   * LatencyClock), and the requests answered meanwhile are recorded together, on one settle. Returns
   * the work to defer past the response (the same promise for the requests recorded together); it
   * never rejects. With holdOpenBatch, the first request of a settle that opens a batch gets a
   * promise that resolves once that batch's timer has run out (about maxPendingMs later) and, if the
   * batch was still open, written it: the settle's timer, and so the closer's, run in its request.
   */
  recordAfterResponse(modelName: string, version: number, profile: ReferenceProfile, record: Omit<InferenceRecord, 'latencyMs'>, receivedAt: number, requestId?: string): Promise<void> {
    this.settling.push({ modelName, version, profile, record, receivedAt, requestId });
    if (this.deferred) return this.deferred;
    const drained = (this.draining = this.drain());
    this.deferred = drained.then(ignore);
    return this.options.holdOpenBatch ? drained.then(closed) : this.deferred;
  }

  private async drain(): Promise<{ opened?: Closer }> {
    await this.clock.settle();
    // Requests answered from here on wait for the next settle.
    this.draining = undefined;
    this.deferred = undefined;
    const served = this.settling;
    this.settling = [];
    const settledAt = this.clock.now();
    const now = this.timers.now();
    for (const s of served) {
      try {
        this.record(s.modelName, s.version, s.profile, { ...s.record, latencyMs: Math.max(0, settledAt - s.receivedAt) }, now);
        if (s.requestId !== undefined) this.remember(s.modelName, s.version, s.requestId, s.record.predictedClasses, now);
      } catch (err) {
        console.error(`[recorder] recording a request to ${s.modelName} v${s.version} failed:`, err);
      }
    }
    if (this.due(now)) await this.flush();
    return { opened: this.armCloser() };
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

  /**
   * Remembers what was predicted for a request, for the labels that may follow: a one-row request by
   * its id, row i of a batch by `<id>#<i>`.
   */
  remember(modelName: string, version: number, requestId: string, predictedClasses: readonly number[], now: number): void {
    const n = predictedClasses.length;
    if (!this.predictionSink || n === 0) return;
    if (this.predictions.length + n > 2 * BATCH_PREDICTIONS) {
      this.droppedPredictions += n;
      return;
    }
    for (let i = 0; i < n; i++) {
      this.predictions.push({ modelName, requestId: n === 1 ? requestId : `${requestId}#${i}`, version, predictedClass: predictedClasses[i]!, servedAt: now });
    }
  }

  /** Whether requests' predictions are remembered for ground truth (a prediction sink is set). */
  get remembersPredictions(): boolean {
    return this.predictionSink !== undefined;
  }

  /** Requests recorded and not yet written (a gauge for metrics). */
  get pendingCount(): number {
    return this.pendingRequests;
  }

  due(now: number): boolean {
    return this.pendingRequests > 0 && (this.pendingRequests >= this.options.maxPendingRequests || this.predictions.length >= BATCH_PREDICTIONS || now - this.oldestAt >= this.options.maxPendingMs);
  }

  /**
   * Writes what is pending, the requests already answered included; on failure the counts go back
   * into the buffer, and a timer tries again after maxPendingMs unless a request flushes first.
   */
  async flush(): Promise<void> {
    if (this.draining) await this.draining;
    while (this.flushing) await this.flushing;
    if (this.pendingRequests === 0 && this.predictions.length === 0) return;
    const batch = [...this.pending.values()];
    const predictions = this.predictions;
    this.predictions = [];
    const requests = this.pendingRequests;
    const oldestAt = this.oldestAt;
    this.pending = new Map();
    this.recent = [];
    this.pendingRequests = 0;
    // This flush takes the batch the closer was armed for.
    if (this.closer) this.closer.taken = true;
    this.closer = undefined;
    const sketchesWritten = this.sink
      .appendSketches(batch)
      .catch((err) => {
        for (const entry of batch) {
          const key = `${entry.modelName}\u0000${entry.version}\u0000${entry.minute}`;
          const current = this.pending.get(key);
          if (current) current.sketch = mergeVersionSketches(current.sketch, entry.sketch);
          else this.pending.set(key, entry);
        }
        // The batch is as old as its oldest request: the next request that comes flushes it.
        this.oldestAt = this.pendingRequests > 0 ? Math.min(this.oldestAt, oldestAt) : oldestAt;
        this.pendingRequests += requests;
        this.armCloser(this.options.maxPendingMs);
        console.error(`[recorder] flush of ${batch.length} sketches failed; kept for the next flush:`, err);
      });
    this.flushing = Promise.all([sketchesWritten, this.writePredictions(predictions)])
      .then(ignore)
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  /** Writes a batch's predictions; on failure they wait for the next flush, as far as the bound allows. */
  private async writePredictions(rows: PredictionRow[]): Promise<void> {
    if (rows.length === 0 || !this.predictionSink) return;
    try {
      await this.predictionSink.appendPredictions(rows);
    } catch (err) {
      const room = Math.max(0, 2 * BATCH_PREDICTIONS - this.predictions.length);
      this.predictions.push(...rows.slice(0, room));
      this.droppedPredictions += Math.max(0, rows.length - room);
      console.error(`[recorder] writing ${rows.length} predictions failed; kept for the next flush:`, err);
    }
  }

  /**
   * Arms the timer for the open batch unless one is armed; returns the closer if this call armed it.
   * A timer that never fires (on Workers, one whose request was cancelled) holds nothing up: the next
   * request finds the batch due and flushes it, which lets the closer go.
   */
  private armCloser(delayMs?: number): Closer | undefined {
    if (this.pendingRequests === 0 || this.closer) return undefined;
    const wait = Math.min(MAX_TIMER_MS, Math.max(0, delayMs ?? this.oldestAt + this.options.maxPendingMs - this.timers.now()));
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const closer: Closer = { done, release, taken: false };
    this.timers.set(() => void this.closeBatch(closer), wait);
    this.closer = closer;
    return closer;
  }

  private async closeBatch(closer: Closer): Promise<void> {
    if (this.closer === closer) this.closer = undefined;
    try {
      if (!closer.taken) await this.flush();
    } finally {
      closer.release();
    }
  }
}

const ignore = () => {};
const closed = ({ opened }: { opened?: Closer }) => opened?.done;
