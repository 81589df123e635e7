// /v1/models/:name/retrain refuses bad names and bodies, unknown models, a model with no retrain
// settings, and (on GET) a model never retrained, with a 4xx naming the problem and without asking
// Temporal to retrain anything. Who may retrain is in retrain-routes.security.test.ts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { retrainStatusQuery, retrainWorkflowId } from '../../../contracts/retrain-model-messages';
import { expectRefusal } from './app-request';
import { modelWithoutRetrain, openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('retrain-errors');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('POST /v1/models/:name/retrain', () => {
  it.each([
    ['an unknown field', { body: { reason: 'fresh data', dataset: 'x.csv' } }, /^body: Unrecognized key: "dataset"$/],
    ['an empty reason', { body: { reason: '' } }, /body\.reason: .*>=1 characters/],
    ['a reason over 2000 characters', { body: { reason: 'x'.repeat(2001) } }, /body\.reason: .*<=2000 characters/],
    ['a reason that is not text', { body: { reason: 7 } }, /body\.reason: .*expected string/],
    ['malformed JSON', { raw: '{"reason": "x"' }, /Malformed JSON in request body/],
  ])('%s is a 400', async (_case, options, message) => {
    expectRefusal(await f.request('POST', '/v1/models/breast-cancer/retrain', { as: 'alice', ...options }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('a bad model name is a 400 stating the rule', async () => {
    expectRefusal(await f.request('POST', '/v1/models/Breast-Cancer/retrain', { as: 'alice', body: {} }), 400, 'bad_request', /^param\.name: lowercase letters/);
    await f.expectNothingDone();
  });

  it('an unknown model is a 404 listing the known ones', async () => {
    expectRefusal(await f.request('POST', '/v1/models/no-such-model/retrain', { as: 'alice', body: {} }), 404, 'not_found', /^unknown model 'no-such-model'; known models: breast-cancer, digits, loans, no-retrain$/);
    await f.expectNothingDone();
  });

  it('a model without retrain settings is a 400 that says what to set', async () => {
    const res = await f.request('POST', `/v1/models/${modelWithoutRetrain}/retrain`, { as: 'alice', body: { reason: 'fresh data' } });
    expectRefusal(res, 400, 'bad_request', new RegExp(`^model '${modelWithoutRetrain}' has no retrain settings: set retrain\\.dataset in its template to where fresh data lands$`));
    await f.expectNothingDone();
  });
});

describe('GET /v1/models/:name/retrain', () => {
  it('a bad model name is a 400 and an unknown model a 404', async () => {
    expectRefusal(await f.request('GET', '/v1/models/-x/retrain', { as: 'carol' }), 400, 'bad_request', /^param\.name: /);
    expectRefusal(await f.request('GET', '/v1/models/no-such-model/retrain', { as: 'carol' }), 404, 'not_found', /^unknown model 'no-such-model'/);
    await f.expectNothingDone();
  });

  it('a model that was never retrained is a 404 that says so', async () => {
    expectRefusal(await f.request('GET', '/v1/models/breast-cancer/retrain', { as: 'carol' }), 404, 'not_found', /^model 'breast-cancer' has not been retrained yet$/);
    await f.expectNothingDone();
  });

  it('a retrain workflow that does not answer its query still shows its Temporal state, not a 500', async () => {
    f.gateway.put(retrainWorkflowId('breast-cancer'), { queries: { [retrainStatusQuery.name]: new Error('no poller seen for task queue recently') } });
    const res = await f.request('GET', '/v1/models/breast-cancer/retrain', { as: 'carol' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ workflowId: 'retrain:breast-cancer', temporal: { status: 'RUNNING' } });
    await f.expectNothingDone();
  });
});
