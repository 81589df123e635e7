// /v1/datasets refusals: every 4xx names what to fix, and a refused upload leaves nothing behind (no
// registry row, no blob, no spool file).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openDatasetFixture, sampleCsv, uploadMaxBytes, type DatasetFixture } from './dataset-routes-fixture';

let f: DatasetFixture;
beforeAll(async () => {
  f = await openDatasetFixture('error');
  await f.upload('known', sampleCsv(5));
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

function stream(parts: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (i >= parts.length) return controller.close();
      controller.enqueue(parts[i++]!);
    },
  });
}

describe('PUT /v1/datasets/:name refuses what is not a dataset, storing nothing', () => {
  it.each([
    ['an unterminated quote', 'a,b,label\n1,2,x\n3,"four,y\n', /^not a CSV file Windsock can read: line 3: unterminated quoted field/],
    ['a stray quote', 'a,b,label\n1,2,x\n3,fo"ur,y\n', /^not a CSV file Windsock can read: line 3: unexpected '"' inside an unquoted field/],
    ['a ragged row', 'a,b,label\n1,2,x\n3,4,y\n5,6\n', /^not a CSV file Windsock can read: line 4: expected 3 fields as in the header, found 2$/],
    ['an empty body', '', /^not a CSV file Windsock can read: line 1: the file is empty; expected a header row$/],
    ['a header without rows', 'a,b,label\n', /^not a dataset: line 2: the file has a header but no data rows$/],
    ['bytes that are not UTF-8', new Uint8Array([...new TextEncoder().encode('a,b\n1,2\n'), 0x33, 0xe9, 0x2c, 0x34, 0x0a]), /^not a CSV file Windsock can read: line 3: not UTF-8 text; save the file as UTF-8$/],
  ])('%s is a 400 naming the line', async (_what, csv, message) => {
    expectRefusal(await f.upload('fresh', csv), 400, 'bad_request', message);
    await f.expectNothingStored();
  });

  it('a ragged row far into a chunked body is a 400 naming its line', async () => {
    const head = new TextEncoder().encode(sampleCsv(30));
    const res = await f.upload('fresh', stream([head.subarray(0, 100), head.subarray(100), new TextEncoder().encode('x,1\n')]));
    expectRefusal(res, 400, 'bad_request', /line 32: expected 4 fields as in the header, found 2$/);
    await f.expectNothingStored();
  });

  it('a bad new version of a known dataset leaves its versions as they were', async () => {
    expectRefusal(await f.upload('known', 'id,size\n1\n'), 400, 'bad_request', /line 2: expected 2 fields/);
    await f.expectNothingStored();
    expect((await f.store.listVersions('known')).map((v) => v.version)).toEqual([1]);
  });

  it('a body over the limit is a 413, declared or counted as it streams', async () => {
    const big = sampleCsv(2000);
    expect(big.length).toBeGreaterThan(uploadMaxBytes);
    expectRefusal(await f.upload('fresh', big), 413, 'payload_too_large', new RegExp(`larger than the limit of ${uploadMaxBytes} bytes \\(WINDSOCK_DATASET_UPLOAD_MAX_BYTES\\)$`));
    const bytes = new TextEncoder().encode(big);
    expectRefusal(await f.upload('fresh', stream([bytes.subarray(0, 1000), bytes.subarray(1000)])), 413, 'payload_too_large', /larger than the limit/);
    await f.expectNothingStored();
  });

  it('a body at the limit exactly is taken', async () => {
    const head = 'id,size,colour,label\n';
    const tail = ',1,c,d\n';
    const csv = head + 'x'.repeat(uploadMaxBytes - head.length - tail.length) + tail;
    expect(Buffer.byteLength(csv)).toBe(uploadMaxBytes);
    expect((await f.upload('at-limit', csv)).status).toBe(201);
  });

  it.each([
    ['application/json', /^send the dataset as CSV \(content-type: text\/csv\), not 'application\/json'$/],
    ['text/plain', /not 'text\/plain'$/],
    ['text/csv; charset=latin1', /^send the CSV as UTF-8, not latin1$/],
    [null, /^send the dataset as CSV \(content-type: text\/csv\), not without a content-type$/],
  ])('content-type %s is a 415', async (contentType, message) => {
    // Bytes, which a Request sends without a content-type of its own (a string goes as text/plain).
    expectRefusal(await f.upload('fresh', new TextEncoder().encode(sampleCsv(3)), { contentType }), 415, 'unsupported_media_type', message);
    await f.expectNothingStored();
  });

  it('text/csv with a UTF-8 charset is taken', async () => {
    expect((await f.upload('charset', sampleCsv(3), { contentType: 'text/csv; charset=UTF-8' })).status).toBe(201);
  });

  it.each(['Upper', '-dash-first', 'a'.repeat(65), 'sp%20ace', 'a%2F..%2F..', 'x%00'])('the name %s is a 400 naming the rule', async (name) => {
    expectRefusal(await f.upload(name, sampleCsv(3)), 400, 'bad_request', /^param\.name: lowercase letters, digits, "\.", "_" or "-", at most 64, starting with a letter or digit$/);
    await f.expectNothingStored();
  });

  it('a name of .. is resolved away by the URL itself: no route, nothing stored', async () => {
    expectRefusal(await f.upload('..', sampleCsv(3)), 404, 'not_found', /^no route for PUT/);
    await f.expectNothingStored();
  });

  it('a description over 2000 characters is a 400', async () => {
    expectRefusal(await f.upload('fresh', sampleCsv(3), { query: `?description=${'d'.repeat(2001)}` }), 400, 'bad_request', /^query\.description: /);
    await f.expectNothingStored();
  });
});

describe('GET /v1/datasets/... of what does not exist', () => {
  it('an unknown dataset is a 404 naming it', async () => {
    expectRefusal(await f.request('GET', '/v1/datasets/nowhere', { as: 'carol' }), 404, 'not_found', /^no dataset named 'nowhere'; upload one with PUT \/v1\/datasets\/nowhere$/);
    expectRefusal(await f.request('GET', '/v1/datasets/nowhere/versions/1', { as: 'carol' }), 404, 'not_found', /^no dataset named 'nowhere'/);
  });

  it('an unknown version is a 404 naming the versions there are', async () => {
    expectRefusal(await f.request('GET', '/v1/datasets/known/versions/7', { as: 'carol' }), 404, 'not_found', /^dataset 'known' has no version 7; its versions are 1 to 1$/);
  });

  it.each(['0', 'one', '1.5', '-1'])('version %s is a 400', async (v) => {
    expectRefusal(await f.request('GET', `/v1/datasets/known/versions/${v}`, { as: 'carol' }), 400, 'bad_request', /^param\.v: /);
  });
});

describe('POST /v1/datasets/infer-spec refusals', () => {
  const url = '/v1/datasets/infer-spec?target=label';

  it('an unknown target is a 400 naming the columns', async () => {
    expectRefusal(await f.request('POST', '/v1/datasets/infer-spec?target=class', { as: 'maintainer', csv: sampleCsv(10) }), 400, 'bad_request', /^no column named "class"; the columns are "id", "size", "colour", "label"$/);
  });

  it('no target is a 400', async () => {
    expectRefusal(await f.request('POST', '/v1/datasets/infer-spec', { as: 'maintainer', csv: sampleCsv(10) }), 400, 'bad_request', /^query\.target: /);
  });

  it('a target with one class, or empty cells, is a 400 saying why', async () => {
    expectRefusal(await f.request('POST', '/v1/datasets/infer-spec?target=colour', { as: 'maintainer', csv: 'a,colour\n1,red\n2,red\n' }), 400, 'bad_request', /single value/);
    expectRefusal(await f.request('POST', url, { as: 'maintainer', csv: 'a,label\n1,x\n2,\n3,y\n' }), 400, 'bad_request', /^target "label": 1 empty or null values \(rows 2\); every row needs a class$/);
  });

  it('malformed CSV is a 400 naming the line', async () => {
    expectRefusal(await f.request('POST', url, { as: 'maintainer', csv: 'a,label\n1,x\n2\n' }), 400, 'bad_request', /line 3: expected 2 fields/);
  });

  it('a body neither CSV nor JSON is a 415', async () => {
    expectRefusal(await f.request('POST', url, { as: 'maintainer', csv: sampleCsv(3), contentType: 'text/plain' }), 415, 'unsupported_media_type', /text\/csv/);
  });

  it.each([
    [{ dataset: 'file:///etc/passwd' }, /^body\.dataset: dataset:\/\/<name> or dataset:\/\/<name>\/<version>$/],
    [{ dataset: 'dataset://known', extra: 1 }, /^body: Unrecognized key: "extra"$/],
    [{}, /^body\.dataset: /],
  ])('a JSON body %j is a 400', async (json, message) => {
    expectRefusal(await f.request('POST', url, { as: 'maintainer', json }), 400, 'bad_request', message);
  });

  it('JSON that does not parse is a 400', async () => {
    expectRefusal(await f.request('POST', url, { as: 'maintainer', csv: '{"dataset":', contentType: 'application/json' }), 400, 'bad_request', /^body: send \{"dataset"/);
  });

  it('an unknown dataset or version is a 404 naming it', async () => {
    expectRefusal(await f.request('POST', url, { as: 'maintainer', json: { dataset: 'dataset://nowhere' } }), 404, 'not_found', /^no dataset named 'nowhere'/);
    expectRefusal(await f.request('POST', url, { as: 'maintainer', json: { dataset: 'dataset://known/4' } }), 404, 'not_found', /^dataset 'known' has no version 4/);
  });

  it('stores nothing', async () => {
    await f.request('POST', url, { as: 'maintainer', csv: sampleCsv(10) });
    await f.expectNothingStored();
  });
});
