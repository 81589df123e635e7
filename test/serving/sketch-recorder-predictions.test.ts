// The recorder remembers what it predicted for ground truth: in the same flush as the sketches, a
// batch row's id as `<id>#<row>`, a failed write kept for the next flush, and a full batch dropping
// (and counting) further predictions rather than growing without bound.
import { describe, expect, it } from 'vitest';
import { SketchRecorder, type SketchRow } from '../../api/serving/sketch-recorder';
import type { PredictionRow } from '../../api/serving/ground-truth-store';
import { parseFeedbackTokens } from '../../api/serving/feedback-routes';
import type { ReferenceProfile } from '../../core/monitoring/reference-profile';
import fixture from '../fixtures/breast-cancer-serving.json';

const profile = fixture.referenceProfile as unknown as ReferenceProfile;
const row = fixture.holdoutRows[0]!;
const timers = { now: () => 1_700_000_000_000, set: () => undefined };

function recorderWith(failPredictions = 0) {
  const sketches: SketchRow[][] = [];
  const predictions: PredictionRow[][] = [];
  let fail = failPredictions;
  const recorder = new SketchRecorder(
    { appendSketches: async (rows) => void sketches.push(rows) },
    { maxPendingRequests: 1_000_000, maxPendingMs: 1_000_000 },
    undefined,
    timers,
    {
      appendPredictions: async (rows) => {
        if (fail-- > 0) throw new Error('store unavailable');
        predictions.push(rows);
      },
    },
  );
  return { recorder, sketches, predictions };
}

function serve(recorder: SketchRecorder, id: string, predicted: number[]) {
  recorder.record('m', 3, profile, { latencyMs: 1, rows: predicted.map(() => row), predictedClasses: predicted }, timers.now());
  recorder.remember('m', 3, id, predicted, timers.now());
}

describe('remembering predictions', () => {
  it('writes them in the flush that writes the sketches, a batch row as <id>#<row>', async () => {
    const { recorder, sketches, predictions } = recorderWith();
    serve(recorder, 'one', [1]);
    serve(recorder, 'many', [0, 1, 1]);
    expect(sketches).toEqual([]);
    await recorder.flush();
    expect(sketches).toHaveLength(1);
    expect(predictions).toEqual([
      [
        { modelName: 'm', requestId: 'one', version: 3, predictedClass: 1, servedAt: timers.now() },
        { modelName: 'm', requestId: 'many#0', version: 3, predictedClass: 0, servedAt: timers.now() },
        { modelName: 'm', requestId: 'many#1', version: 3, predictedClass: 1, servedAt: timers.now() },
        { modelName: 'm', requestId: 'many#2', version: 3, predictedClass: 1, servedAt: timers.now() },
      ],
    ]);
  });

  it('keeps predictions whose write failed for the next flush', async () => {
    const { recorder, predictions } = recorderWith(1);
    serve(recorder, 'a', [0]);
    await recorder.flush();
    expect(predictions).toEqual([]);
    serve(recorder, 'b', [1]);
    await recorder.flush();
    expect(predictions.flat().map((p) => p.requestId)).toEqual(['a', 'b']);
  });

  it('makes a batch due at 5000 predictions and drops, counting, past 10,000', async () => {
    const { recorder, predictions } = recorderWith();
    for (let i = 0; i < 4; i++) serve(recorder, `r${i}`, new Array<number>(1024).fill(0));
    expect(recorder.due(timers.now())).toBe(false);
    serve(recorder, 'r4', new Array<number>(1024).fill(0));
    expect(recorder.due(timers.now())).toBe(true);
    for (let i = 5; i < 12; i++) serve(recorder, `r${i}`, new Array<number>(1024).fill(0));
    // 9 requests of 1024 fit under 10,000; the 10th and on are dropped whole.
    expect(recorder.droppedPredictions).toBe(3 * 1024);
    await recorder.flush();
    expect(predictions.flat()).toHaveLength(9 * 1024);
  });

  it('remembers nothing without a prediction sink', async () => {
    const recorder = new SketchRecorder({ appendSketches: async () => undefined }, { maxPendingRequests: 10, maxPendingMs: 10 }, undefined, timers);
    expect(recorder.remembersPredictions).toBe(false);
    recorder.remember('m', 1, 'x', [1], timers.now());
    expect(recorder.droppedPredictions).toBe(0);
  });
});

describe('WINDSOCK_FEEDBACK_TOKENS', () => {
  it('reads name:token entries as principals that hold no role', () => {
    expect(parseFeedbackTokens('labeller:0123456789abcdef0123, ops-bot:fedcba9876543210fedc')).toEqual([
      { name: 'labeller', roles: [], token: '0123456789abcdef0123' },
      { name: 'ops-bot', roles: [], token: 'fedcba9876543210fedc' },
    ]);
    expect(parseFeedbackTokens(undefined)).toEqual([]);
    expect(parseFeedbackTokens('')).toEqual([]);
  });

  it('refuses a malformed entry, a short token or a name given twice, naming the variable', () => {
    expect(() => parseFeedbackTokens('no-colon-here-at-all')).toThrow(/WINDSOCK_FEEDBACK_TOKENS entry 1 must be name:token/);
    expect(() => parseFeedbackTokens('a:short')).toThrow(/at least 16 characters/);
    expect(() => parseFeedbackTokens('a:0123456789abcdef0,a:0123456789abcdef1')).toThrow(/names 'a' twice/);
  });
});
