// Retention of what serving records, on a libSQL file (the Node store; D1 runs the same statements,
// test/workers/batch-close.test.ts): rows past the window go, recent ones stay, and one run deletes
// at most batchRows x maxBatches rows per table, leaving the rest to the next run.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServingStore } from '../../api/node-serving/open-serving-store';
import { pruneServingHistory } from '../../api/serving/drift-monitor';
import { emptyVersionSketch } from '../../core/monitoring/version-sketch';
import type { ReferenceProfile } from '../../core/monitoring/reference-profile';
import fixture from '../fixtures/breast-cancer-serving.json';

const DAY = 86_400_000;
const now = Date.UTC(2026, 10, 30, 12, 0);
const minuteOf = (at: number) => Math.floor(at / 60_000);

describe('retention of sketches and drift reports', () => {
  let opened: Awaited<ReturnType<typeof openServingStore>>;

  beforeAll(async () => {
    opened = await openServingStore(`file:${path.join(mkdtempSync(path.join(os.tmpdir(), 'windsock-retention-')), 'serving.db')}`);
    const { store } = opened;
    const sketch = emptyVersionSketch(fixture.referenceProfile as unknown as ReferenceProfile);
    // 25 rows past a 30-day window (one per minute from 40 days back), 5 inside it.
    const old = Array.from({ length: 25 }, (_, i) => ({ modelName: i % 2 ? 'a' : 'b', version: 1, minute: minuteOf(now - 40 * DAY) + i, sketch }));
    const recent = Array.from({ length: 5 }, (_, i) => ({ modelName: 'a', version: 2, minute: minuteOf(now - 29 * DAY) + i, sketch }));
    await store.appendSketches([...old, ...recent]);
    for (const at of [...Array.from({ length: 12 }, (_, i) => now - 31 * DAY - i * 60_000), now - DAY, now]) {
      await store.saveDriftReport({ modelName: 'a', version: 1, windowStart: new Date(at - 3_600_000), windowEnd: new Date(at), computedAt: new Date(at), datasetDrift: false, report: {} });
    }
  });
  afterAll(() => opened?.client.close());

  const remaining = async () => ({
    sketches: (await opened.store.readSketches('a', 0, Number.MAX_SAFE_INTEGER)).length + (await opened.store.readSketches('b', 0, Number.MAX_SAFE_INTEGER)).length,
    reports: (await opened.store.latestDriftReports('a', 1000)).length,
  });

  it('keeps everything with a window of 0', async () => {
    expect(await pruneServingHistory(opened.store, now, { retentionDays: 0, batchRows: 10, maxBatches: 2 })).toEqual({ sketches: 0, driftReports: 0, more: false });
    expect(await remaining()).toEqual({ sketches: 30, reports: 14 });
  });

  it('deletes what is past the window, a bounded number of rows per run', async () => {
    expect(await pruneServingHistory(opened.store, now, { retentionDays: 30, batchRows: 10, maxBatches: 2 })).toEqual({ sketches: 20, driftReports: 12, more: true });
    expect(await remaining()).toEqual({ sketches: 10, reports: 2 });
    expect(await pruneServingHistory(opened.store, now, { retentionDays: 30, batchRows: 10, maxBatches: 2 })).toEqual({ sketches: 5, driftReports: 0, more: false });
    const left = await opened.store.readSketches('a', 0, Number.MAX_SAFE_INTEGER);
    expect(left.map((r) => r.version)).toEqual([2, 2, 2, 2, 2]);
    expect((await opened.store.latestDriftReports('a', 1000)).map((r) => r.computedAt.getTime())).toEqual([now, now - DAY]);
  });
});
