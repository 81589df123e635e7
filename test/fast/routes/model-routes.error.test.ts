// /v1/models refuses bad names and versions, unknown models and versions, and a rollback or publish
// of a version that is not approved, with a 4xx naming the problem; nothing is written to the
// registry and the edge is never called.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal, requestApp } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
let pending: number;
let rejected: number;
beforeAll(async () => {
  f = await openControlFixture('model-errors');
  pending = await f.registerVersion('breast-cancer', 'pending_approval');
  rejected = await f.registerVersion('breast-cancer', 'rejected');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('reading models and versions', () => {
  it.each([
    ['capitals', 'Breast-Cancer'],
    ['a leading dot', '.hidden'],
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'breast%20cancer'],
  ])('a model name with %s is a 400 stating the rule', async (_case, name) => {
    for (const path of [`/v1/models/${name}`, `/v1/models/${name}/versions`, `/v1/models/${name}/versions/1`]) {
      expectRefusal(await f.request('GET', path, { as: 'carol' }), 400, 'bad_request', /^param\.name: lowercase letters, digits, "\.", "_" or "-", at most 64, starting with a letter or digit$/);
    }
    await f.expectNothingDone();
  });

  it('an unknown model is a 404 listing the known ones', async () => {
    for (const path of ['/v1/models/no-such-model', '/v1/models/no-such-model/versions', '/v1/models/no-such-model/versions/1']) {
      expectRefusal(await f.request('GET', path, { as: 'carol' }), 404, 'not_found', /^unknown model 'no-such-model'; known models: breast-cancer, digits, loans, no-retrain$/);
    }
    await f.expectNothingDone();
  });

  it.each([
    ['a word', 'zero', /param\.v: .*expected number, received NaN/],
    ['zero', '0', /^param\.v: versions start at 1$/],
    ['a negative number', '-2', /^param\.v: versions start at 1$/],
    ['a fraction', '1.5', /param\.v: .*expected int/],
  ])('a version that is %s is a 400', async (_case, v, message) => {
    expectRefusal(await f.request('GET', `/v1/models/breast-cancer/versions/${v}`, { as: 'carol' }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('an unknown version is a 404 naming model and version', async () => {
    expectRefusal(await f.request('GET', '/v1/models/breast-cancer/versions/99', { as: 'carol' }), 404, 'not_found', /^model 'breast-cancer' has no version 99$/);
    await f.expectNothingDone();
  });

  it('an unknown route under /v1/models is a 404 naming the path', async () => {
    expectRefusal(await f.request('GET', '/v1/models/breast-cancer/aliases', { as: 'carol' }), 404, 'not_found', /^no route for GET \/v1\/models\/breast-cancer\/aliases$/);
    expectRefusal(await f.request('DELETE', '/v1/models/breast-cancer', { as: 'root' }), 404, 'not_found', /^no route for DELETE \/v1\/models\/breast-cancer$/);
    await f.expectNothingDone();
  });
});

describe('POST /v1/models/:name/rollback', () => {
  it.each([
    ['no version', { body: {} }, /body\.version: .*expected number/],
    ['version 0', { body: { version: 0 } }, /body\.version: .*>=1/],
    ['a version as text', { body: { version: '1' } }, /body\.version: .*expected number, received string/],
    ['a fractional version', { body: { version: 1.5 } }, /body\.version: .*expected int/],
    ['an unknown field', { body: { version: 1, force: true } }, /^body: Unrecognized key: "force"$/],
    ['a reason over 2000 characters', { body: { version: 1, reason: 'x'.repeat(2001) } }, /body\.reason: .*<=2000 characters/],
    ['malformed JSON', { raw: '{"version": 1' }, /Malformed JSON in request body/],
  ])('%s is a 400', async (_case, options, message) => {
    expectRefusal(await f.request('POST', '/v1/models/breast-cancer/rollback', { as: 'root', ...options }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('a bad model name is a 400', async () => {
    expectRefusal(await f.request('POST', '/v1/models/BC/rollback', { as: 'root', body: { version: 1 } }), 400, 'bad_request', /^param\.name: lowercase letters/);
    await f.expectNothingDone();
  });

  it('an unknown version is a 404', async () => {
    expectRefusal(await f.request('POST', '/v1/models/breast-cancer/rollback', { as: 'root', body: { version: 99 } }), 404, 'not_found', /^model 'breast-cancer' has no version 99$/);
    await f.expectNothingDone();
  });

  it('an unknown model is a 404', async () => {
    expectRefusal(await f.request('POST', '/v1/models/no-such-model/rollback', { as: 'root', body: { version: 1 } }), 404, 'not_found', /'no-such-model'/);
    await f.expectNothingDone();
  });

  it('a version that is not approved is a 409 naming its status', async () => {
    expectRefusal(await f.request('POST', '/v1/models/breast-cancer/rollback', { as: 'root', body: { version: pending } }), 409, 'conflict', new RegExp(`^breast-cancer v${pending} is pending_approval; only an approved version can take all traffic$`));
    expectRefusal(await f.request('POST', '/v1/models/breast-cancer/rollback', { as: 'root', body: { version: rejected } }), 409, 'conflict', new RegExp(`v${rejected} is rejected`));
    await f.expectNothingDone();
  });

  it('without an edge configured it is a 503 naming the setting', async () => {
    const res = await requestApp(f.appWithoutEdge, 'POST', '/v1/models/breast-cancer/rollback', { as: 'root', body: { version: pending } });
    expectRefusal(res, 503, 'unavailable', /^no edge is configured: set WINDSOCK_EDGE_URL$/);
    await f.expectNothingDone();
  });
});

describe('POST /v1/models/:name/versions/:v/publish', () => {
  it('a bad version or name is a 400', async () => {
    expectRefusal(await f.request('POST', '/v1/models/breast-cancer/versions/0/publish', { as: 'root' }), 400, 'bad_request', /^param\.v: versions start at 1$/);
    expectRefusal(await f.request('POST', '/v1/models/Breast/versions/1/publish', { as: 'root' }), 400, 'bad_request', /^param\.name: /);
    await f.expectNothingDone();
  });

  it('an unknown version or model is a 404', async () => {
    expectRefusal(await f.request('POST', '/v1/models/breast-cancer/versions/99/publish', { as: 'root' }), 404, 'not_found', /^model 'breast-cancer' has no version 99$/);
    expectRefusal(await f.request('POST', '/v1/models/no-such-model/versions/1/publish', { as: 'root' }), 404, 'not_found', /'no-such-model'/);
    await f.expectNothingDone();
  });

  it('a version that is not approved is a 409 naming its status', async () => {
    expectRefusal(await f.request('POST', `/v1/models/breast-cancer/versions/${pending}/publish`, { as: 'root' }), 409, 'conflict', new RegExp(`^breast-cancer v${pending} is pending_approval; only approved versions are published$`));
    expectRefusal(await f.request('POST', `/v1/models/breast-cancer/versions/${rejected}/publish`, { as: 'root' }), 409, 'conflict', /is rejected/);
    await f.expectNothingDone();
  });

  it('without an edge configured it is a 503 naming the setting', async () => {
    const res = await requestApp(f.appWithoutEdge, 'POST', `/v1/models/breast-cancer/versions/${pending}/publish`, { as: 'root' });
    expectRefusal(res, 503, 'unavailable', /^no edge is configured: set WINDSOCK_EDGE_URL$/);
    await f.expectNothingDone();
  });
});
