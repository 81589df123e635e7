// A template's evaluation.crossValidation is checked when it is saved: folds out of 2..20, an unknown
// field, more parallelism than folds, and a gate on a cv_ metric without cross-validation (or on one the
// model never scores) are 400s naming the field, and none of them writes a row. A good one is stored
// with its defaults, stratified.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { irisLikeTemplate } from './model-template-body';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('cross-validation-template');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const cvGate = { cv_f1_macro_mean: { threshold: 0.8, greater_is_better: true } };

describe('cross-validation in a model template', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['one fold', { evaluation: { crossValidation: { folds: 1 } } }, /body\.evaluation\.crossValidation\.folds/],
    ['21 folds', { evaluation: { crossValidation: { folds: 21 } } }, /body\.evaluation\.crossValidation\.folds/],
    ['no folds', { evaluation: { crossValidation: {} } }, /body\.evaluation\.crossValidation\.folds/],
    ['an unknown field', { evaluation: { crossValidation: { folds: 5, shuffle: false } } }, /shuffle/],
    ['more parallelism than folds', { evaluation: { crossValidation: { folds: 2, parallelism: 3 } } }, /body\.evaluation\.crossValidation\.parallelism: parallelism \(3\) may not exceed folds \(2\)/],
    ['a cv_ gate without cross-validation', { gate: cvGate }, /^body\.gate\.cv_f1_macro_mean: .*set evaluation\.crossValidation/],
    [
      'a positive-class cv_ gate on a three-class target',
      { gate: { cv_f1_mean: { threshold: 0.8, greater_is_better: true } }, evaluation: { crossValidation: { folds: 3 } } },
      /^body\.gate\.cv_f1_mean: .*gate on "cv_f1_macro_mean"/,
    ],
  ])('refuses %s with a 400 naming it', async (_, change, message) => {
    const res = await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'cross-validated', ...irisLikeTemplate(), ...change } });
    expectRefusal(res, 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('stores a gate on cv_ metrics with its cross-validation, stratified by default', async () => {
    const res = await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'cv-ok', ...irisLikeTemplate(), gate: cvGate, evaluation: { crossValidation: { folds: 5 } } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect((await f.registry.requireModel('cv-ok')).template.evaluation).toEqual({ crossValidation: { folds: 5, stratified: true, parallelism: 1 } });
  });
});
