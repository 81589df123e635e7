// A template's tuning is checked when it is saved: a bad range, an unknown kind or parameter, an
// objective the job does not report, too many trials or more parallelism than trials are 400s naming
// the field, and none of them writes a row. A good one is stored with its defaults.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { irisLikeTemplate } from './model-template-body';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('tuning-template');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const tuning = { objective: 'val_loss', trials: 6, parallelism: 2, space: { lr: { type: 'logUniform', low: 1e-4, high: 0.1 } }, pruning: true };

describe('tuning in a model template', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an empty range', { space: { lr: { type: 'uniform', low: 0.1, high: 0.1 } } }, /body\.tuning\.space\.lr: space\.lr: low \(0\.1\) must be below high \(0\.1\)/],
    ['a log range from zero', { space: { lr: { type: 'logUniform', low: 0, high: 0.1 } } }, /space\.lr: a log scale needs low > 0/],
    ['an unknown kind', { space: { lr: { type: 'gaussian', low: 0, high: 1 } } }, /body\.tuning\.space\.lr/],
    ['an empty choice', { space: { hidden: { type: 'choice', values: [] } } }, /body\.tuning\.space\.hidden/],
    ['a parameter the trainer does not take', { space: { learning_rate: { type: 'uniform', low: 0, high: 1 } } }, /space\.learning_rate: the job has no parameter 'learning_rate'/],
    ['an objective the job does not report', { objective: 'val_f1' }, /body\.tuning\.objective: the job does not report 'val_f1' per epoch; it reports loss, accuracy, val_loss, val_accuracy/],
    ['too many trials', { trials: 201 }, /body\.tuning\.trials/],
    ['more parallelism than trials', { trials: 2, parallelism: 3 }, /body\.tuning\.parallelism: parallelism \(3\) may not exceed trials \(2\)/],
    ['an unknown strategy', { strategy: 'grid' }, /body\.tuning\.strategy/],
  ])('refuses %s with a 400 naming it', async (_, change, message) => {
    const res = await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'tuned', ...irisLikeTemplate(), tuning: { ...tuning, ...change } } });
    expectRefusal(res, 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('refuses a validation metric when the template trains without a validation split', async () => {
    const res = await f.request('PUT', '/v1/models/tuned-no-val', { as: 'erin', body: { ...irisLikeTemplate(), params: { validation_fraction: 0 }, tuning } });
    expectRefusal(res, 400, 'bad_request', /it reports loss, accuracy$/);
    await f.expectNothingDone();
  });

  it('stores a good tuning with its defaults', async () => {
    const res = await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'tuned-ok', ...irisLikeTemplate(), tuning } });
    expect(res.status).toBe(201);
    expect((await f.registry.requireModel('tuned-ok')).template.tuning).toEqual({ ...tuning, strategy: 'random' });
  });
});
