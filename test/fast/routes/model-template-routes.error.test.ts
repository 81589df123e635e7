// Bad templates are 400s naming the field, a different template under a taken name is a 409, and an
// unknown model or revision a 404; none of them writes a row.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { irisLikeTemplate } from './model-template-body';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('model-template-error');
  await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'taken', ...irisLikeTemplate() } });
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const spec = irisLikeTemplate().datasetSpec;

describe('model template refusals', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no dataset spec', { datasetSpec: undefined }, /body\.datasetSpec/],
    ['no gate', { gate: undefined }, /body\.gate/],
    ['an unknown field', { schedule: 'daily' }, /schedule/],
    ['a feature named twice', { datasetSpec: { ...spec, features: [...spec.features, spec.features[0]] } }, /feature 'sepal_length' is named twice/],
    ['the target among the features', { datasetSpec: { ...spec, target: { ...spec.target, name: 'colour' } } }, /the target 'colour' is also a feature/],
    ['a positive class that is no class', { datasetSpec: { ...spec, target: { ...spec.target, positiveClass: 'rose' } } }, /positiveClass "rose" is not one of the classes/],
    ['a class listed twice', { datasetSpec: { ...spec, target: { ...spec.target, classes: ['a', 'b', 'a'] } } }, /class "a" is listed twice/],
    ['both timeouts', { approvalTimeoutSeconds: 60 }, /send approvalTimeout or approvalTimeoutSeconds, not both/],
    ['a timeout past 90 days', { approvalTimeout: '91d' }, /at most 90 days/],
    ['steps that fall', { rollout: { steps: [50, 25] } }, /steps must increase/],
    ['a gate on a metric a three-class model never reports', { gate: { roc_auc: { threshold: 0.9, greater_is_better: true } } }, /^body\.gate\.roc_auc: .*roc_auc_ovr/],
    ['a bad drift policy', { drift: { psiThreshold: -1 } }, /body\.drift\.psiThreshold/],
  ])('refuse %s with a 400 naming it', async (_, change, message) => {
    const res = await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'bad-template', ...irisLikeTemplate(), ...change } });
    expectRefusal(res, 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('refuse a bad model name with a 400', async () => {
    expectRefusal(await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'Has Spaces', ...irisLikeTemplate() } }), 400, 'bad_request', /body\.name/);
    expectRefusal(await f.request('PUT', '/v1/models/Has%20Spaces', { as: 'erin', body: irisLikeTemplate() }), 400, 'bad_request', /param\.name/);
    await f.expectNothingDone();
  });

  it('refuse another template under a taken name with a 409 pointing at PUT', async () => {
    const res = await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'taken', ...irisLikeTemplate(), params: { epochs: 99 } } });
    expectRefusal(res, 409, 'conflict', /^model 'taken' exists with another template \(revision 1\); PUT \/v1\/models\/taken makes its next revision$/);
    await f.expectNothingDone();
  });

  it('answer 404 for an unknown model or revision', async () => {
    expectRefusal(await f.request('GET', '/v1/models/nobody/revisions', { as: 'carol' }), 404, 'not_found', /unknown model 'nobody'/);
    expectRefusal(await f.request('GET', '/v1/models/taken/revisions/7', { as: 'carol' }), 404, 'not_found', /^model 'taken' has no template revision 7; its newest is 1$/);
  });

  it('refuse a body that is not JSON with a 415', async () => {
    expectRefusal(await f.request('POST', '/v1/models', { as: 'erin', raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type', /send the body as JSON/);
    await f.expectNothingDone();
  });
});
