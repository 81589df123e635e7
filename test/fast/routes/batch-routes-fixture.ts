// The control app as the batch route tests run it: the common route fixture (real registry, blob store
// and dataset resolver; fake Temporal) with a fake batch schedule gateway, object-store credentials
// said to be set (an s3:// output is allowed), an approved champion and a few input files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { createControlApp } from '../../../api/control/control-app';
import { DatasetReferenceResolver } from '../../../api/control/dataset-reference-resolver';
import { DatasetRoots } from '../../../artifacts/dataset-roots';
import { LocalBlobStore } from '../../../artifacts/local-blob-store';
import { projectRoot } from '../../../config/project-root';
import { DatasetStore } from '../../../registry/dataset-store';
import { principals } from '../../test-principals';
import { requestApp, type RequestOptions } from './app-request';
import { openControlFixture } from './control-app-fixture';
import { FakeBatchScheduleGateway } from './fake-batch-schedule-gateway';

export async function openBatchFixture(name: string) {
  const f = await openControlFixture(name);
  const batchSchedules = new FakeBatchScheduleGateway();
  const blobs = new LocalBlobStore(path.join(f.home, 'artifacts'));
  const common = {
    gateway: f.gateway,
    schedules: f.schedules,
    registry: f.registry,
    apiTokens: f.apiTokens,
    blobs,
    datasets: new DatasetReferenceResolver(new DatasetRoots(f.datasetRoots, projectRoot), { datasetCatalog: new DatasetStore(f.registry), blobs }),
    principals,
    taskQueue: `routes-${name}`,
  };
  const app = createControlApp({ ...common, batchSchedules, objectStore: true });
  const appWithoutObjectStore = createControlApp({ ...common, batchSchedules });
  const appWithoutSchedules = createControlApp({ ...common, objectStore: true });

  const champion = await f.registerVersion('breast-cancer', 'approved');
  await f.registry.setAlias('breast-cancer', 'champion', champion, 'bob');
  const pending = await f.registerVersion('breast-cancer', 'pending_approval');

  // Inputs under the data root ($WINDSOCK_HOME/datasets): the example without its target, and broken ones.
  const dataDir = f.datasetRoots[1]!;
  mkdirSync(dataDir, { recursive: true });
  const example = readFileSync(path.join(projectRoot, 'examples/breast-cancer/data/breast-cancer.csv'), 'utf8').trimEnd().split('\n');
  const withoutTarget = example.map((line) => line.split(',').slice(0, -1).join(',')).join('\n') + '\n';
  const inputs = {
    unlabelled: path.join(dataDir, 'unlabelled.csv'),
    noRadius: path.join(dataDir, 'no-radius.csv'),
    textRadius: path.join(dataDir, 'text-radius.csv'),
  };
  writeFileSync(inputs.unlabelled, withoutTarget);
  writeFileSync(inputs.noRadius, withoutTarget.split('\n').map((line) => line.split(',').slice(1).join(',')).join('\n'));
  writeFileSync(inputs.textRadius, withoutTarget.replace(/\n[^,\n]+,/, '\nabout ten,'));

  return {
    ...f,
    batchSchedules,
    champion,
    pending,
    inputs,
    request: (method: string, url: string, options?: RequestOptions) => requestApp(app, method, url, options),
    requestWithoutObjectStore: (method: string, url: string, options?: RequestOptions) => requestApp(appWithoutObjectStore, method, url, options),
    requestWithoutSchedules: (method: string, url: string, options?: RequestOptions) => requestApp(appWithoutSchedules, method, url, options),
    async reset() {
      batchSchedules.reset();
      await f.reset();
    },
    /** As the common fixture's, and no batch schedule created or deleted. */
    async expectNothingDone() {
      expect(batchSchedules.commands).toEqual([]);
      await f.expectNothingDone();
    },
  };
}

export type BatchFixture = Awaited<ReturnType<typeof openBatchFixture>>;
