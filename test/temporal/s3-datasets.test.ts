// Datasets from object storage, https and the registry's catalog, against a real versitygw: the check at
// submit (DatasetReferenceResolver), the worker's read (validateDataset writing its splits to the S3
// artifact store), the limits, and retraining's newest-CSV pick under an s3:// prefix or a dataset:// name.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities/activity-deps';
import { datasetActivities } from '../../activities/dataset-activities';
import { DatasetReferenceResolver } from '../../api/control/dataset-reference-resolver';
import type { DatasetCatalog } from '../../artifacts/dataset-catalog';
import { readDataset } from '../../artifacts/dataset-reader';
import { DatasetRoots } from '../../artifacts/dataset-roots';
import { freshDataset } from '../../artifacts/fresh-dataset';
import { ObjectStoreClient } from '../../artifacts/object-store-client';
import { S3BlobStore } from '../../artifacts/s3-blob-store';
import { projectRoot } from '../../config/project-root';
import { datasetSpecSchema } from '../../core/data/dataset-spec';
import { WindsockError } from '../../core/windsock-error';
import exampleSpec from '../../examples/breast-cancer/dataset-spec.json';
import { startS3Server, type S3TestServer } from '../s3-server';

const exampleCsv = readFileSync(path.join(projectRoot, 'examples/breast-cancer/data/breast-cancer.csv'));
const roots = new DatasetRoots([path.join(projectRoot, 'examples')], projectRoot);
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

let s3: S3TestServer;
let dir: string;
let blobs: S3BlobStore;
let datasetUri: string;

beforeAll(async () => {
  s3 = await startS3Server();
  dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-s3-datasets-'));
  blobs = new S3BlobStore({ objects: s3.client, location: `s3://${s3.bucket}/artifacts`, cacheDir: path.join(dir, 'cache') });
  datasetUri = `s3://${s3.bucket}/incoming/breast cancer.csv`;
  await s3.client.put({ bucket: s3.bucket, key: 'incoming/breast cancer.csv' }, exampleCsv, sha256(exampleCsv), 'text/csv');
});
afterAll(async () => {
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function refusal(promise: Promise<unknown>): Promise<WindsockError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WindsockError);
  return err as WindsockError;
}

describe('checking a dataset reference at submit', () => {
  const resolver = () => new DatasetReferenceResolver(roots, { objectStore: s3.client, datasetHosts: ['data.example.org'], datasetMaxBytes: 1024 * 1024 });

  it('accepts an s3:// object that exists within the limit, as its canonical URI', async () => {
    expect(await resolver().resolve(datasetUri)).toBe(datasetUri);
  });

  it('refuses a missing object, a prefix, an object over the limit and a malformed URI with a 400', async () => {
    const missing = await refusal(resolver().resolve(`s3://${s3.bucket}/incoming/none.csv`));
    expect(missing).toMatchObject({ code: 'bad_request' });
    expect(missing.message).toMatch(/was not found in the object store/);
    expect((await refusal(resolver().resolve(`s3://${s3.bucket}/incoming/`))).message).toMatch(/names a prefix/);
    const small = new DatasetReferenceResolver(roots, { objectStore: s3.client, datasetMaxBytes: 1000 });
    expect((await refusal(small.resolve(datasetUri))).message).toMatch(/is \d+\.\d KiB, over the 1000 bytes limit \(WINDSOCK_DATASET_MAX_BYTES\)/);
    expect((await refusal(resolver().resolve('s3://Not_A_Bucket/x.csv'))).message).toMatch(/names no valid bucket/);
  });

  it('refuses s3:// when the deployment has no object store, and bad credentials without the secret', async () => {
    const none = await refusal(new DatasetReferenceResolver(roots).resolve(datasetUri));
    expect(none).toMatchObject({ code: 'bad_request' });
    expect(none.message).toMatch(/is in object storage, and this deployment has no object-store credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    const secret = 'not-the-secret-987654321';
    const wrong = new ObjectStoreClient({ endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: secret });
    const denied = await refusal(new DatasetReferenceResolver(roots, { objectStore: wrong }).resolve(datasetUri));
    expect(denied.code).toBe('bad_request');
    expect(denied.message).not.toContain(secret);
  });

  it('accepts https only from allow-listed hosts, naming WINDSOCK_DATASET_HOSTS, and never quotes a query or password', async () => {
    expect(await resolver().resolve('https://data.example.org/sets/bc.csv')).toBe('https://data.example.org/sets/bc.csv');
    const closed = await refusal(new DatasetReferenceResolver(roots).resolve('https://data.example.org/bc.csv'));
    expect(closed).toMatchObject({ code: 'bad_request' });
    expect(closed.message).toMatch(/https datasets are not enabled.*WINDSOCK_DATASET_HOSTS/);
    const other = await refusal(resolver().resolve('https://evil.example.com/bc.csv?X-Amz-Signature=abc123'));
    expect(other.message).toMatch(/host 'evil\.example\.com' is not in WINDSOCK_DATASET_HOSTS/);
    expect(other.message).not.toContain('abc123');
    const withPassword = await refusal(resolver().resolve('https://me:pa55word@data.example.org/bc.csv'));
    expect(withPassword.message).toMatch(/carries credentials/);
    expect(withPassword.message).not.toContain('pa55word');
    expect((await refusal(resolver().resolve('http://data.example.org/bc.csv'))).message).toMatch(/plain http/);
    expect((await refusal(resolver().resolve('ftp://data.example.org/bc.csv'))).message).toMatch(/scheme Windsock does not read \('ftp:'\)/);
  });

  it('checks paths against the dataset roots as before, and dataset:// through the catalog when there is one', async () => {
    expect(await resolver().resolve('examples/breast-cancer/data/breast-cancer.csv')).toMatch(/^file:\/\/.*breast-cancer\.csv$/);
    expect((await refusal(resolver().resolve('/etc/passwd'))).message).toMatch(/outside the dataset roots/);
    expect((await refusal(resolver().resolve('dataset://breast-cancer'))).message).toMatch(/no dataset catalog/);
    const catalog: DatasetCatalog = { pin: async (reference) => `${reference}/3`, locate: async () => ({ uri: datasetUri, sha256: sha256(exampleCsv) }) };
    expect(await new DatasetReferenceResolver(roots, { datasetCatalog: catalog }).resolve('dataset://breast-cancer')).toBe('dataset://breast-cancer/3');
  });
});

describe('the worker reading a dataset', () => {
  const deps = (extra: Partial<ActivityDeps> = {}) => ({ blobs, datasetRoots: roots, objectStore: s3.client, ...extra }) as Partial<ActivityDeps> as ActivityDeps;

  it('validates an s3:// dataset and writes its splits and report to the S3 artifact store', async () => {
    const validated = await datasetActivities(deps()).validateDataset({
      pipelineId: 'p-s3',
      datasetUri,
      spec: datasetSpecSchema.parse(exampleSpec),
      holdout: { fraction: 0.2, seed: 1 },
    });
    expect(validated).toMatchObject({ sha256: sha256(exampleCsv), rowCount: 569, trainRows: 456, holdoutRows: 113 });
    const prefix = `s3://${s3.bucket}/artifacts/datasets/${sha256(exampleCsv)}`;
    expect(validated.trainUri).toBe(`${prefix}/split-0.2-1/train.csv`);
    expect(validated.reportUri).toBe(`${prefix}/validation-report.json`);
    for (const uri of [validated.trainUri, validated.holdoutUri, validated.reportUri]) expect(await blobs.exists(uri)).toBe(true);
    // What the training job opens: a local copy of the train split.
    const train = readFileSync(await blobs.localPath(validated.trainUri), 'utf8');
    expect(train.trim().split('\n')).toHaveLength(457);
  });

  it('refuses a dataset over WINDSOCK_DATASET_MAX_BYTES, a missing object, and s3:// without an object store', async () => {
    const big = await refusal(readDataset(datasetUri, deps({ datasetMaxBytes: 4096 })));
    expect(big).toMatchObject({ code: 'dataset_invalid' });
    expect(big.message).toMatch(/larger than the 4 KiB limit \(WINDSOCK_DATASET_MAX_BYTES\)/);
    const missing = await refusal(readDataset(`s3://${s3.bucket}/incoming/none.csv`, deps()));
    expect(missing).toMatchObject({ code: 'dataset_invalid', retryable: false });
    expect(missing.message).toMatch(/no such object/);
    const none = await refusal(readDataset(datasetUri, deps({ objectStore: undefined })));
    expect(none.message).toMatch(/set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('refuses https from hosts off the list before any request, and unknown schemes', async () => {
    const off = await refusal(readDataset('https://data.example.org/bc.csv', deps()));
    expect(off).toMatchObject({ code: 'dataset_invalid' });
    expect(off.message).toMatch(/WINDSOCK_DATASET_HOSTS/);
    const other = await refusal(readDataset('https://elsewhere.example.org/bc.csv', deps({ datasetHosts: ['data.example.org'] })));
    expect(other.message).toMatch(/'elsewhere\.example\.org' is not in WINDSOCK_DATASET_HOSTS \(data\.example\.org\)/);
    expect((await refusal(readDataset('gs://bucket/bc.csv', deps()))).code).toBe('dataset_invalid');
  });

  it('reads a pinned dataset:// version through the catalog, checking its sha256', async () => {
    const catalog = (digest: string): DatasetCatalog => ({ pin: async (r) => r, locate: async () => ({ uri: datasetUri, sha256: digest }) });
    const bytes = await readDataset('dataset://breast-cancer/1', deps({ datasetCatalog: catalog(sha256(exampleCsv)) }));
    expect(sha256(bytes)).toBe(sha256(exampleCsv));
    expect((await refusal(readDataset('dataset://breast-cancer/1', deps({ datasetCatalog: catalog('0'.repeat(64)) })))).message).toMatch(/do not match the version's sha256/);
    expect((await refusal(readDataset('dataset://breast-cancer/1', deps()))).message).toMatch(/no dataset catalog/);
  });
});

describe('an https dataset from an allow-listed host', () => {
  let server: https.Server;
  let origin: string;
  const defaultCAs = tls.getCACertificates('default');

  beforeAll(async () => {
    // A self-signed certificate for 127.0.0.1, trusted by this test process only.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'tls.key'), '-out', path.join(dir, 'tls.crt')], { stdio: 'ignore' });
    const cert = readFileSync(path.join(dir, 'tls.crt'), 'utf8');
    tls.setDefaultCACertificates([...defaultCAs, cert]);
    server = https.createServer({ cert, key: readFileSync(path.join(dir, 'tls.key')) }, (req, res) => {
      const port = (server.address() as { port: number }).port;
      if (req.url === '/bc.csv') return void res.writeHead(200, { 'content-type': 'text/csv' }).end(exampleCsv);
      if (req.url === '/moved') return void res.writeHead(302, { location: '/bc.csv' }).end();
      if (req.url === '/elsewhere') return void res.writeHead(302, { location: `https://localhost:${port}/bc.csv` }).end();
      if (req.url === '/stream') {
        // No content-length: the limit must hold while the body arrives.
        res.writeHead(200, { 'content-type': 'text/csv', 'transfer-encoding': 'chunked' });
        res.write(exampleCsv);
        return void res.end();
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    tls.setDefaultCACertificates(defaultCAs);
    await new Promise((resolve) => server?.close(resolve));
  });

  const sources = (extra: { datasetMaxBytes?: number } = {}) => ({ datasetRoots: roots, datasetHosts: [new URL(origin).host], ...extra });

  it('reads it, following a redirect within the host', async () => {
    expect(sha256(await readDataset(`${origin}/bc.csv`, sources()))).toBe(sha256(exampleCsv));
    expect(sha256(await readDataset(`${origin}/moved`, sources()))).toBe(sha256(exampleCsv));
  });

  it('refuses a redirect to another host, a body past the limit, and a 404', async () => {
    const elsewhere = await refusal(readDataset(`${origin}/elsewhere`, sources()));
    expect(elsewhere).toMatchObject({ code: 'dataset_invalid' });
    expect(elsewhere.message).toMatch(/redirects to another host or scheme \(https:\/\/localhost:\d+\)/);
    for (const url of [`${origin}/bc.csv`, `${origin}/stream`]) {
      const big = await refusal(readDataset(url, sources({ datasetMaxBytes: 4096 })));
      expect(big).toMatchObject({ code: 'dataset_invalid' });
      expect(big.message).toMatch(/larger than the 4 KiB limit \(WINDSOCK_DATASET_MAX_BYTES\)/);
    }
    expect((await refusal(readDataset(`${origin}/none.csv`, sources()))).message).toMatch(/answered HTTP 404/);
  });
});

describe("retraining's fresh data from object storage and the catalog", () => {
  it('picks the newest .csv by LastModified, then key, and a named object as itself', async () => {
    const put = (key: string, body: string) => s3.client.put({ bucket: s3.bucket, key }, Buffer.from(body), sha256(body));
    await put('fresh/2026-11-01.csv', 'a\n1\n');
    await put('fresh/2026-11-02.csv', 'a\n2\n');
    await put('fresh/notes.txt', 'not data');
    await put('fresh/late/2026-10-01.csv', 'a\n3\n');
    // versitygw's posix backend reports a file's mtime as LastModified: make the lexically first the newest.
    const at = (key: string, seconds: number) => utimesSync(path.join(s3.root, s3.bucket, key), seconds, seconds);
    at('fresh/2026-11-02.csv', 1_700_000_000);
    at('fresh/late/2026-10-01.csv', 1_700_000_000);
    at('fresh/2026-11-01.csv', 1_800_000_000);
    const sources = { datasetRoots: roots, objectStore: s3.client };
    expect(await freshDataset(`s3://${s3.bucket}/fresh/`, sources)).toBe(`s3://${s3.bucket}/fresh/2026-11-01.csv`);
    expect(await freshDataset(`s3://${s3.bucket}/fresh`, sources)).toBe(`s3://${s3.bucket}/fresh/2026-11-01.csv`);
    at('fresh/2026-11-01.csv', 1_700_000_000);
    // A tie on LastModified goes to the greater key, as the directory form does with names.
    expect(await freshDataset(`s3://${s3.bucket}/fresh/`, sources)).toBe(`s3://${s3.bucket}/fresh/late/2026-10-01.csv`);
    expect(await freshDataset(`s3://${s3.bucket}/fresh/2026-11-02.csv`, sources)).toBe(`s3://${s3.bucket}/fresh/2026-11-02.csv`);
    expect((await refusal(freshDataset(`s3://${s3.bucket}/empty/`, sources))).message).toMatch(/holds no \.csv object/);
    expect((await refusal(freshDataset(`s3://${s3.bucket}/fresh/`, { datasetRoots: roots }))).message).toMatch(/AWS_ACCESS_KEY_ID/);
  });

  it("takes a registry dataset's newest version, pinned, when the location is dataset://name", async () => {
    const datasetCatalog: DatasetCatalog = { pin: async (reference) => `${reference}/7`, locate: async () => ({ uri: datasetUri, sha256: sha256(exampleCsv) }) };
    expect(await freshDataset('dataset://breast-cancer', { datasetRoots: roots, datasetCatalog })).toBe('dataset://breast-cancer/7');
    expect((await refusal(freshDataset('dataset://breast-cancer', { datasetRoots: roots }))).message).toMatch(/no dataset catalog/);
  });
});
