// A Windsock control plane per test: its own WINDSOCK_HOME (libSQL registry file, artifacts, jobs),
// a worker on a task queue named after the test, and the control app over a real Temporal client.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { LocalProvider } from '../../activities/compute/local-provider';
import type { ActivityDeps } from '../../activities';
import type { EdgeClient } from '../../activities/edge-client';
import type { Notification } from '../../contracts/notifications';
import { createControlApp, type ControlApp } from '../../api/control/control-app';
import { DatasetReferenceResolver } from '../../api/control/dataset-reference-resolver';
import { GrpcRetrainScheduleGateway } from '../../api/control/grpc-retrain-schedule-gateway';
import { GrpcTemporalGateway } from '../../api/temporal/grpc-temporal-gateway';
import { FetchTemporalGateway } from '../../api/temporal/fetch-temporal-gateway';
import { DatasetRoots } from '../../artifacts/dataset-roots';
import { LocalBlobStore } from '../../artifacts/local-blob-store';
import { openRegistry } from '../../registry/open-registry';
import { RegistryStore } from '../../registry/registry-store';
import { DatasetStore } from '../../registry/dataset-store';
import { seedExampleModels } from '../../registry/seed-example-models';
import { projectRoot } from '../../config/project-root';
import { createWorker } from '../../worker/create-worker';
import { finalStages, type PipelineStatus } from '../../contracts/model-pipeline-messages';
import { auth, principals } from '../test-principals';

let runtimeQuiet = false;
function quietRuntime() {
  if (runtimeQuiet) return;
  runtimeQuiet = true;
  Runtime.install({ logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) } as never });
}

export { auth, principals };

export const exampleDataset = 'examples/breast-cancer/data/breast-cancer.csv';

/** The tests' dataset roots: the examples, the fixtures, and temporary directories (fresh data for retraining). */
export const testDatasetRoots = new DatasetRoots([path.join(projectRoot, 'examples'), path.join(projectRoot, 'test/fixtures'), os.tmpdir()], projectRoot);

export interface Harness {
  home: string;
  taskQueue: string;
  registry: RegistryStore;
  deps: ActivityDeps;
  client: Client;
  /** The control app itself, for a test that serves it on a port (the CLI's). */
  app: ControlApp;
  notifications: Notification[];
  request(method: string, url: string, options?: { as?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any }>;
  /** Waits until the pipeline reaches one of the stages and, for final stages, its workflow has closed. */
  waitForStage(id: string, stages: string[], timeoutMs?: number): Promise<PipelineStatus & Record<string, any>>;
  /** Waits for a notification (delivered by its own background workflow) that matches. */
  waitForNotification(match: (n: Notification) => boolean, timeoutMs?: number): Promise<Notification>;
  /** Starts a breast-cancer pipeline as `as` (dave by default) with a fresh Idempotency-Key; returns its id. */
  submit(body: Record<string, unknown>, key: string, as?: string): Promise<string>;
  /**
   * Stops the worker (in-flight activities see a worker shutdown) and starts a fresh one, running
   * `meanwhile` while no worker polls.
   */
  restartWorker(meanwhile?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Reach Temporal from the API through gRPC (the control API's way) or its HTTP API (the edge's way). */
  gateway?: 'grpc' | 'http';
  adjust?: (deps: ActivityDeps) => ActivityDeps;
  /** The serving side that POST /v1/models/:name/versions/:v/publish pushes to. */
  edge?: EdgeClient;
  /** Another Temporal server than the run's shared one (a test that restarts its own). */
  temporal?: { address: string; httpAddress: string };
}

export async function startHarness(name: string, options: HarnessOptions = {}): Promise<Harness> {
  const adjust = options.adjust ?? ((d: ActivityDeps) => d);
  quietRuntime();
  const home = mkdtempSync(path.join(os.tmpdir(), `windsock-${name}-`));
  const taskQueue = `test-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const { db, client: registryClient } = await openRegistry(`file:${path.join(home, 'registry.db')}`);
  const registry = new RegistryStore(db);
  await seedExampleModels(registry);
  const notifications: Notification[] = [];
  const deps = adjust({
    registry,
    blobs: new LocalBlobStore(path.join(home, 'artifacts')),
    compute: { local: new LocalProvider({ jobsDir: path.join(home, 'jobs'), python: inject('python'), cwd: projectRoot }) },
    notifier: { notify: async (n) => void notifications.push(n) },
    codeVersion: 'test',
    datasetRoots: testDatasetRoots,
    datasetCatalog: new DatasetStore(registry),
    jobPollMs: 200,
    edge: options.edge,
  });

  const address = options.temporal?.address ?? inject('temporalAddress');
  const nativeConnection = await NativeConnection.connect({ address });
  const startWorker = async () => {
    const worker: Worker = await createWorker({
      connection: nativeConnection,
      namespace: 'default',
      taskQueue,
      deps,
      workflowBundlePath: inject('workflowBundlePath'),
    });
    return { worker, running: worker.run() };
  };
  let current = await startWorker();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace: 'default' });
  const app = createControlApp({
    gateway:
      options.gateway === 'http'
        ? new FetchTemporalGateway({ baseUrl: options.temporal?.httpAddress ?? inject('temporalHttpAddress'), namespace: 'default' })
        : new GrpcTemporalGateway(client),
    schedules: new GrpcRetrainScheduleGateway(client),
    registry,
    blobs: deps.blobs,
    edge: options.edge,
    datasets: new DatasetReferenceResolver(testDatasetRoots, { objectStore: deps.objectStore, datasetCatalog: deps.datasetCatalog, blobs: deps.blobs }),
    principals,
    taskQueue,
  });

  const request: Harness['request'] = async (method, url, options = {}) => {
    const headers: Record<string, string> = { ...(options.as ? auth(options.as) : {}), ...options.headers };
    let body: string | undefined;
    if (options.raw !== undefined) body = options.raw;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await app.request(url, { method, headers, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  const waitForStage: Harness['waitForStage'] = async (id, stages, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    while (Date.now() < deadline) {
      const res = await request('GET', `/v1/pipelines/${id}`, { as: 'carol' });
      last = res.body;
      const settled = !finalStages.has(res.body?.stage) || res.body.temporal.status !== 'RUNNING';
      if (res.status === 200 && stages.includes(res.body.stage) && settled) return res.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`pipeline ${id} did not reach ${stages.join('|')} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
  };

  const submit: Harness['submit'] = async (body, key, as = 'dave') => {
    const res = await request('POST', '/v1/pipelines', {
      as,
      body: { model: 'breast-cancer', dataset: exampleDataset, ...body },
      headers: { 'idempotency-key': `${key}-${Date.now()}-${Math.random()}` },
    });
    if (res.status !== 202) throw new Error(`POST /v1/pipelines answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.pipelineId as string;
  };

  const waitForNotification: Harness['waitForNotification'] = async (match, timeoutMs = 30_000) => {
    for (const by = Date.now() + timeoutMs; Date.now() < by; ) {
      const found = notifications.find(match);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`no matching notification within ${timeoutMs} ms; got ${JSON.stringify(notifications.map((n) => n.kind))}`);
  };

  return {
    home,
    taskQueue,
    submit,
    waitForNotification,
    registry,
    deps,
    client,
    app,
    notifications,
    request,
    waitForStage,
    async restartWorker(meanwhile) {
      current.worker.shutdown();
      await current.running;
      await meanwhile?.();
      current = await startWorker();
    },
    async close() {
      current.worker.shutdown();
      await current.running;
      await connection.close();
      await nativeConnection.close();
      registryClient.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
