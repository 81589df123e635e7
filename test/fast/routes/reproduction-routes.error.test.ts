// Every refusal of the reproduction routes: unknown model, version or reproduction (404), bad input
// (400, 415), a version that cannot be reproduced because it predates the record or its recorded code
// or data is gone or changed (409). A refusal starts nothing and writes nothing.
import { renameSync, writeFileSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fileBlobUri, readCodeManifest } from '../../../artifacts/code-snapshot';
import type { LocalBlobStore } from '../../../artifacts/local-blob-store';
import type { ReproductionRecord } from '../../../core/governance/reproduction-record';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { registerReproducibleVersion } from './reproduction-routes-fixture';

let f: ControlFixture;
let version: number;
let record: ReproductionRecord;
let blobs: LocalBlobStore;
beforeAll(async () => {
  f = await openControlFixture('reproduction-error');
  ({ version, record, blobs } = await registerReproducibleVersion(f));
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const reproduce = (v: number | string = version, options: Parameters<ControlFixture['request']>[2] = {}) =>
  f.request('POST', `/v1/models/breast-cancer/versions/${v}/reproduce`, { as: 'alice', ...options });

/** Moves a blob away while `check` runs, then puts it back. */
async function without(uri: string, check: () => Promise<void>) {
  const file = fileURLToPath(uri);
  renameSync(file, `${file}.away`);
  try {
    await check();
  } finally {
    renameSync(`${file}.away`, file);
  }
}

describe('POST /v1/models/:name/versions/:v/reproduce', () => {
  it('answers 404 for an unknown model or version', async () => {
    expectRefusal(await f.request('POST', '/v1/models/nope/versions/1/reproduce', { as: 'alice' }), 404, 'not_found', /nope/);
    expectRefusal(await reproduce(999), 404, 'not_found', /^model 'breast-cancer' has no version 999$/);
    await f.expectNothingDone();
  });

  it('answers 400 for a bad version, tolerance or field, and 415 for a body that is not JSON', async () => {
    expectRefusal(await reproduce(0), 400, 'bad_request', /versions start at 1/);
    expectRefusal(await reproduce('one'), 400, 'bad_request', /\bv\b/);
    expectRefusal(await reproduce(version, { body: { tolerance: -1 } }), 400, 'bad_request', /tolerance/);
    expectRefusal(await reproduce(version, { body: { tolerance: 'small' } }), 400, 'bad_request', /tolerance/);
    expectRefusal(await reproduce(version, { body: { seed: 7 } }), 400, 'bad_request', /seed/);
    expectRefusal(await reproduce(version, { raw: 'tolerance=1', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type', /JSON/);
    await f.expectNothingDone();
  });

  it('answers 409 for a version registered before code versions were recorded', async () => {
    const old = await f.registerVersion('breast-cancer', 'approved');
    await f.settle();
    expectRefusal(await reproduce(old), 409, 'conflict', new RegExp(`^breast-cancer version ${old} was registered before Windsock recorded code versions; it cannot be reproduced$`));
    await f.expectNothingDone();
  });

  it('answers 409 naming the code snapshot file, the manifest, a split or the model that is gone', async () => {
    const manifest = await readCodeManifest(blobs, record.code!);
    const trainer = manifest.files.find((file) => file.path === 'jobs/breast-cancer/train.py')!;
    await without(fileBlobUri(record.code!.manifestUri, trainer.sha256), async () => {
      expectRefusal(await reproduce(), 409, 'conflict', new RegExp(`the code snapshot sha256:${record.code!.digest} is no longer available: jobs/breast-cancer/train.py \\(blob [0-9a-f]{12} is gone\\)`));
    });
    await without(record.code!.manifestUri, async () => {
      expectRefusal(await reproduce(), 409, 'conflict', /the code snapshot manifest \(code version sha256:[0-9a-f]{64}\) is gone from the artifact store/);
    });
    await without(record.trainSplit.uri, async () => {
      expectRefusal(await reproduce(), 409, 'conflict', /the train split is gone from the artifact store/);
    });
    await without(record.holdoutSplit.uri, async () => {
      expectRefusal(await reproduce(), 409, 'conflict', /the holdout split is gone from the artifact store/);
    });
    await without(record.datasetSpec.uri, async () => {
      expectRefusal(await reproduce(), 409, 'conflict', /the dataset spec is gone/);
    });
    const model = (await f.registry.requireVersion('breast-cancer', version)).artifactUri;
    await without(model, async () => {
      expectRefusal(await reproduce(), 409, 'conflict', new RegExp(`the model artifact of version ${version} is gone`));
    });
    await f.expectNothingDone();
  });

  it('answers 409 when recorded bytes changed under the same name', async () => {
    const file = fileURLToPath(record.trainSplit.uri);
    const before = readFileSync(file);
    writeFileSync(file, 'radius,diagnosis\n9,benign\n');
    try {
      expectRefusal(await reproduce(), 409, 'conflict', /the train split no longer matches its recorded sha256/);
    } finally {
      writeFileSync(file, before);
    }
    const manifest = await readCodeManifest(blobs, record.code!);
    const code = fileURLToPath(fileBlobUri(record.code!.manifestUri, manifest.files[0]!.sha256));
    const original = readFileSync(code);
    writeFileSync(code, Buffer.concat([original, Buffer.from('\n# edited\n')]));
    try {
      expectRefusal(await reproduce(), 409, 'conflict', new RegExp(`${manifest.files[0]!.path.replace(/[.]/g, '\\.')} \\(blob [0-9a-f]{12} changed\\)`));
    } finally {
      writeFileSync(code, original);
    }
    expect((await reproduce()).status).toBe(202);
  });
});

describe('GET /v1/models/:name/versions/:v/reproductions/:id', () => {
  it('answers 404 for an id of another version or none at all, and 400 for an id too long', async () => {
    const id = `reproduce:breast-cancer:v${version}:0123456789abcdef`;
    expectRefusal(await f.request('GET', `/v1/models/breast-cancer/versions/${version}/reproductions/${id}`, { as: 'carol' }), 404, 'not_found', /has no reproduction/);
    f.gateway.put(id, { workflowType: 'reproduceVersion' });
    expectRefusal(await f.request('GET', `/v1/models/breast-cancer/versions/${version + 1}/reproductions/${id}`, { as: 'carol' }), 404, 'not_found', /has no reproduction/);
    expectRefusal(await f.request('GET', `/v1/models/breast-cancer/versions/${version}/reproductions/pipeline-0123456789abcdef`, { as: 'carol' }), 404, 'not_found', /has no reproduction/);
    expectRefusal(await f.request('GET', `/v1/models/breast-cancer/versions/${version}/reproductions/${'x'.repeat(201)}`, { as: 'carol' }), 400, 'bad_request', /id/);
    await f.expectNothingDone();
  });
});
