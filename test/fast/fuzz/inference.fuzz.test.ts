// Property-based fuzzing of the Open Inference Protocol routes (/v2): generated bad infer bodies
// (random JSON, near-valid requests with one field made invalid, malformed JSON, oversized tensors),
// bad model names and versions, and wrong methods each get a 4xx in the protocol's { "error" } form,
// and nothing is recorded or stored.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServingFixture, type ServingFixture } from '../routes/serving-app-fixture';
import { expectProtocolRefusal, runs, type FuzzRequest } from './fuzz-refusals';
import { deepNesting, hostileNumber, hostileSegment, hostileValue, invalidFor, isObject, jsonText, malformedJsonText, nonJsonContentType, oneFieldInvalid, parsedValue, RawJson, recordEntries } from './hostile-json';

let f: ServingFixture;
/** The serving app's JSON body limit (the fixture's). */
const limit = 1024 * 1024;
const FP32_MAX = 3.4028234663852886e38;

beforeAll(async () => {
  f = await openServingFixture('fuzz-inference', { pipelines: false });
  await f.publish('bc', 1);
  const weights = await f.request('PUT', '/admin/models/bc/traffic', { as: 'root', body: { weights: { '1': 100 } } });
  expect(weights.status, JSON.stringify(weights.body)).toBe(200);
  await f.reset();
});
afterAll(() => f?.close());

/** Sends one generated request and holds it to a refusal in the protocol's form that recorded nothing. */
async function refused(req: FuzzRequest) {
  await f.settle();
  const res = await f.request(req.method, req.path, { raw: req.raw, headers: req.headers });
  expectProtocolRefusal(req, res);
  await f.expectNothingDone();
}

const property = (arb: fc.Arbitrary<FuzzRequest>, seed: number, numRuns: number) => fc.assert(fc.asyncProperty(arb, refused), runs(seed, numRuns));
const infer = (path = '/v2/models/bc/infer') => (b: unknown): FuzzRequest => ({ method: 'POST', path, raw: jsonText(b) });

const row = new Array<number>(30).fill(1);
const input = { name: 'features', datatype: 'FP32', shape: [1, 30], data: row };
const fp32 = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && Math.abs(x) <= FP32_MAX;
const validData = (v: unknown) => Array.isArray(v) && ((v.length === 30 && v.every(fp32)) || (v.length === 1 && Array.isArray(v[0]) && v[0].length === 30 && v[0].every(fp32)));
/** Thirty numbers, at least one of which FP32 cannot hold or JSON makes something else. */
const badRow = fc.tuple(fc.integer({ min: 0, max: 29 }), fc.oneof(hostileNumber, hostileValue(4096))).map(([at, bad]) => row.map((x, i) => (i === at ? bad : x))).filter((d) => !validData(parsedValue(new RawJson(jsonText(d)))));
const inputFields = {
  name: invalidFor((v) => v === 'features', limit),
  datatype: invalidFor((v) => v === 'FP32', limit),
  shape: invalidFor((v) => Array.isArray(v) && v.length === 2 && v[0] === 1 && v[1] === 30, limit),
  data: fc.oneof(invalidFor(validData, limit), badRow, deepNesting(limit)),
  parameters: invalidFor(isObject, limit),
};
const requestFields = {
  inputs: fc.oneof(invalidFor((v) => Array.isArray(v) && v.length > 0, limit), oneFieldInvalid(input, inputFields, { strict: false }).map((i) => [i]), fc.constant([input, input])),
  outputs: fc.oneof(invalidFor((v) => Array.isArray(v) && v.every((o) => isObject(o) && o.name === 'probabilities') && v.length <= 1, limit)),
  id: invalidFor((v) => typeof v === 'string', limit),
  parameters: invalidFor((v) => isObject(v) && recordEntries(v).map(([, x]) => x).every((x) => ['number', 'string', 'boolean'].includes(typeof x)), limit),
};

describe('POST /v2/models/:name/infer', () => {
  it('refuses any random JSON value as the body', async () => {
    await property(fc.tuple(hostileValue(limit), fc.constantFrom('/v2/models/bc/infer', '/v2/models/bc/versions/1/infer')).map(([b, path]) => infer(path)(b)), 0x1f01, 300);
  });

  it('refuses a near-valid request with one field invalid, at any depth', async () => {
    await property(fc.tuple(oneFieldInvalid({ inputs: [input] }, requestFields, { strict: false }), fc.constantFrom('/v2/models/bc/infer', '/v2/models/bc/versions/1/infer')).map(([b, path]) => infer(path)(b)), 0x1f02, 500);
  });

  it('refuses tensors past the batch and element limits, and a declared length past the body limit', async () => {
    const arb = fc.oneof(
      fc.integer({ min: 1025, max: 2 ** 40 }).map((rows) => infer()({ inputs: [{ ...input, shape: [rows, 30], data: row }] })),
      fc.constant<FuzzRequest>({ ...infer()({ inputs: [input] }), headers: { 'content-length': String(limit + 1) } }),
    );
    await property(arb, 0x1f03, 50);
  });

  it('refuses malformed JSON, whatever the content type', async () => {
    const arb = fc.tuple(malformedJsonText, fc.option(nonJsonContentType, { nil: undefined })).map(([raw, type]): FuzzRequest => ({ method: 'POST', path: '/v2/models/bc/infer', raw, headers: type === undefined ? undefined : { 'content-type': type } }));
    await property(arb, 0x1f04, 150);
  });
});

describe('model names, versions and routes', () => {
  const decoded = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  // Number() reads '1.0', '01', '+1', '0x1' and ' 1' as 1: those name version 1, which exists.
  // '.' and '..' (%2e too) are resolved by the URL parser before any server sees the path.
  const notVersionOne = hostileSegment.filter((v) => Number(decoded(v)) !== 1 && !/^(\.|\.\.)$/.test(decoded(v)));

  it('refuses unknown models and versions on metadata, readiness and infer, and unknown routes', async () => {
    const body = jsonText({ inputs: [input] });
    const arb = fc.oneof(
      fc.tuple(hostileSegment.filter((n) => decoded(n) !== 'bc'), fc.constantFrom('', '/ready', '/infer', '/versions/1', '/versions/1/infer')).map(([n, suffix]): FuzzRequest => ({ method: suffix.endsWith('infer') ? 'POST' : 'GET', path: `/v2/models/${n}${suffix}`, raw: suffix.endsWith('infer') ? body : undefined })),
      fc.tuple(notVersionOne, fc.constantFrom('', '/ready', '/infer')).map(([v, suffix]): FuzzRequest => ({ method: suffix === '/infer' ? 'POST' : 'GET', path: `/v2/models/bc/versions/${v}${suffix}`, raw: suffix === '/infer' ? body : undefined })),
      fc.tuple(fc.constantFrom('PUT', 'DELETE', 'PATCH'), fc.constantFrom('/v2/models/bc/infer', '/v2/models/bc', '/v2/health/live')).map(([method, path]): FuzzRequest => ({ method, path, raw: body })),
      hostileSegment.map((s): FuzzRequest => ({ method: 'POST', path: `/v2/models/bc/${s}`, raw: body })),
    );
    await property(arb, 0x1f05, 300);
  });
});
