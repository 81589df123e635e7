// The control API as the dataset route tests run it: the routes' usual fixture (real libSQL registry,
// real local blob store) with a small upload limit, a spool directory of its own, and a maintainer
// (an API token with the role: the bootstrap principals have none), so that a test can show a refused
// upload left no registry row, no blob and no spool file behind.
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { createControlApp } from '../../../api/control/control-app';
import { DatasetReferenceResolver } from '../../../api/control/dataset-reference-resolver';
import { DatasetRoots } from '../../../artifacts/dataset-roots';
import { LocalBlobStore } from '../../../artifacts/local-blob-store';
import { projectRoot } from '../../../config/project-root';
import { DatasetStore } from '../../../registry/dataset-store';
import { principals, auth, type PrincipalName } from '../../test-principals';
import { requestApp, type AppResponse } from './app-request';
import { maxBodyBytes, openControlFixture } from './control-app-fixture';

/** The upload limit in these tests: a 413 needs no large request, and it is above the app's JSON body limit. */
export const uploadMaxBytes = 2 * maxBodyBytes;

export interface DatasetRequest {
  /** A principal of test-principals, or `maintainer` for the fixture's maintainer token. */
  as?: PrincipalName | 'maintainer';
  /** The body as it is; content-type text/csv unless `contentType` says otherwise (null: none). */
  csv?: string | Uint8Array | ReadableStream<Uint8Array>;
  json?: unknown;
  contentType?: string | null;
  headers?: Record<string, string>;
}

/** Every file under a directory, as paths relative to it. */
function filesUnder(root: string): string[] {
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.relative(root, path.join(e.parentPath, e.name)))
      .sort();
  } catch {
    return [];
  }
}

export async function openDatasetFixture(name: string) {
  const f = await openControlFixture(`datasets-${name}`);
  const blobRoot = path.join(f.home, 'artifacts');
  const spoolDir = path.join(f.home, 'spool');
  mkdirSync(spoolDir, { recursive: true });
  const blobs = new LocalBlobStore(blobRoot);
  const store = new DatasetStore(f.registry);
  const app = createControlApp({
    gateway: f.gateway,
    schedules: f.schedules,
    registry: f.registry,
    apiTokens: f.apiTokens,
    blobs,
    datasets: new DatasetReferenceResolver(new DatasetRoots(f.datasetRoots, projectRoot)),
    principals,
    taskQueue: `routes-datasets-${name}`,
    maxBodyBytes,
    datasetStore: store,
    datasetUploadMaxBytes: uploadMaxBytes,
    datasetSpoolDir: spoolDir,
  });
  const { token: maintainerToken } = await f.apiTokens.issue({ name: 'mia', roles: ['maintainer'], lifetimeSeconds: 3600, by: 'root' });
  let filesBefore: string[] = [];
  /** Files in the artifact store and the spool directory. */
  const storedFiles = () => [...filesUnder(blobRoot).map((p) => `artifacts/${p}`), ...filesUnder(spoolDir).map((p) => `spool/${p}`)];

  async function request(method: string, url: string, options: DatasetRequest = {}): Promise<AppResponse> {
    const headers: Record<string, string> = {};
    if (options.as === 'maintainer') headers.authorization = `Bearer ${maintainerToken}`;
    else if (options.as) Object.assign(headers, auth(options.as));
    let raw: string | Uint8Array | ReadableStream<Uint8Array> | undefined;
    if (options.json !== undefined) {
      raw = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.csv !== undefined) {
      raw = options.csv;
      headers['content-type'] = 'text/csv';
    }
    if (options.contentType) headers['content-type'] = options.contentType;
    if (options.contentType === null) delete headers['content-type'];
    Object.assign(headers, options.headers);
    if (raw === undefined || options.contentType !== null) return requestApp(app, method, url, { raw, headers });
    // requestApp would add a JSON content-type: a body without one goes straight to the app.
    const res = await app.request(url, { method, headers, body: raw as RequestInit['body'], ...(raw instanceof ReadableStream ? { duplex: 'half' } : {}) } as RequestInit);
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  }

  return {
    ...f,
    app,
    blobs,
    store,
    blobRoot,
    spoolDir,
    maintainerToken,
    request,
    /** PUT /v1/datasets/:name with a CSV body, as the maintainer unless told otherwise. */
    upload: (dataset: string, csv: DatasetRequest['csv'], options: Omit<DatasetRequest, 'csv'> & { query?: string } = {}) =>
      request('PUT', `/v1/datasets/${dataset}${options.query ?? ''}`, { as: 'maintainer', ...options, csv }),
    storedFiles,
    async reset() {
      await f.reset();
      filesBefore = storedFiles();
    },
    /** The fixture's checks (no registry row, no Temporal command) and no file stored or left in the spool. */
    async expectNothingStored() {
      await f.expectNothingDone();
      expect(storedFiles()).toEqual(filesBefore);
    },
  };
}

export type DatasetFixture = Awaited<ReturnType<typeof openDatasetFixture>>;

/** A small CSV table: header `id,size,colour,label` and `rows` rows. */
export function sampleCsv(rows: number, seed = 0): string {
  const lines = ['id,size,colour,label'];
  for (let i = 0; i < rows; i++) lines.push(`${seed}-${i},${(i * 1.5 + seed).toFixed(1)},${['red', 'green', 'blue'][i % 3]},${i % 3 === 0 ? 'yes' : 'no'}`);
  return lines.join('\n') + '\n';
}
