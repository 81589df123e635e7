// /v1/datasets: a maintainer uploads a CSV, which is stored once under its sha256 and numbered; the
// same bytes again answer with their version; concurrent uploads get distinct consecutive versions;
// anyone signed in lists and reads them; pipelines pin and locate them as dataset://name[/version];
// and a dataset spec is proposed from a sample, which the sample passes.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../artifacts/local-blob-store';
import { parseCsv } from '../../../core/data/csv';
import { datasetSpecSchema } from '../../../core/data/dataset-spec';
import { validateDataset } from '../../../core/data/dataset-validation';
import { auditEvents, datasetVersions, datasets } from '../../../drizzle/schema';
import { maxBodyBytes } from './control-app-fixture';
import { openDatasetFixture, sampleCsv, uploadMaxBytes, type DatasetFixture } from './dataset-routes-fixture';

let f: DatasetFixture;
beforeAll(async () => {
  f = await openDatasetFixture('happy');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

function chunked(text: string, size: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

describe('PUT /v1/datasets/:name', () => {
  it('stores the bytes under their sha256 and answers with version 1, its rows and columns', async () => {
    const csv = sampleCsv(20);
    const before = Date.now();
    const res = await f.upload('iris', csv, { query: '?description=first%20cut' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const sha256 = sha256Hex(csv);
    expect(res.body).toEqual({
      name: 'iris',
      version: 1,
      sha256,
      size: Buffer.byteLength(csv),
      rows: 20,
      columns: ['id', 'size', 'colour', 'label'],
      uri: 'dataset://iris/1',
      createdBy: 'mia',
      createdAt: expect.any(String),
    });
    expect(Date.parse(res.body.createdAt)).toBeGreaterThanOrEqual(before);

    // Content-addressed in the artifact store, and nothing left in the spool.
    expect(f.storedFiles()).toEqual([`artifacts/datasets/iris/${sha256}/data.csv`]);
    const [row] = await f.registry.db.select().from(datasetVersions);
    expect(await readFile(fileURLToPath(row!.artifactUri), 'utf8')).toBe(csv);
    expect(await f.registry.db.select().from(datasets)).toEqual([{ name: 'iris', description: 'first cut', createdBy: 'mia', createdAt: expect.any(Date) }]);
    const events = (await f.registry.db.select().from(auditEvents)).filter((e) => e.event === 'dataset.version_created');
    expect(events).toEqual([expect.objectContaining({ actor: 'mia', details: { dataset: 'iris', version: 1, sha256, sizeBytes: Buffer.byteLength(csv), rows: 20, columns: 4 } })]);
  });

  it('answers the same bytes again with their existing version (200), storing nothing more', async () => {
    const csv = sampleCsv(5, 1);
    const first = await f.upload('again', csv);
    expect(first.status).toBe(201);
    await f.settle();
    const filesBefore = f.storedFiles();
    const second = await f.upload('again', csv, { as: 'root' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    await f.expectNothingDone();
    expect(f.storedFiles()).toEqual(filesBefore);
  });

  it('takes an upload larger than the JSON body limit of the other routes', async () => {
    const csv = sampleCsv(1200, 9);
    expect(Buffer.byteLength(csv)).toBeGreaterThan(maxBodyBytes);
    expect(Buffer.byteLength(csv)).toBeLessThan(uploadMaxBytes);
    const res = await f.upload('larger', csv);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.rows).toBe(1200);
  });

  it('numbers new bytes as the next version, and an admin may upload too', async () => {
    expect((await f.upload('grow', sampleCsv(5, 1))).body.version).toBe(1);
    const res = await f.upload('grow', sampleCsv(6, 1), { as: 'root' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ version: 2, rows: 6, createdBy: 'root', uri: 'dataset://grow/2' });
  });

  it('gives concurrent uploads of different bytes distinct consecutive versions, and of the same bytes one', async () => {
    const bodies = Array.from({ length: 6 }, (_, i) => sampleCsv(3 + i, 7));
    const answers = await Promise.all([...bodies, bodies[0]!, bodies[0]!].map((csv) => f.upload('racing', csv)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 201, 201, 201, 201, 201, 201]);
    const versions = answers.slice(0, 6).map((a) => a.body.version);
    expect([...versions].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(answers[6]!.body.version).toBe(answers[0]!.body.version);
    expect(answers[7]!.body.version).toBe(answers[0]!.body.version);
    const rows = await f.store.listVersions('racing');
    expect(rows.map((r) => r.version)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(new Set(rows.map((r) => r.sha256)).size).toBe(6);
  });

  it('gives uploads racing from another control API replica on the same registry file distinct versions too', async () => {
    const replica = await f.openReplica();
    const bodies = Array.from({ length: 6 }, (_, i) => sampleCsv(3 + i, 8));
    const answers = await Promise.all(
      bodies.map((csv, i) =>
        i % 2 === 0 ? f.upload('replicated', csv) : replica.request('PUT', '/v1/datasets/replicated', { raw: csv, headers: { 'content-type': 'text/csv', authorization: `Bearer ${f.maintainerToken}` } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(answers.map((a) => a.body.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads a chunked body with CRLF, a byte-order mark and quoted line ends as parseCsv does', async () => {
    const csv = '\uFEFFid,note,label\r\n1,"two\r\nlines",a\r\n2,"say ""hi""",b\r\n3,plain,a';
    const res = await f.upload('odd-shapes', chunked(csv, 5));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ rows: 3, columns: ['id', 'note', 'label'], sha256: sha256Hex(csv), size: Buffer.byteLength(csv) });
    expect(res.body.rows).toBe(parseCsv(csv).rows.length);
  });
});

describe('GET /v1/datasets', () => {
  it('lists datasets with their newest version, each version newest first, and one version with a preview', async () => {
    await f.upload('listed', sampleCsv(4, 2), { query: '?description=two%20versions' });
    await f.upload('listed', sampleCsv(25, 2));
    const list = await f.request('GET', '/v1/datasets', { as: 'carol' });
    expect(list.status).toBe(200);
    const listed = list.body.datasets.find((d: { name: string }) => d.name === 'listed');
    expect(listed).toMatchObject({ name: 'listed', description: 'two versions', versions: 2, latest: { version: 2, rows: 25, uri: 'dataset://listed/2' }, createdBy: 'mia' });

    const one = await f.request('GET', '/v1/datasets/listed', { as: 'carol' });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: 'listed', description: 'two versions' });
    expect(one.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const detail = await f.request('GET', '/v1/datasets/listed/versions/2', { as: 'carol' });
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ name: 'listed', version: 2, rows: 25, columns: ['id', 'size', 'colour', 'label'] });
    expect(detail.body.preview).toEqual({ rows: parseCsv(sampleCsv(25, 2)).rows.slice(0, 10), truncated: true });
    const small = await f.request('GET', '/v1/datasets/listed/versions/1', { as: 'alice' });
    expect(small.body.preview).toEqual({ rows: parseCsv(sampleCsv(4, 2)).rows, truncated: false });
    // The server's paths stay on the server.
    expect(JSON.stringify([list.body, one.body, detail.body])).not.toContain('file:');
  });
});

describe('the DatasetCatalog', () => {
  it('pins dataset://name to its newest version and locates a pinned version in the artifact store', async () => {
    await f.upload('pinned', sampleCsv(3, 3));
    const second = await f.upload('pinned', sampleCsv(4, 3));
    expect(await f.store.pin('dataset://pinned')).toBe('dataset://pinned/2');
    expect(await f.store.pin('dataset://pinned/1')).toBe('dataset://pinned/1');
    const located = await f.store.locate('dataset://pinned/2');
    expect(located.sha256).toBe(second.body.sha256);
    expect(sha256Hex(await f.blobs.get(located.uri))).toBe(second.body.sha256);
    await expect(f.store.pin('dataset://pinned/3')).rejects.toThrow(/dataset 'pinned' has no version 3; its versions are 1 to 2/);
    await expect(f.store.pin('dataset://nowhere')).rejects.toThrow(/no dataset named 'nowhere'/);
    await expect(f.store.locate('dataset://pinned')).rejects.toThrow(/names no version: pin it/);
    await expect(f.store.pin('file:///etc/passwd')).rejects.toThrow(/is not a dataset reference/);
  });
});

describe('POST /v1/datasets/infer-spec', () => {
  const csv = sampleCsv(60, 4);

  it('proposes a spec from a CSV body that the file passes, with notes on what it decided', async () => {
    const res = await f.request('POST', '/v1/datasets/infer-spec?target=label', { as: 'maintainer', csv });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const spec = datasetSpecSchema.parse(res.body.datasetSpec);
    expect(spec.features.map((c) => [c.name, c.type])).toEqual([
      ['size', 'float'],
      ['colour', 'categorical'],
    ]);
    expect(spec.target).toEqual({ name: 'label', classes: ['no', 'yes'], positiveClass: 'yes' });
    expect(res.body.notes[0]).toBe('inferred from all 60 rows of the request body');
    expect(res.body.notes.join('\n')).toMatch(/column "id" left out/);
    expect(validateDataset(spec, parseCsv(csv)).errors).toEqual([]);
  });

  it('proposes the same spec for an uploaded version named by reference', async () => {
    await f.upload('to-infer', csv);
    const fromBody = await f.request('POST', '/v1/datasets/infer-spec?target=label', { as: 'maintainer', csv });
    const fromRef = await f.request('POST', '/v1/datasets/infer-spec?target=label', { as: 'root', json: { dataset: 'dataset://to-infer' } });
    expect(fromRef.status, JSON.stringify(fromRef.body)).toBe(200);
    expect(fromRef.body.datasetSpec).toEqual(fromBody.body.datasetSpec);
    expect(fromRef.body.notes[0]).toBe('inferred from all 60 rows of dataset://to-infer/1');
  });

  it('reads only a sample of a large body, and says so', async () => {
    const big = sampleCsv(120_000, 5);
    const res = await f.request('POST', '/v1/datasets/infer-spec?target=label', { as: 'maintainer', csv: chunked(big, 64 * 1024) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.notes[0]).toMatch(/^inferred from the first 100000 rows of the request body/);
  });
});
