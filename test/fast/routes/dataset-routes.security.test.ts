// /v1/datasets: uploads and spec inference are for maintainers (and admins); reading is for anyone
// signed in; nobody unsigned gets anything. A refused upload is refused before its body is read or
// stored, and no answer shows where the server keeps the files.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PrincipalName } from '../../test-principals';
import { expectRefusal } from './app-request';
import { openDatasetFixture, sampleCsv, type DatasetFixture } from './dataset-routes-fixture';

let f: DatasetFixture;
beforeAll(async () => {
  f = await openDatasetFixture('security');
  await f.upload('known', sampleCsv(5));
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const reads: Array<[method: string, path: string]> = [
  ['GET', '/v1/datasets'],
  ['GET', '/v1/datasets/known'],
  ['GET', '/v1/datasets/known/versions/1'],
];
const writes: Array<[method: string, path: string]> = [
  ['PUT', '/v1/datasets/fresh'],
  ['POST', '/v1/datasets/infer-spec?target=label'],
];

/** A body that fails the test if anyone reads it: a refusal must come before the upload is read. */
function unreadBody(): { body: ReadableStream<Uint8Array>; wasRead: () => boolean } {
  let pulled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled = true;
      controller.enqueue(new TextEncoder().encode(sampleCsv(3)));
      controller.close();
    },
  }, { highWaterMark: 0 });
  return { body, wasRead: () => pulled };
}

describe('dataset routes refuse who may not', () => {
  it.each([...reads, ...writes])('%s %s without a token, or with an unknown one, is a 401', async (method, path) => {
    const csv = method === 'GET' ? undefined : sampleCsv(3);
    expectRefusal(await f.request(method, path, { csv }), 401, 'unauthorized', /^missing bearer token/);
    expectRefusal(await f.request(method, path, { csv, headers: { authorization: 'Bearer not-a-token-0123456789' } }), 401, 'unauthorized', /^unknown bearer token$/);
    await f.expectNothingStored();
  });

  it.each<PrincipalName>(['alice', 'bob', 'carol', 'dave'])('%s (no maintainer role) gets a 403 on uploads and inference, before the body is read', async (as) => {
    for (const [method, path] of writes) {
      const { body, wasRead } = unreadBody();
      expectRefusal(await f.request(method, path, { as, csv: body }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs maintainer$`));
      expect(wasRead()).toBe(false);
    }
    await f.expectNothingStored();
  });

  it('an unsigned upload is a 401, its body unread', async () => {
    const { body, wasRead } = unreadBody();
    expectRefusal(await f.request('PUT', '/v1/datasets/fresh', { csv: body }), 401, 'unauthorized', /^missing bearer token/);
    expect(wasRead()).toBe(false);
    await f.expectNothingStored();
  });

  it.each<PrincipalName>(['alice', 'bob', 'carol', 'dave', 'root'])('%s may read every dataset route', async (as) => {
    for (const [method, path] of reads) expect((await f.request(method, path, { as })).status).toBe(200);
  });

  it('a maintainer, an API token with only that role, may upload and infer, and is the actor of record', async () => {
    const res = await f.upload('by-mia', sampleCsv(4));
    expect(res.status).toBe(201);
    expect(res.body.createdBy).toBe('mia');
    const audit = await f.request('GET', '/v1/audit?action=dataset.&actor=mia', { as: 'root' });
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    expect(JSON.stringify(audit.body)).toMatch(/"event":"dataset.version_created"/);
    expect(JSON.stringify(audit.body)).toMatch(/"dataset":"by-mia"/);
    expect((await f.request('POST', '/v1/datasets/infer-spec?target=label', { as: 'maintainer', csv: sampleCsv(10) })).status).toBe(200);
  });

  it('a revoked maintainer token is refused', async () => {
    const { record, token } = await f.apiTokens.issue({ name: 'gone', roles: ['maintainer'], lifetimeSeconds: 3600, by: 'root' });
    await f.apiTokens.revoke(record.id, 'root');
    await f.settle();
    expectRefusal(await f.request('PUT', '/v1/datasets/fresh', { csv: sampleCsv(3), headers: { authorization: `Bearer ${token}` } }), 401, 'unauthorized', /^token revoked$/);
    await f.expectNothingStored();
  });
});

describe('dataset answers keep the server to itself', () => {
  it('no answer carries the artifact store path or the spool directory', async () => {
    const answers = [
      await f.upload('paths', sampleCsv(3)),
      await f.request('GET', '/v1/datasets', { as: 'carol' }),
      await f.request('GET', '/v1/datasets/paths', { as: 'carol' }),
      await f.request('GET', '/v1/datasets/paths/versions/1', { as: 'carol' }),
      await f.upload('paths', 'a,b\n1\n'),
      await f.request('POST', '/v1/datasets/infer-spec?target=label', { as: 'maintainer', json: { dataset: 'dataset://paths/1' } }),
    ];
    const text = JSON.stringify(answers.map((a) => a.body));
    expect(text).not.toContain(f.home);
    expect(text).not.toContain('file:');
  });
});
