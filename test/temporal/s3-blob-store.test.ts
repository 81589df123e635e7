// The artifact store on S3-compatible object storage, against a real versitygw: what activities rely on
// (put, putFile, get, exists, localPath), refusals that say what is wrong without leaking the secret,
// and the configuration that picks the store.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostEnvForJob, jobEnvAllowFrom } from '../../activities/compute/job-environment';
import { LocalBlobStore } from '../../artifacts/local-blob-store';
import { ObjectStoreClient } from '../../artifacts/object-store-client';
import { openBlobStore } from '../../artifacts/open-blob-store';
import { S3BlobStore } from '../../artifacts/s3-blob-store';
import { ConfigError, loadWindsockEnv } from '../../config/windsock-env';
import { WindsockError } from '../../core/windsock-error';
import { startS3Server, type S3TestServer } from '../s3-server';

let s3: S3TestServer;
let dir: string;
let store: S3BlobStore;

beforeAll(async () => {
  s3 = await startS3Server();
  dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-s3-blobs-'));
  store = new S3BlobStore({ objects: s3.client, location: `s3://${s3.bucket}/artifacts`, cacheDir: path.join(dir, 'cache') });
});
afterAll(async () => {
  await s3?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest('hex');

async function refusal(promise: Promise<unknown>): Promise<WindsockError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WindsockError);
  return err as WindsockError;
}

describe('S3BlobStore on versitygw', () => {
  it('puts bytes under s3://bucket/prefix/key and reads them back', async () => {
    const blob = await store.put('runs/r1/metrics.json', '{"f1": 0.97}');
    expect(blob).toEqual({ uri: `s3://${s3.bucket}/artifacts/runs/r1/metrics.json`, sha256: sha256('{"f1": 0.97}'), size: 12 });
    expect(new TextDecoder().decode(await store.get(blob.uri))).toBe('{"f1": 0.97}');
    expect(await store.exists(blob.uri)).toBe(true);
    // The server's own backend holds the object where an S3 client put it.
    expect(readFileSync(path.join(s3.root, s3.bucket, 'artifacts/runs/r1/metrics.json'), 'utf8')).toBe('{"f1": 0.97}');
  });

  it('streams a file into the store with its sha256 and size', async () => {
    const file = path.join(dir, 'model.onnx');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = (i * 31) % 251;
    writeFileSync(file, bytes);
    const blob = await store.putFile('runs/r1/model.onnx', file);
    expect(blob).toMatchObject({ uri: `s3://${s3.bucket}/artifacts/runs/r1/model.onnx`, sha256: sha256(bytes), size: bytes.length });
    expect(sha256(await store.get(blob.uri))).toBe(sha256(bytes));
  });

  it('reads the first bytes of an object by a ranged read, the whole of a shorter one, nothing of an empty one', async () => {
    const blob = await store.put('datasets/d/1/data.csv', 'x,y\n1,2\n3,4\n');
    expect(new TextDecoder().decode(await store.readHead(blob.uri, 6))).toBe('x,y\n1,');
    expect(new TextDecoder().decode(await store.readHead(blob.uri, 1000))).toBe('x,y\n1,2\n3,4\n');
    const empty = await store.put('datasets/d/2/data.csv', '');
    expect((await store.readHead(empty.uri, 10)).byteLength).toBe(0);
  });

  it('downloads once for localPath, and afresh when the key is rewritten', async () => {
    const first = await store.put('runs/r2/train.csv', 'a,b\n1,2\n');
    const local = await store.localPath(first.uri);
    expect(local.startsWith(path.join(dir, 'cache'))).toBe(true);
    expect(path.extname(local)).toBe('.csv');
    expect(readFileSync(local, 'utf8')).toBe('a,b\n1,2\n');
    expect(await store.localPath(first.uri)).toBe(local);

    await store.put('runs/r2/train.csv', 'a,b\n3,4\n');
    const again = await store.localPath(first.uri);
    expect(again).not.toBe(local);
    expect(readFileSync(again, 'utf8')).toBe('a,b\n3,4\n');
  });

  it('answers a missing object with exists false and not_found naming it', async () => {
    const uri = `s3://${s3.bucket}/artifacts/runs/none/model.onnx`;
    expect(await store.exists(uri)).toBe(false);
    const read = await refusal(store.get(uri));
    expect(read.code).toBe('not_found');
    expect(read.message).toContain(uri);
    expect((await refusal(store.localPath(uri))).code).toBe('not_found');
    expect((await refusal(store.get(`s3://no-such-bucket-${s3.bucket}/x.csv`))).message).toMatch(/no such bucket/);
  });

  it('refuses keys that leave its prefix, and URIs it cannot read', async () => {
    expect((await refusal(store.put('../escape.json', '{}'))).code).toBe('bad_request');
    expect((await refusal(store.put('/abs.json', '{}'))).code).toBe('bad_request');
    expect((await refusal(store.get('file:///etc/hostname'))).message).toMatch(/cannot read 'file:/);
  });

  it('reads file:// artifacts recorded before the switch through its local fallback', async () => {
    const local = new LocalBlobStore(path.join(dir, 'local'));
    const old = await local.put('runs/old/model.onnx', 'old model');
    const withFallback = new S3BlobStore({ objects: s3.client, location: `s3://${s3.bucket}/artifacts`, cacheDir: path.join(dir, 'cache'), fallback: local });
    expect(new TextDecoder().decode(await withFallback.get(old.uri))).toBe('old model');
    expect(await withFallback.exists(old.uri)).toBe(true);
  });

  it('says the credentials are wrong, naming the variables and never the secret or a signature', async () => {
    const secret = 'wrong-secret-0123456789abcdef';
    const wrong = new S3BlobStore({
      objects: new ObjectStoreClient({ endpoint: s3.endpoint, region: s3.region, accessKeyId: s3.accessKeyId, secretAccessKey: secret }),
      location: `s3://${s3.bucket}/artifacts`,
      cacheDir: path.join(dir, 'cache'),
    });
    for (const attempt of [() => wrong.put('runs/x/a.json', '{}'), () => wrong.get(`s3://${s3.bucket}/artifacts/runs/r1/metrics.json`)]) {
      const err = await refusal(attempt());
      expect(err.code).toBe('unavailable');
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/refused Windsock's credentials \(SignatureDoesNotMatch/);
      expect(err.message).toMatch(/AWS_SECRET_ACCESS_KEY/);
      expect(err.message).not.toContain(secret);
      expect(err.message).not.toContain(s3.secretAccessKey);
      expect(err.message).not.toMatch(/Signature=|X-Amz-Signature|AWS4-HMAC/);
    }
    // A logged store or client shows no secret either.
    expect(inspect(wrong, { depth: 10 })).not.toContain(secret);
    expect(inspect(s3.client, { depth: 10 })).not.toContain(s3.secretAccessKey);
    const unknownKey = new ObjectStoreClient({ endpoint: s3.endpoint, region: s3.region, accessKeyId: 'NOSUCHKEY', secretAccessKey: secret });
    expect((await refusal(unknownKey.get({ bucket: s3.bucket, key: 'artifacts/runs/r1/metrics.json' }))).message).toMatch(/refused Windsock's credentials/);
  });

  it('says when the store cannot be reached, as a retryable failure', async () => {
    const down = new ObjectStoreClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', accessKeyId: 'a', secretAccessKey: 'b' });
    const err = await refusal(down.head({ bucket: s3.bucket, key: 'x' }));
    expect(err).toMatchObject({ code: 'unavailable', retryable: true });
    expect(err.message).toMatch(/object store at http:\/\/127\.0\.0\.1:9 is unreachable/);
  });
});

describe('choosing the artifact store from the environment', () => {
  it('opens the S3 store for WINDSOCK_ARTIFACTS_URL and the local directory without it', async () => {
    const home = path.join(dir, 'home');
    const env = loadWindsockEnv({ WINDSOCK_HOME: home, ...s3.env });
    const blobs = openBlobStore(env);
    expect(blobs).toBeInstanceOf(S3BlobStore);
    const blob = await blobs.put('env/check.txt', 'hello');
    expect(blob.uri).toBe(`s3://${s3.bucket}/artifacts/env/check.txt`);
    expect(existsSync(path.join(s3.root, s3.bucket, 'artifacts/env/check.txt'))).toBe(true);
    expect(path.dirname(await blobs.localPath(blob.uri))).toBe(path.join(home, 'cache', 'blobs'));

    expect(openBlobStore(loadWindsockEnv({ WINDSOCK_HOME: home }))).toBeInstanceOf(LocalBlobStore);
    // A file:// URI still reads through the S3 store (artifacts of before the switch).
    const local = await new LocalBlobStore(path.join(home, 'artifacts')).put('old.txt', 'before');
    expect(local.uri).toBe(pathToFileURL(path.join(home, 'artifacts', 'old.txt')).href);
    expect(new TextDecoder().decode(await blobs.get(local.uri))).toBe('before');
  });

  it('fails fast naming the variable, and never echoes the secret', () => {
    const secret = 'super-secret-value-42';
    const failure = (env: Record<string, string>) => {
      try {
        loadWindsockEnv(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as Error).message).not.toContain(secret);
        return (err as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(failure({ WINDSOCK_ARTIFACTS_URL: 's3://bucket/prefix' })).toMatch(/AWS_ACCESS_KEY_ID: WINDSOCK_ARTIFACTS_URL needs/);
    expect(failure({ AWS_SECRET_ACCESS_KEY: secret })).toMatch(/AWS_ACCESS_KEY_ID: required when AWS_SECRET_ACCESS_KEY/);
    expect(failure({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: secret, WINDSOCK_ARTIFACTS_URL: 'https://bucket/prefix' })).toMatch(/WINDSOCK_ARTIFACTS_URL: an s3:\/\/bucket\/prefix URI/);
    expect(failure({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: secret, WINDSOCK_S3_ENDPOINT: 'ftp://x' })).toMatch(/WINDSOCK_S3_ENDPOINT: an http\(s\):\/\/ URL/);
    expect(failure({ AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: secret, WINDSOCK_S3_ENDPOINT: `http://AKIA:${secret}@127.0.0.1:7070` })).toMatch(/WINDSOCK_S3_ENDPOINT: no user:password@/);
    expect(failure({ WINDSOCK_DATASET_MAX_BYTES: '-1', AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: secret })).toMatch(/WINDSOCK_DATASET_MAX_BYTES/);
  });

  it('keeps the object-store credentials out of training jobs unless allow-listed', () => {
    const host = { PATH: '/usr/bin', AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey, AWS_SESSION_TOKEN: 't' };
    expect(Object.keys(hostEnvForJob(host, jobEnvAllowFrom(undefined)))).toEqual(['PATH']);
  });
});
