// The control API as the route tests run it: real registry (a libSQL file seeded with the example
// models), real blob store and dataset resolver, and fakes where Temporal and the edge would be.
// One per test file; reset() before each test clears the fakes and remembers every registry row,
// so that expectNothingDone() can show a refused request started, signalled and wrote nothing.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { EdgeClient } from '../../../activities/edge-client';
import { createControlApp } from '../../../api/control/control-app';
import { DatasetReferenceResolver } from '../../../api/control/dataset-reference-resolver';
import { DatasetRoots, defaultDatasetRoots } from '../../../artifacts/dataset-roots';
import { LocalBlobStore } from '../../../artifacts/local-blob-store';
import { projectRoot } from '../../../config/project-root';
import { modelSignatureSchema } from '../../../core/serving/model-signature';
import { ApiTokenStore } from '../../../registry/api-token-store';
import { openRegistry } from '../../../registry/open-registry';
import { RegistryStore } from '../../../registry/registry-store';
import { DatasetStore } from '../../../registry/dataset-store';
import type { VersionStatus } from '../../../registry/registry-types';
import { seedExampleModels } from '../../../registry/seed-example-models';
import servingFixture from '../../fixtures/breast-cancer-serving.json';
import { requestApp, type RequestOptions } from './app-request';
import { FakeRetrainScheduleGateway, type ScheduleCommand } from './fake-retrain-schedule-gateway';
import { FakeTemporalGateway } from './fake-temporal-gateway';
import { tableRows } from './libsql-table-rows';
import { principals } from '../../test-principals';

export const exampleDataset = 'examples/breast-cancer/data/breast-cancer.csv';
/** A registered model whose template has no retrain settings (the example's has). */
export const modelWithoutRetrain = 'no-retrain';
/** The control app's body limit in these tests, small so that a 413 needs no large request. */
export const maxBodyBytes = 16 * 1024;

export async function openControlFixture(name: string) {
  const home = mkdtempSync(path.join(os.tmpdir(), `windsock-routes-${name}-`));
  const { db, client } = await openRegistry(`file:${path.join(home, 'registry.db')}`);
  const registry = new RegistryStore(db);
  await seedExampleModels(registry);
  const { retrain: _retrain, ...template } = (await registry.requireModel('breast-cancer')).template;
  await registry.saveTemplate(modelWithoutRetrain, template, 'a model that is only trained by hand', 'test');

  // The production default: the shipped examples and $WINDSOCK_HOME/datasets.
  const datasetRoots = defaultDatasetRoots(projectRoot, home);
  mkdirSync(datasetRoots[1]!, { recursive: true });
  const gateway = new FakeTemporalGateway();
  const schedules = new FakeRetrainScheduleGateway();
  const blobs = new LocalBlobStore(path.join(home, 'artifacts'));
  // The edge is never reached by a refused request; one that reaches it is told so.
  const edgeRequests: string[] = [];
  const edge = new EdgeClient({
    baseUrl: 'http://edge.invalid',
    token: 'edge-token-0123456789',
    fetch: async (input, init) => {
      edgeRequests.push(`${init?.method ?? 'GET'} ${String(input)}`);
      return new Response(JSON.stringify({ error: { message: 'the route tests have no edge' } }), { status: 503 });
    },
  });
  const apiTokens = new ApiTokenStore(registry);
  const common = { gateway, schedules, registry, apiTokens, blobs, datasets: new DatasetReferenceResolver(new DatasetRoots(datasetRoots, projectRoot), { datasetCatalog: new DatasetStore(registry), blobs }), principals, taskQueue: `routes-${name}`, maxBodyBytes };
  const replicas: Array<{ close(): void }> = [];
  const app = createControlApp({ ...common, edge });
  const appWithoutEdge = createControlApp(common);

  let rowsBefore: Record<string, unknown[]> = {};
  let schedulesBefore: unknown[] = [];
  let versionsMade = 0;

  return {
    home,
    datasetRoots,
    registry,
    apiTokens,
    gateway,
    schedules,
    edgeRequests,
    app,
    appWithoutEdge,
    request: (method: string, url: string, options?: RequestOptions) => requestApp(app, method, url, options),

    /** Clears the fakes and remembers the registry as it is now (call it before each test). */
    async reset() {
      gateway.reset();
      schedules.reset();
      edgeRequests.length = 0;
      rowsBefore = await tableRows(client);
      schedulesBefore = [...schedules.schedules];
    },

    /** Call it after reset() when a test sets up Temporal's or the registry's state itself. */
    async settle() {
      gateway.commands.length = 0;
      schedules.commands.length = 0;
      rowsBefore = await tableRows(client);
      schedulesBefore = [...schedules.schedules];
    },

    /**
     * Nothing started, signalled or cancelled in Temporal, no schedule changed there, no call to the
     * edge, and every registry row as it was. Some routes ask Temporal before refusing (a schedule
     * delete that finds nothing): those commands are named.
     */
    async expectNothingDone(allowed: { scheduleCommands?: ScheduleCommand[] } = {}) {
      expect(gateway.commands).toEqual([]);
      expect(schedules.commands).toEqual(allowed.scheduleCommands ?? []);
      expect([...schedules.schedules]).toEqual(schedulesBefore);
      expect(edgeRequests).toEqual([]);
      expect(await tableRows(client)).toEqual(rowsBefore);
    },

    /** Registers a version of `model` with this status, as a pipeline would have. */
    async registerVersion(model: string, status: VersionStatus): Promise<number> {
      const run = `fixture-run-${++versionsMade}`;
      const { version } = await registry.registerVersion({
        modelName: model,
        artifactUri: `file://${home}/artifacts/${run}.onnx`,
        artifactSha256: servingFixture.sha256,
        signature: modelSignatureSchema.parse(servingFixture.signature),
        metrics: { roc_auc: 0.99, f1: 0.95 },
        confusionMatrix: [[1, 0], [0, 1]],
        gate: {},
        referenceProfile: servingFixture.referenceProfile,
        lineage: {
          datasetUri: 'file:///data.csv', datasetSha256: '0'.repeat(64), trainSplitUri: 'file:///train.csv', holdoutSplitUri: 'file:///holdout.csv',
          codeVersion: 'test', params: {}, computeProvider: 'local', computeJobId: run, workflowId: run, runId: run,
        },
        pipelineId: `${model}-${'0'.repeat(15)}${versionsMade % 10}`,
        pipelineRunId: run,
        createdBy: 'dave',
      });
      if (status !== 'pending_approval') await registry.setVersionStatus(model, version, status, `set by the test fixture`);
      return version;
    },

    /**
     * A second control API on the same registry file through its own connection, as another replica
     * (another process) would run it: nothing cached in this one's stores is shared with it.
     */
    async openReplica() {
      const replica = await openRegistry(`file:${path.join(home, 'registry.db')}`);
      replicas.push(replica.client);
      const replicaApp = createControlApp({ ...common, registry: new RegistryStore(replica.db), apiTokens: undefined, edge });
      return { app: replicaApp, request: (method: string, url: string, options?: RequestOptions) => requestApp(replicaApp, method, url, options) };
    },

    close() {
      for (const replica of replicas) replica.close();
      client.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export type ControlFixture = Awaited<ReturnType<typeof openControlFixture>>;
