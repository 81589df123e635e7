// Retention of ground truth on a libSQL file (D1 runs the same statements from the Workers cron):
// predictions and labels past WINDSOCK_LABEL_RETENTION_DAYS go, recent ones stay, and one run deletes
// at most batchRows x maxBatches rows per table.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServingStore } from '../../api/node-serving/open-serving-store';
import { GroundTruthStore, pruneGroundTruth } from '../../api/serving/ground-truth-store';

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 30, 12, 0);

describe('retention of predictions and labels', () => {
  let opened: Awaited<ReturnType<typeof openServingStore>>;
  let truth: GroundTruthStore;
  const labelledIn = async (from: number) => (await truth.labelledCells('m', from, now)).flatMap((v) => v.cells).reduce((s, c) => s + c.count, 0);
  const remembered = async () => [...(await truth.predictionCounts('m', 0, now)).values()].reduce((s, n) => s + n, 0);

  beforeAll(async () => {
    opened = await openServingStore(`file:${path.join(mkdtempSync(path.join(os.tmpdir(), 'windsock-gt-retention-')), 'serving.db')}`);
    truth = new GroundTruthStore(opened.store.db);
    // 25 predictions 10 days old, labelled 9 days ago; 5 from yesterday, labelled today.
    const old = Array.from({ length: 25 }, (_, i) => ({ modelName: 'm', requestId: `old-${i}`, version: 1, predictedClass: 0, servedAt: now - 10 * DAY + i }));
    const recent = Array.from({ length: 5 }, (_, i) => ({ modelName: 'm', requestId: `new-${i}`, version: 1, predictedClass: 1, servedAt: now - DAY + i }));
    await truth.appendPredictions([...old, ...recent]);
    await truth.saveLabels('m', old.map((p) => ({ requestId: p.requestId, label: 0 })), new Date(now - 9 * DAY));
    await truth.saveLabels('m', recent.map((p) => ({ requestId: p.requestId, label: 1 })), new Date(now));
  });
  afterAll(() => opened?.client.close());

  it('keeps everything with a window of 0', async () => {
    expect(await pruneGroundTruth(truth, now, { retentionDays: 0 })).toEqual({ predictions: 0, labels: 0, more: false });
    expect(await remembered()).toBe(30);
  });

  it('deletes in bounded batches, saying when more is left, and keeps what is inside the window', async () => {
    expect(await pruneGroundTruth(truth, now, { retentionDays: 7, batchRows: 10, maxBatches: 2 })).toEqual({ predictions: 20, labels: 20, more: true });
    expect(await pruneGroundTruth(truth, now, { retentionDays: 7, batchRows: 10, maxBatches: 2 })).toEqual({ predictions: 5, labels: 5, more: false });
    expect(await remembered()).toBe(5);
    expect(await labelledIn(0)).toBe(5);
    expect(await labelledIn(now - 2 * DAY)).toBe(5);
  });
});
