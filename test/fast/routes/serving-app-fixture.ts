// The Node serving app as the route tests run it: onnxruntime-node, the edge schema on a libSQL file,
// model bytes in a blob-store directory, and the pipeline routes (/v1/pipelines) reaching a fake
// Temporal gateway. One per test file; reset() before each test clears the fake and remembers every
// row and artifact, so that expectNothingDone() can show a refused request changed nothing.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import { openNodeInferenceApp } from '../../../api/node-serving/node-inference-app';
import { UriDatasetResolver } from '../../../api/serving/uri-dataset-resolver';
import { projectRoot } from '../../../config/project-root';
import { openLibsqlClient } from '../../../registry/open-libsql-client';
import servingFixture from '../../fixtures/breast-cancer-serving.json';
import { requestApp, type RequestOptions } from './app-request';
import { FakeTemporalGateway } from './fake-temporal-gateway';
import { tableRows } from './libsql-table-rows';
import { principals } from '../../test-principals';

/** Where this app's pipelines may read datasets from. */
export const datasetPrefix = pathToFileURL(path.join(projectRoot, 'examples/')).href;
export const exampleDatasetUri = `${datasetPrefix}breast-cancer/data/breast-cancer.csv`;
/** Artifacts larger than this are refused, small so that a 413 needs no large upload. */
export const maxArtifactBytes = 64 * 1024;

export const modelBytes = new Uint8Array(readFileSync(new URL('../../fixtures/breast-cancer-mlp.onnx', import.meta.url)));
export { servingFixture };

export async function openServingFixture(name: string, options: { pipelines?: boolean } = {}) {
  const home = mkdtempSync(path.join(os.tmpdir(), `windsock-routes-${name}-`));
  const databaseUrl = `file:${path.join(home, 'serving.db')}`;
  const artifactsDir = path.join(home, 'artifacts');
  const gateway = new FakeTemporalGateway();
  const serving = await openNodeInferenceApp({
    databaseUrl,
    artifactsDir,
    principals,
    recording: false,
    limits: { maxBodyBytes: 1024 * 1024, maxArtifactBytes },
    pipelines: options.pipelines === false ? undefined : { gateway, taskQueue: `routes-${name}`, datasets: new UriDatasetResolver([datasetPrefix]), rollout: true },
  });
  const reader = await openLibsqlClient(databaseUrl);
  const artifacts = () => {
    try {
      return readdirSync(artifactsDir, { recursive: true }).map(String).sort();
    } catch {
      return [];
    }
  };

  let rowsBefore: Record<string, unknown[]> = {};
  let artifactsBefore: string[] = [];
  const request = (method: string, url: string, requestOptions?: RequestOptions) => requestApp(serving.app, method, url, requestOptions);

  return {
    app: serving.app,
    store: serving.store,
    gateway,
    request,

    async reset() {
      gateway.reset();
      rowsBefore = await tableRows(reader);
      artifactsBefore = artifacts();
    },

    /** Call it after reset() when a test sets up state itself. */
    async settle() {
      gateway.commands.length = 0;
      rowsBefore = await tableRows(reader);
      artifactsBefore = artifacts();
    },

    /** Nothing sent to Temporal, every row and stored artifact as it was. */
    async expectNothingDone() {
      expect(gateway.commands).toEqual([]);
      expect(await tableRows(reader)).toEqual(rowsBefore);
      expect(artifacts()).toEqual(artifactsBefore);
    },

    /** Uploads the fixture model and publishes it as `model` v`version`, as a rollout would. */
    async publish(model: string, version: number) {
      const upload = await request('PUT', `/admin/models/${model}/versions/${version}/artifact`, {
        as: 'root',
        raw: modelBytes,
        headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': servingFixture.sha256 },
      });
      expect(upload.status, JSON.stringify(upload.body)).toBe(201);
      const published = await request('PUT', `/admin/models/${model}/versions/${version}`, {
        as: 'root',
        body: { artifactSha256: servingFixture.sha256, signature: servingFixture.signature, referenceProfile: servingFixture.referenceProfile },
      });
      expect(published.status, JSON.stringify(published.body)).toBe(201);
    },

    async close() {
      reader.close();
      await serving.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export type ServingFixture = Awaited<ReturnType<typeof openServingFixture>>;
