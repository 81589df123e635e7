// /v1/models/:name/schedules: a known bearer token to read; the admin role to create, pause, resume,
// trigger or delete. A refusal leaves the registry and Temporal's schedules as they were.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import type { PrincipalName } from '../../test-principals';

let f: ControlFixture;
const base = '/v1/models/breast-cancer/schedules';
beforeAll(async () => {
  f = await openControlFixture('schedule-security');
  const at = new Date('2025-01-01T00:00:00Z');
  await f.registry.insertRetrainSchedule({
    modelName: 'breast-cancer', id: 'nightly', cron: '0 3 * * *', everySeconds: null, paused: false, pauseReason: null,
    catchupWindowSeconds: 3600, overlap: 'skip', note: '', createdBy: 'root', createdAt: at, updatedBy: 'root', updatedAt: at,
  });
});
afterAll(() => f?.close());
beforeEach(async () => {
  await f.reset();
  f.schedules.put('breast-cancer', 'nightly');
  await f.settle();
});

const writes: Array<[string, string, unknown]> = [
  ['POST', base, { id: 'hourly', every: '1h' }],
  ['POST', `${base}/nightly/pause`, { reason: 'holiday' }],
  ['POST', `${base}/nightly/resume`, undefined],
  ['POST', `${base}/nightly/trigger`, undefined],
  ['DELETE', `${base}/nightly`, undefined],
];

describe('retrain schedule routes', () => {
  it.each([...writes, ['GET', base, undefined], ['GET', `${base}/nightly`, undefined]])('%s %s without a token, or with an unknown one, is a 401', async (method, path, body) => {
    expectRefusal(await f.request(method, path, { body }), 401, 'unauthorized', /^missing bearer token/);
    expectRefusal(await f.request(method, path, { body, headers: { authorization: 'Bearer root-token-0123456789A' } }), 401, 'unauthorized', /^unknown bearer token$/);
    await f.expectNothingDone();
  });

  it.each(writes)('%s %s by anyone but an admin is a 403', async (method, path, body) => {
    for (const as of ['alice', 'bob', 'carol', 'dave'] satisfies PrincipalName[]) {
      expectRefusal(await f.request(method, path, { as, body }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs admin$`));
    }
    await f.expectNothingDone();
  });
});
