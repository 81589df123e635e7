// The serving app outside its routes: an unknown path is a 404 in the Windsock envelope (with a
// request id though no middleware ran), and without a Temporal gateway it mounts no pipeline routes.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openServingFixture, type ServingFixture } from './serving-app-fixture';

let f: ServingFixture;
beforeAll(async () => {
  f = await openServingFixture('app-errors', { pipelines: false });
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('the serving app', () => {
  it('answers an unknown path with a 404 envelope naming it', async () => {
    expectRefusal(await f.request('GET', '/nothing'), 404, 'not_found', /^no route for GET \/nothing$/);
    expectRefusal(await f.request('POST', '/v1/models/bc/infer', { body: {} }), 404, 'not_found', /^no route for POST \/v1\/models\/bc\/infer$/);
    await f.expectNothingDone();
  });

  it('without a Temporal gateway has no pipeline routes: a 404, not a 500', async () => {
    const res = await f.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'breast-cancer', dataset: 'file:///data.csv' } });
    expectRefusal(res, 404, 'not_found', /^no route for POST \/v1\/pipelines$/);
    expectRefusal(await f.request('GET', '/v1/pipelines/breast-cancer-0123456789abcdef', { as: 'carol' }), 404, 'not_found', /^no route for GET /);
    await f.expectNothingDone();
  });
});
