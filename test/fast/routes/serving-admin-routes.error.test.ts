// /admin on the serving app refuses bad uploads, bodies, params and queries, versions that cannot be
// published, unknown models and a version that still serves traffic, with a 4xx naming the problem
// and nothing stored. test/serving/serving-suite.ts covers a wrong sha256 on upload, a republish with
// other bytes, weights that do not sum to 100, weights on an unpublished version, a stale step and a
// chunked JSON body over the limit.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_JSON_BODY_BYTES } from '../../../api/http/body-limit';
import { expectRefusal } from './app-request';
import { maxArtifactBytes, modelBytes, openServingFixture, servingFixture, type ServingFixture } from './serving-app-fixture';

let f: ServingFixture;
beforeAll(async () => {
  f = await openServingFixture('admin-errors');
  await f.publish('bc', 1);
  await f.publish('bc', 2);
  const weights = await f.request('PUT', '/admin/models/bc/traffic', { as: 'root', body: { weights: { '1': 90, '2': 10 } } });
  expect(weights.status, JSON.stringify(weights.body)).toBe(200);
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** The bytes as a chunked body, with no declared length. */
const streamOf = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < bytes.byteLength; at += 16 * 1024) controller.enqueue(bytes.subarray(at, at + 16 * 1024));
      controller.close();
    },
  });
const published = { artifactSha256: servingFixture.sha256, signature: servingFixture.signature, referenceProfile: servingFixture.referenceProfile };
const nameRule = /^param\.name: lowercase letters, digits, "\.", "_" or "-", at most 64, starting with a letter or digit$/;

describe('PUT /admin/models/:name/versions/:v/artifact', () => {
  const upload = (path: string, headers: Record<string, string>, raw: Uint8Array = modelBytes) =>
    f.request('PUT', path, { as: 'root', raw, headers: { 'content-type': 'application/octet-stream', ...headers } });

  it.each([
    ['no declared sha256', {}],
    ['a sha256 in capitals', { 'x-windsock-sha256': servingFixture.sha256.toUpperCase() }],
    ['a truncated sha256', { 'x-windsock-sha256': servingFixture.sha256.slice(0, 40) }],
  ])('%s is a 400 that says where to send it', async (_case, headers) => {
    expectRefusal(await upload('/admin/models/bc/versions/3/artifact', headers), 400, 'bad_request', /^send the artifact sha256 \(lowercase hex\) in x-windsock-sha256$/);
    await f.expectNothingDone();
  });

  it('an empty body is a 400', async () => {
    const empty = new Uint8Array(0);
    expectRefusal(await upload('/admin/models/bc/versions/3/artifact', { 'x-windsock-sha256': sha256(empty) }, empty), 400, 'bad_request', /^empty artifact body$/);
    await f.expectNothingDone();
  });

  it('a declared length over the limit is a 413 naming the limit', async () => {
    const res = await upload('/admin/models/bc/versions/3/artifact', { 'x-windsock-sha256': servingFixture.sha256, 'content-length': String(maxArtifactBytes + 1) });
    expectRefusal(res, 413, 'payload_too_large', new RegExp(`^artifact larger than ${maxArtifactBytes} bytes$`));
    await f.expectNothingDone();
  });

  it('a body over the limit with no declared length is a 413 too, counted as it streams', async () => {
    const big = new Uint8Array(maxArtifactBytes + 1);
    const res = await f.request('PUT', '/admin/models/bc/versions/3/artifact', {
      as: 'root',
      raw: streamOf(big),
      headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': sha256(big) },
    });
    expectRefusal(res, 413, 'payload_too_large', new RegExp(`^artifact larger than ${maxArtifactBytes} bytes$`));
    await f.expectNothingDone();
  });

  it('a bad version or model name is a 400', async () => {
    expectRefusal(await upload('/admin/models/bc/versions/0/artifact', { 'x-windsock-sha256': servingFixture.sha256 }), 400, 'bad_request', /^param\.v: versions start at 1$/);
    expectRefusal(await upload('/admin/models/BC/versions/1/artifact', { 'x-windsock-sha256': servingFixture.sha256 }), 400, 'bad_request', nameRule);
    await f.expectNothingDone();
  });
});

describe('PUT /admin/models/:name/versions/:v', () => {
  it.each([
    ['no signature', { signature: undefined }, /body\.signature: .*expected object/],
    ['a sha256 that is not hex', { artifactSha256: 'z'.repeat(64) }, /^body\.artifactSha256: a lowercase hex sha256$/],
    ['an input of an unknown datatype', { signature: { ...servingFixture.signature, inputs: [{ name: 'features', datatype: 'FLOAT', shape: [-1, 30] }] } }, /body\.signature\.inputs\.0\.datatype: /],
    ['no reference profile', { referenceProfile: undefined }, /body\.referenceProfile: /],
    ['an unknown field', { weights: { '3': 100 } }, /^body: Unrecognized key: "weights"$/],
  ])('%s is a 400', async (_case, change, message) => {
    expectRefusal(await f.request('PUT', '/admin/models/bc/versions/3', { as: 'root', body: { ...published, ...change } }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('a version whose artifact was not uploaded is a 422 that says to upload it first', async () => {
    const res = await f.request('PUT', '/admin/models/fresh/versions/1', { as: 'root', body: published });
    expectRefusal(res, 422, 'unprocessable', /^upload the artifact first: PUT \/admin\/models\/fresh\/versions\/1\/artifact$/);
    await f.expectNothingDone();
  });

  it('an artifact that does not load is a 422 naming the runtime and its reason, and is not published', async () => {
    const garbage = new TextEncoder().encode('not an onnx model');
    const uploaded = await f.request('PUT', '/admin/models/broken/versions/1/artifact', {
      as: 'root',
      raw: garbage,
      headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': sha256(garbage) },
    });
    // The upload itself is fine: it is the publish that checks the model.
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    await f.settle();
    const res = await f.request('PUT', '/admin/models/broken/versions/1', { as: 'root', body: { ...published, artifactSha256: sha256(garbage) } });
    expectRefusal(res, 422, 'unprocessable', /^broken v1 does not load in onnxruntime-node \(cpu\): .+/);
    await f.expectNothingDone();
  });
});

describe('GET /admin/models/:name', () => {
  it('a model with no published version is a 404 and a bad name a 400', async () => {
    expectRefusal(await f.request('GET', '/admin/models/never-published', { as: 'root' }), 404, 'not_found', /^model 'never-published' has no published versions$/);
    expectRefusal(await f.request('GET', '/admin/models/Never', { as: 'root' }), 400, 'bad_request', nameRule);
    await f.expectNothingDone();
  });
});

describe('PUT /admin/models/:name/traffic', () => {
  it.each([
    ['a version key that is not a number', { weights: { v1: 100 } }, /^body\.weights\.v1: /],
    ['a version key with a leading zero', { weights: { '01': 100 } }, /^invalid weights: version '01' is not a positive integer without leading zeros$/],
    ['no versions', { weights: {} }, /^invalid weights: no versions: at least one version must take traffic$/],
    ['a weight out of 0-100', { weights: { '1': 110, '2': -10 } }, /^invalid weights: weight of version '1' must be an integer from 0 to 100, got 110; weight of version '2' .* got -10$/],
    ['a fractional weight', { weights: { '1': 99.5, '2': 0.5 } }, /weight of version '1' must be an integer from 0 to 100, got 99\.5/],
    ['every weight 0', { weights: { '1': 0, '2': 0 } }, /^invalid weights: every weight is 0: at least one version must take traffic$/],
    ['a negative step', { weights: { '1': 100 }, step: -1 }, /body\.step: .*>=0/],
    ['a fractional step', { weights: { '1': 100 }, step: 1.5 }, /body\.step: .*expected int/],
    ['no weights', { step: 3 }, /body\.weights: .*expected record/],
    ['an unknown field', { weights: { '1': 100 }, reason: 'x' }, /^body: Unrecognized key: "reason"$/],
  ])('%s is a 400', async (_case, body, message) => {
    expectRefusal(await f.request('PUT', '/admin/models/bc/traffic', { as: 'root', body }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('malformed JSON is a 400', async () => {
    expectRefusal(await f.request('PUT', '/admin/models/bc/traffic', { as: 'root', raw: '{"weights": {"1": 100}' }), 400, 'bad_request', /Malformed JSON in request body/);
    await f.expectNothingDone();
  });
});

describe('DELETE /admin/models/:name/versions/:v', () => {
  it('a version that still serves traffic is a 409 that says to move its traffic first', async () => {
    expectRefusal(await f.request('DELETE', '/admin/models/bc/versions/2', { as: 'root' }), 409, 'conflict', /^bc v2 still serves 10% of traffic; move its traffic first$/);
    await f.expectNothingDone();
  });

  it('a bad version is a 400', async () => {
    expectRefusal(await f.request('DELETE', '/admin/models/bc/versions/first', { as: 'root' }), 400, 'bad_request', /^param\.v: /);
    await f.expectNothingDone();
  });
});

describe.each(['metrics', 'sketches', 'drift'])('GET /admin/models/:name/%s', (read) => {
  it.each([
    ['a from that is not a time', 'from=yesterday', /^query\.from: an ISO 8601 time or epoch milliseconds$/],
    ['a to that is not a time', 'to=2025-13-45T99:00', /^query\.to: an ISO 8601 time or epoch milliseconds$/],
    ['version 0', 'version=0', /^query\.version: .*>=1/],
    ['a version that is a word', 'version=latest', /^query\.version: .*expected number/],
  ])('%s is a 400', async (_case, query, message) => {
    expectRefusal(await f.request('GET', `/admin/models/bc/${read}?${query}`, { as: 'root' }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('a bad model name is a 400', async () => {
    expectRefusal(await f.request('GET', `/admin/models/-bc/${read}`, { as: 'root' }), 400, 'bad_request', nameRule);
    await f.expectNothingDone();
  });
});

describe('policies and templates', () => {
  it.each([
    ['a misspelt threshold', { psiTreshold: 0.2 }, /^body: Unrecognized key: "psiTreshold"$/],
    ['an unknown method', { numericMethod: 'kl' }, /^body\.numericMethod: .*"psi"\|"js"\|"wasserstein"\|"ks"$/],
    ['a severe threshold under the drift threshold', { psiThreshold: 0.3, psiSevere: 0.2 }, /^body\.psiSevere: psiSevere must be at least psiThreshold$/],
    ['a p-value of 1', { ksPValue: 1 }, /^body\.ksPValue: .*<1/],
    ['a logarithm base of 1', { jsBase: 1 }, /^body\.jsBase: logarithm base cannot be 1$/],
  ])('PUT drift-policy with %s is a 400', async (_case, body, message) => {
    expectRefusal(await f.request('PUT', '/admin/models/bc/drift-policy', { as: 'root', body }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it.each([
    ['a cooldown that is not a duration', { cooldown: 'soon' }, /^body\.cooldown: expected a positive number of seconds or a duration like "30m", "6h", "1d"; got "soon"$/],
    ['minSamples below 1', { minSamples: -1 }, /^body\.minSamples: .*>=1/],
    ['a drift share over 1', { driftShare: 1.5 }, /^body\.driftShare: .*<=1/],
    ['a bad drift threshold inside', { drift: { psiThreshold: -1 } }, /^body\.drift\.psiThreshold: .*>0/],
    ['an unknown field', { enable: false }, /^body: Unrecognized key: "enable"$/],
  ])('PUT retrain-policy with %s is a 400', async (_case, body, message) => {
    expectRefusal(await f.request('PUT', '/admin/models/bc/retrain-policy', { as: 'root', body }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('GET retrain-policy of a model without one is a 404 that says how to set one', async () => {
    expectRefusal(await f.request('GET', '/admin/models/bc/retrain-policy', { as: 'root' }), 404, 'not_found', /^model 'bc' has no retrain policy; PUT one to retrain on drift$/);
    await f.expectNothingDone();
  });

  it('PUT template with a template that is not one is a 400 naming what is missing', async () => {
    const res = await f.request('PUT', '/admin/models/bc/template', { as: 'root', body: { job: { command: ['python', 'train.py'] } } });
    expectRefusal(res, 400, 'bad_request', /body\.datasetSpec: .*expected object.*; body\.gate: .*expected record/);
    await f.expectNothingDone();
  });

  it('a bad model name is a 400 on every policy and template route', async () => {
    for (const [method, path] of [['PUT', 'drift-policy'], ['PUT', 'retrain-policy'], ['GET', 'retrain-policy'], ['PUT', 'template'], ['GET', 'drift-reports']] as const) {
      expectRefusal(await f.request(method, `/admin/models/B C/${path}`, { as: 'root', body: method === 'PUT' ? {} : undefined }), 400, 'bad_request', nameRule);
    }
    await f.expectNothingDone();
  });
});

it('a JSON body over the limit is a 413 naming the limit', async () => {
  const template = { note: 'x'.repeat(DEFAULT_JSON_BODY_BYTES) };
  expectRefusal(await f.request('PUT', '/admin/models/bc/template', { as: 'root', body: template }), 413, 'payload_too_large', new RegExp(`^request body larger than ${DEFAULT_JSON_BODY_BYTES} bytes$`));
  await f.expectNothingDone();
});

it('an unknown admin route is a 404 naming the path', async () => {
  expectRefusal(await f.request('GET', '/admin/models/bc/versions', { as: 'root' }), 404, 'not_found', /^no route for GET \/admin\/models\/bc\/versions$/);
  expectRefusal(await f.request('POST', '/admin/models/bc/rollback', { as: 'root', body: {} }), 404, 'not_found', /^no route for POST /);
  await f.expectNothingDone();
});
