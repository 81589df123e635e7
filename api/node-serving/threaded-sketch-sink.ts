// The recorder's batches written to a libSQL file from a worker thread. On a file, libSQL runs each
// statement synchronously on the calling thread, and a commit waits for fsync: 3-10 ms measured
// here, a stall of every request in flight. The insert is built by the store's drizzle query on
// this thread (so the schema lives in one place) and run on the worker's own connection.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ServingStore } from '../serving/serving-store';
import type { SketchRow, SketchSink } from '../serving/sketch-recorder';
import { GroundTruthStore, type PredictionRow, type PredictionSink } from '../serving/ground-truth-store';
import { BUSY_TIMEOUT_MS } from '../../registry/open-libsql-client';

// Plain CommonJS, so that the thread needs no TypeScript loader (tsx, vitest) to start.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { createClient } = require(workerData.clientModule);
// Another connection on the same file: wait for a writer instead of failing with SQLITE_BUSY.
const client = createClient({ url: workerData.url, timeout: workerData.busyTimeoutMs });
parentPort.on('message', async ({ id, sql, args }) => {
  try {
    await client.execute({ sql, args });
    parentPort.postMessage({ id });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  }
});
`;

interface Reply {
  id: number;
  error?: string;
}

export class ThreadedSketchSink implements SketchSink, PredictionSink {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  private readonly inflight = new Set<Promise<void>>();
  private nextId = 0;
  private readonly groundTruth: GroundTruthStore;
  private closed = false;
  /** Why the thread is gone: a write posted to it would wait forever, and hold every flush after it. */
  private gone: Error | undefined;

  /** `url`: a `file:` URL of the database the store also opened. */
  constructor(
    private readonly store: ServingStore,
    url: string,
  ) {
    const clientModule = createRequire(import.meta.url).resolve('@libsql/client');
    this.groundTruth = new GroundTruthStore(store.db);
    this.worker = new Worker(workerSource, { eval: true, workerData: { url, clientModule, busyTimeoutMs: BUSY_TIMEOUT_MS } });
    // Idle, the thread does not keep the process alive; a pending write does (see appendSketches).
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.waiting.delete(reply.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (reply.error === undefined) waiter.resolve();
      else waiter.reject(new Error(`writing sketches failed: ${reply.error}`));
    });
    this.worker.on('error', (err) => this.failAll((this.gone = err)));
    this.worker.on('exit', (code) => this.failAll((this.gone ??= new Error(`the sketch writer thread exited with code ${code}`))));
  }

  appendSketches(rows: SketchRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.post(() => this.store.sketchInsert(rows).toSQL());
  }

  /** A batch's remembered predictions (ground truth), on the same thread and connection as its sketches. */
  appendPredictions(rows: PredictionRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.post(() => this.groundTruth.predictionStatement(rows));
  }

  private post(query: () => { sql: string; params: unknown[] }): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the sketch writer is closed'));
    if (this.gone) return Promise.reject(this.gone);
    const { sql, params } = query();
    const id = this.nextId++;
    const written = new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, sql, args: params });
    });
    this.inflight.add(written);
    const forget = () => this.inflight.delete(written);
    written.then(forget, forget);
    return written;
  }

  /** Stops the thread once the writes already sent have finished. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inflight]);
    await this.worker.terminate();
  }

  private failAll(err: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
