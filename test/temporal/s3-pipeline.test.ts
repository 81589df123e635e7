// The whole model pipeline with its artifacts in object storage (WINDSOCK_ARTIFACTS_URL=s3://...):
// a real worker, the real training job and onnxruntime, against a real versitygw. Splits, the model,
// the job's logs and the registered artifact all live in the bucket; the job and onnxruntime read
// local copies.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseS3Uri } from '../../artifacts/object-store-client';
import { objectStoreFromEnv, openBlobStore } from '../../artifacts/open-blob-store';
import { loadWindsockEnv } from '../../config/windsock-env';
import { startS3Server, type S3TestServer } from '../s3-server';
import { startHarness, type Harness } from './pipeline-harness';

let s3: S3TestServer;
let h: Harness;
let home: string;

beforeAll(async () => {
  s3 = await startS3Server();
  home = mkdtempSync(path.join(os.tmpdir(), 'windsock-s3-pipeline-'));
  const env = loadWindsockEnv({ WINDSOCK_HOME: home, ...s3.env });
  const objectStore = objectStoreFromEnv(env);
  h = await startHarness('s3-pipeline', { adjust: (deps) => ({ ...deps, blobs: openBlobStore(env, objectStore), objectStore }) });
});
afterAll(async () => {
  await h?.close();
  await s3?.stop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('modelPipeline with WINDSOCK_ARTIFACTS_URL=s3://bucket/artifacts', () => {
  it('trains, registers and promotes a model whose artifacts are objects in the bucket', async () => {
    const id = await h.submit({}, 's3-pipeline');
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.dataset).toMatchObject({ rowCount: 569, trainRows: 456, holdoutRows: 113 });
    expect(waiting.metrics!.roc_auc).toBeGreaterThan(0.9);

    const approved = await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: {} });
    expect(approved.status).toBe(202);
    const done = await h.waitForStage(id, ['succeeded', 'failed']);
    expect(done.stage).toBe('succeeded');

    const version = await h.registry.requireVersion('breast-cancer', waiting.version!);
    expect(version.artifactUri).toMatch(new RegExp(`^s3://${s3.bucket}/artifacts/.+/model\\.onnx$`));
    const model = await s3.client.get(parseS3Uri(version.artifactUri));
    expect(createHash('sha256').update(model).digest('hex')).toBe(version.artifactSha256);
    expect(existsSync(path.join(s3.root, s3.bucket, parseS3Uri(version.artifactUri).key))).toBe(true);

    const stored = (await s3.client.list({ bucket: s3.bucket, key: 'artifacts/' })).map((o) => path.basename(o.key));
    expect(stored).toEqual(expect.arrayContaining(['train.csv', 'holdout.csv', 'validation-report.json', 'dataset-spec.json', 'model.onnx', 'job.log']));
  });
});
