// GET /v1/pipelines/:id/trials: a tuning pipeline's trials as its status query answers them, for any
// signed-in principal; an empty list for a pipeline without tuning; 401 without a token, 400 for a
// malformed id, 404 for an unknown pipeline, 503 when no worker answers the query.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TrialStatus } from '../../../contracts/model-pipeline-messages';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('pipeline-trials');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const id = 'breast-cancer-00000000000000a1';
const trials: TrialStatus[] = [
  { n: 1, params: { lr: 0.01 }, state: 'completed', curve: [{ epoch: 1, value: 0.4 }, { epoch: 2, value: 0.2 }], objective: 0.2, seconds: 3.5, jobId: 'local-1' },
  { n: 2, params: { lr: 1e-5 }, state: 'pruned', curve: [{ epoch: 1, value: 0.7 }], objective: 0.7, reason: 'worse than the median' },
  { n: 3, params: { lr: 0.003 }, state: 'running', curve: [] },
];
const tuning = { objective: 'val_loss', direction: 'minimize' as const, strategy: 'random' as const, trials: 3, parallelism: 2, pruning: true };

describe('GET /v1/pipelines/:id/trials', () => {
  it('shows every trial to a viewer', async () => {
    f.gateway.putPipeline(id, { stage: 'training', submittedBy: 'dave', tuning, trials });
    const res = await f.request('GET', `/v1/pipelines/${id}/trials`, { as: 'carol' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ pipelineId: id, stage: 'training', tuning, trials });
  });

  it('answers an empty list for a pipeline without tuning', async () => {
    f.gateway.putPipeline(id, { stage: 'awaiting_approval', submittedBy: 'dave' });
    const res = await f.request('GET', `/v1/pipelines/${id}/trials`, { as: 'alice' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ pipelineId: id, stage: 'awaiting_approval', tuning: null, trials: [] });
  });

  it('refuses a request without a token (401)', async () => {
    f.gateway.putPipeline(id, { stage: 'training', submittedBy: 'dave', tuning, trials });
    expectRefusal(await f.request('GET', `/v1/pipelines/${id}/trials`), 401, 'unauthorized', /./);
  });

  it('refuses a malformed id (400) and an unknown pipeline (404)', async () => {
    expectRefusal(await f.request('GET', '/v1/pipelines/Not%20An%20Id/trials', { as: 'carol' }), 400, 'bad_request', /param\.id/);
    expectRefusal(await f.request('GET', `/v1/pipelines/${id}/trials`, { as: 'carol' }), 404, 'not_found', /unknown pipeline/);
    await f.expectNothingDone();
  });

  it('answers 503 when the pipeline does not answer its status query', async () => {
    f.gateway.put(id, {});
    expectRefusal(await f.request('GET', `/v1/pipelines/${id}/trials`, { as: 'carol' }), 503, 'unavailable', /did not answer its status query/);
  });
});
