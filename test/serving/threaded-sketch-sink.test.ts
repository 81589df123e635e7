// The Node serving app writes sketches from a worker thread on its own connection to the libSQL
// file: the app's own writes (weights, publishing) must wait for it, never fail with SQLITE_BUSY, and
// every batch the thread acknowledged must be in the file.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServingStore } from '../../api/node-serving/open-serving-store';
import { ThreadedSketchSink } from '../../api/node-serving/threaded-sketch-sink';
import { emptyVersionSketch } from '../../core/monitoring/version-sketch';
import fixture from '../fixtures/breast-cancer-serving.json';

describe('sketches written from a worker thread', () => {
  let opened: Awaited<ReturnType<typeof openServingStore>>;
  let sink: ThreadedSketchSink;

  beforeAll(async () => {
    const url = `file:${path.join(mkdtempSync(path.join(os.tmpdir(), 'windsock-sink-')), 'serving.db')}`;
    opened = await openServingStore(url);
    sink = new ThreadedSketchSink(opened.store, url);
  });
  afterAll(async () => {
    await sink?.close();
    opened?.client.close();
  });

  it('lands every batch while the app writes and reads on its own connections', async () => {
    const { store } = opened;
    const sketch = emptyVersionSketch(fixture.referenceProfile as never);
    let written = 0;
    let writing = true;
    const pump = (async () => {
      while (writing) {
        await sink.appendSketches([{ modelName: 'bc', version: 1, minute: written, sketch }]);
        written++;
      }
    })();
    for (let i = 0; i < 150; i++) {
      // Concurrent queries make the client open more pooled connections: each must wait for the thread's lock too.
      await Promise.all([store.setTraffic('bc', { '1': 100 }, i, 'test'), store.listDeployments('bc'), store.getTraffic('bc')]);
      await new Promise((resolve) => setImmediate(resolve));
    }
    writing = false;
    await pump;
    expect(written).toBeGreaterThan(0);
    expect((await store.readSketches('bc', 0, written)).length).toBe(written);
    expect((await store.getTraffic('bc'))?.step).toBe(149);
  });
});
