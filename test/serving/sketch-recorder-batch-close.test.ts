// The recorder closes a batch that no later request comes to close: on a timer when it comes due (Node),
// held in the opener's deferred work on Workers. Driven by a hand-run clock and timers: what is
// checked is the order of events, not how long anything takes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SketchRecorder, type BatchTimers, type RecorderOptions, type SketchRow } from '../../api/serving/sketch-recorder';
import type { LatencyClock } from '../../api/serving/serving-ports';
import type { ReferenceProfile } from '../../core/monitoring/reference-profile';
import fixture from '../fixtures/breast-cancer-serving.json';

const profile = fixture.referenceProfile as unknown as ReferenceProfile;
const row = fixture.holdoutRows[0]!;
const MAX_AGE = 2000;

/** Timers that fire only when the test moves the clock. */
class HandRunTimers implements BatchTimers {
  time = 1_700_000_000_000;
  private nextId = 0;
  readonly armed = new Map<number, { at: number; callback: () => void }>();
  sets = 0;

  now = () => this.time;
  set = (callback: () => void, ms: number) => {
    this.sets++;
    this.armed.set(this.nextId++, { at: this.time + ms, callback });
  };

  /** Moves the clock, firing what comes due, then lets the work they started run. */
  async advance(ms: number): Promise<void> {
    this.time += ms;
    for (const [id, timer] of [...this.armed].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at > this.time) continue;
      this.armed.delete(id);
      timer.callback();
    }
    await settle();
  }
}

/** Lets pending promise callbacks run (the recorder's, the sink's). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

/** A sink whose writes the test can hold open or fail. */
class TestSink {
  readonly written: SketchRow[][] = [];
  failNext = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }
  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }
  async appendSketches(rows: SketchRow[]): Promise<void> {
    if (this.gate) await this.gate;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('store unavailable');
    }
    this.written.push(rows);
  }
  requests(): number {
    return this.written.flat().reduce((n, r) => n + r.sketch.requests, 0);
  }
}

const immediateClock: LatencyClock = { now: () => 0, settle: () => Promise.resolve() };

function recorderWith(options: Partial<RecorderOptions> = {}) {
  const timers = new HandRunTimers();
  const sink = new TestSink();
  const recorder = new SketchRecorder(sink, { maxPendingRequests: 500, maxPendingMs: MAX_AGE, ...options }, immediateClock, timers);
  /** One served request; its deferred work is tracked so the test can see when it is done. */
  const serve = () => {
    const work = { done: false };
    void recorder.recordAfterResponse('bc', 1, profile, { rows: [row], predictedClasses: [0] }, 0).then(() => (work.done = true));
    return work;
  };
  return { timers, sink, recorder, serve };
}

describe('closing a batch with no request after it', () => {
  afterEach(() => vi.restoreAllMocks());
  /** A failed write is logged; here it is expected. */
  const quietErrors = () => vi.spyOn(console, 'error').mockImplementation(() => {});
  it('writes a lone request once its batch comes due', async () => {
    const { timers, sink, serve } = recorderWith();
    serve();
    await settle();
    expect(sink.written).toHaveLength(0);
    await timers.advance(MAX_AGE - 1);
    expect(sink.written).toHaveLength(0);
    await timers.advance(1);
    expect(sink.requests()).toBe(1);
    expect(timers.armed.size).toBe(0);
  });

  it('arms one timer per batch, which writes nothing when a flush by count took its batch', async () => {
    const { timers, sink, serve } = recorderWith({ maxPendingRequests: 3 });
    for (let i = 0; i < 2; i++) {
      serve();
      await settle();
    }
    expect(timers.sets).toBe(1);
    serve();
    await settle();
    expect(sink.requests()).toBe(3);
    serve();
    await settle();
    expect(timers.sets).toBe(2);
    await timers.advance(MAX_AGE);
    expect(sink.requests()).toBe(4);
    expect(sink.written).toHaveLength(2);
    expect(timers.armed.size).toBe(0);
  });

  it('on Workers holds the opening request until its batch is written, and no other', async () => {
    const { timers, sink, serve } = recorderWith({ holdOpenBatch: true });
    const opener = serve();
    // Answered before the settle: recorded with the opener, on the opener's timer.
    const sameSettle = serve();
    await settle();
    const later = serve();
    await settle();
    expect(sameSettle.done).toBe(true);
    expect(later.done).toBe(true);
    expect(opener.done).toBe(false);
    sink.hold();
    await timers.advance(MAX_AGE);
    // Due, but the write is still in flight: the opener's waitUntil must cover it.
    expect(opener.done).toBe(false);
    sink.release();
    await settle();
    expect(opener.done).toBe(true);
    expect(sink.requests()).toBe(3);
  });

  it('lets the opening request go at its timer when another flush took its batch, writing nothing more', async () => {
    const { timers, sink, recorder, serve } = recorderWith({ holdOpenBatch: true });
    const opener = serve();
    await settle();
    await recorder.flush();
    expect(sink.requests()).toBe(1);
    // Released by its own timer only: on Workers, by nothing another request does.
    expect(opener.done).toBe(false);
    await timers.advance(MAX_AGE);
    expect(opener.done).toBe(true);
    expect(sink.written).toHaveLength(1);
  });

  it('keeps a batch whose write failed and writes it on the retry, counted once', async () => {
    const { timers, sink, serve } = recorderWith();
    const errors = quietErrors();
    sink.failNext = 1;
    serve();
    serve();
    await settle();
    await timers.advance(MAX_AGE);
    expect(sink.written).toHaveLength(0);
    expect(errors).toHaveBeenCalledOnce();
    // The retry is armed by the failure itself: no request needs to come.
    expect(timers.armed.size).toBe(1);
    await timers.advance(MAX_AGE);
    expect(sink.requests()).toBe(2);
  });

  it('puts requests answered during a write into the next batch, closed by its own timer', async () => {
    const { timers, sink, serve } = recorderWith({ holdOpenBatch: true });
    serve();
    await settle();
    sink.hold();
    await timers.advance(MAX_AGE);
    const during = serve();
    await settle();
    // The write in flight took the first batch; this request opened the next.
    expect(during.done).toBe(false);
    expect(timers.armed.size).toBe(1);
    sink.release();
    await settle();
    expect(sink.requests()).toBe(1);
    await timers.advance(MAX_AGE);
    expect(sink.requests()).toBe(2);
    expect(sink.written).toHaveLength(2);
    expect(during.done).toBe(true);
  });

  it('merges a failed batch with the one opened during its write', async () => {
    const { timers, sink, serve } = recorderWith();
    quietErrors();
    serve();
    await settle();
    sink.hold();
    sink.failNext = 1;
    await timers.advance(MAX_AGE);
    serve();
    await settle();
    sink.release();
    await settle();
    expect(sink.written).toHaveLength(0);
    // The failed batch is as old as its first request: the next request writes both.
    serve();
    await settle();
    expect(sink.requests()).toBe(3);
    expect(sink.written).toHaveLength(1);
  });
});
