// Bad requests get a 4xx in one envelope naming the problem, and start or write nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleDataset, startHarness, type Harness } from './pipeline-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('api-errors');
});
afterAll(async () => h?.close());

const valid = { model: 'breast-cancer', dataset: exampleDataset };

function expectEnvelope(res: { status: number; body: any }, status: number, code: string, message: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(res.body.error.message).toMatch(message);
  expect(res.body.error.requestId).toMatch(/\S/);
}

describe('control API errors', () => {
  it('refuses requests without a valid token or role', async () => {
    expectEnvelope(await h.request('GET', '/v1/models'), 401, 'unauthorized', /missing bearer token/);
    expectEnvelope(await h.request('GET', '/v1/models', { headers: { authorization: 'Bearer not-a-real-token-xyz' } }), 401, 'unauthorized', /unknown bearer token/);
    expectEnvelope(await h.request('POST', '/v1/pipelines', { as: 'carol', body: valid }), 403, 'forbidden', /carol lacks the role/);
    expectEnvelope(await h.request('POST', '/v1/pipelines', { as: 'alice', body: { ...valid, job: { command: ['sh', '-c', 'id'] } } }), 403, 'forbidden', /admin role/);
  });

  it.each([
    ['malformed JSON', { raw: '{"model": ' }, 400, /Malformed JSON/],
    ['an unknown field', { body: { ...valid, modle: 'x' } }, 400, /Unrecognized key.*modle/],
    ['a wrong type', { body: { ...valid, params: ['epochs'] } }, 400, /body\.params/],
    ['a missing model', { body: { dataset: exampleDataset } }, 400, /body\.model/],
    ['a dataset that does not exist', { body: { ...valid, dataset: 'examples/nope.csv' } }, 400, /^dataset 'examples\/nope.csv' was not found under the dataset roots$/],
    ['a dataset in object storage without credentials', { body: { ...valid, dataset: 's3://bucket/data.csv' } }, 400, /has no object-store credentials: set AWS_ACCESS_KEY_ID/],
    ['a host file as the dataset', { body: { ...valid, dataset: '/etc/passwd' } }, 400, /^dataset '\/etc\/passwd' is outside the dataset roots: examples\/, test\/fixtures\/, /],
    ['a dataset path that climbs out', { body: { ...valid, dataset: '../../etc/passwd' } }, 400, /is outside the dataset roots/],
    ['a file:// URI outside the roots', { body: { ...valid, dataset: 'file:///etc/shadow' } }, 400, /is outside the dataset roots/],
    ['a gate with an unknown rule', { body: { ...valid, gate: { f1: { min_abs_change: 0.1, greater_is_better: true } } } }, 400, /body\.gate\.f1/],
    ['an approval timeout that is not a duration', { body: { ...valid, approvalTimeout: 'soon' } }, 400, /body\.approvalTimeout/],
    ['an approval timeout of 1e300 seconds', { body: { ...valid, approvalTimeout: 1e300 } }, 400, /body\.approvalTimeout: at most 90 days/],
    ['a reminder a year before the deadline', { body: { ...valid, reminderBefore: '365d' } }, 400, /body\.reminderBefore: at most 90 days/],
    ['a dataset reference longer than 1024 characters', { body: { ...valid, dataset: 'x'.repeat(1025) } }, 400, /body\.dataset/],
    ['a holdout fraction out of range', { body: { ...valid, holdout: { fraction: 1.5 } } }, 400, /body\.holdout\.fraction/],
  ])('POST /v1/pipelines with %s is a 400', async (_name, options, status, message) => {
    expectEnvelope(await h.request('POST', '/v1/pipelines', { as: 'alice', ...options }), status, 'bad_request', message);
  });

  it('answers 404 for an unknown model', async () => {
    expectEnvelope(await h.request('POST', '/v1/pipelines', { as: 'alice', body: { ...valid, model: 'no-such-model' } }), 404, 'not_found', /unknown model 'no-such-model'; known models: breast-cancer/);
    expectEnvelope(await h.request('GET', '/v1/models/no-such-model', { as: 'carol' }), 404, 'not_found', /unknown model/);
    expectEnvelope(await h.request('GET', '/v1/models/breast-cancer/versions/7', { as: 'carol' }), 404, 'not_found', /has no version 7/);
    expectEnvelope(await h.request('GET', '/v1/models/breast-cancer/versions/zero', { as: 'carol' }), 400, 'bad_request', /param\.v/);
  });

  it('answers 404 for an unknown pipeline and 400 for a malformed id', async () => {
    expectEnvelope(await h.request('GET', '/v1/pipelines/breast-cancer-0123456789abcdef', { as: 'carol' }), 404, 'not_found', /unknown pipeline/);
    expectEnvelope(await h.request('POST', '/v1/pipelines/breast-cancer-0123456789abcdef/approve', { as: 'bob', body: {} }), 404, 'not_found', /unknown pipeline/);
    expectEnvelope(await h.request('GET', '/v1/pipelines/..%2Fetc', { as: 'carol' }), 400, 'bad_request', /not a pipeline id/);
    expectEnvelope(await h.request('GET', '/v1/nothing-here', { as: 'carol' }), 404, 'not_found', /no route/);
  });

  it('refuses an oversized body', async () => {
    const res = await h.request('POST', '/v1/pipelines', { as: 'alice', body: { ...valid, params: { blob: 'x'.repeat(2 * 1024 * 1024) } } });
    expectEnvelope(res, 413, 'payload_too_large', /larger than/);
  });

  it('started no workflow and wrote nothing for any refused request', async () => {
    const started = [];
    for await (const wf of h.client.workflow.list({ query: `TaskQueue = '${h.taskQueue}'` })) started.push(wf.workflowId);
    expect(started).toEqual([]);
    // The example models' registrations at start are all the log holds.
    expect((await h.registry.listAudit()).filter((e) => e.event !== 'model.registered')).toEqual([]);
    expect(await h.registry.listVersions('breast-cancer')).toEqual([]);
  });

  it('gives a retried POST the same pipeline instead of starting a second one', async () => {
    const headers = { 'idempotency-key': `retry-${Date.now()}` };
    const first = await h.request('POST', '/v1/pipelines', { as: 'alice', body: { ...valid, params: { epochs: 1 } }, headers });
    expect(first.status).toBe(202);
    expect(first.body.created).toBe(true);
    const again = await h.request('POST', '/v1/pipelines', { as: 'alice', body: { ...valid, params: { epochs: 1 } }, headers });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ pipelineId: first.body.pipelineId, created: false });
    const other = await h.request('POST', '/v1/pipelines', { as: 'alice', body: { ...valid, params: { epochs: 1 } }, headers: { 'idempotency-key': `other-${Date.now()}` } });
    expect(other.body.pipelineId).not.toBe(first.body.pipelineId);
    for (const id of [first.body.pipelineId, other.body.pipelineId]) await h.client.workflow.getHandle(id).terminate('test cleanup');
  });
});
