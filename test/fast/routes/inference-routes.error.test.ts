// The Open Inference Protocol routes (/v2) refuse, in the protocol's { "error": "..." } form, what
// test/serving/serving-suite.ts does not already cover: unknown versions on metadata and readiness,
// a model with no traffic weights, a version that is not a number, a declared length over the limit,
// and unknown routes. Nothing is recorded for a refused request.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppResponse } from './app-request';
import { openServingFixture, type ServingFixture } from './serving-app-fixture';

let f: ServingFixture;
beforeAll(async () => {
  f = await openServingFixture('inference-errors', { pipelines: false });
  await f.publish('bc', 1);
  const weights = await f.request('PUT', '/admin/models/bc/traffic', { as: 'root', body: { weights: { '1': 100 } } });
  expect(weights.status, JSON.stringify(weights.body)).toBe(200);
  // Published, but no weights set yet: it serves only requests that name the version.
  await f.publish('idle', 1);
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const row = { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: new Array(30).fill(1) }] };

function expectProtocolError(res: AppResponse, status: number, message: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: expect.stringMatching(message) });
  expect(res.headers.get('x-request-id')).toMatch(/\S/);
}

describe('inference routes', () => {
  it('an unknown version on metadata and readiness is a 404 naming it', async () => {
    expectProtocolError(await f.request('GET', '/v2/models/bc/versions/9'), 404, /^model 'bc' has no version '9'$/);
    expectProtocolError(await f.request('GET', '/v2/models/bc/versions/9/ready'), 404, /^model 'bc' has no version '9'$/);
    expectProtocolError(await f.request('GET', '/v2/models/bc/versions/one'), 404, /^model 'bc' has no version 'one'$/);
    await f.expectNothingDone();
  });

  it('an unknown model on readiness is a 404', async () => {
    expectProtocolError(await f.request('GET', '/v2/models/nope/ready'), 404, /^model 'nope' not found$/);
    expectProtocolError(await f.request('GET', '/v2/models/nope/versions/1/ready'), 404, /^model 'nope' not found$/);
    await f.expectNothingDone();
  });

  it('a version that is not a number is a 404 on infer', async () => {
    expectProtocolError(await f.request('POST', '/v2/models/bc/versions/latest/infer', { body: row }), 404, /^model 'bc' has no version 'latest'$/);
    await f.expectNothingDone();
  });

  it('a model with no traffic weights is a 503 on infer and not ready, but serves a named version', async () => {
    expectProtocolError(await f.request('POST', '/v2/models/idle/infer', { body: row }), 503, /^model 'idle' has no traffic weights yet; publish a version and set weights$/);
    const ready = await f.request('GET', '/v2/models/idle/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ name: 'idle', ready: false });
    expect((await f.request('POST', '/v2/models/idle/versions/1/infer', { body: row })).status).toBe(200);
    await f.expectNothingDone();
  });

  it('a declared body over the limit is a 413 before the body is read', async () => {
    const res = await f.request('POST', '/v2/models/bc/infer', { body: row, headers: { 'content-length': String(64 * 1024 * 1024) } });
    expectProtocolError(res, 413, /^request body exceeds the limit of 1048576 bytes$/);
    await f.expectNothingDone();
  });

  it('an unknown /v2 route is a 404 in the protocol form', async () => {
    expectProtocolError(await f.request('GET', '/v2/models'), 404, /^no route for GET \/v2\/models$/);
    expectProtocolError(await f.request('DELETE', '/v2/models/bc'), 404, /^no route for DELETE \/v2\/models\/bc$/);
    expectProtocolError(await f.request('GET', '/v2/models/bc/infer'), 404, /^no route for GET \/v2\/models\/bc\/infer$/);
    await f.expectNothingDone();
  });
});
