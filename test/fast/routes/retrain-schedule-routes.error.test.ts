// /v1/models/:name/schedules refuses bad names, ids and specs, unknown models and schedules, a model
// with no retrain settings, and a schedule that exists already (in the registry, or only in
// Temporal) or that Temporal refuses, with a 4xx naming the problem. The registry is left as it was
// and no Temporal Schedule is created, changed or triggered. Who may is in the .security file.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal } from './app-request';
import { modelWithoutRetrain, openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
const base = '/v1/models/breast-cancer/schedules';
beforeAll(async () => {
  f = await openControlFixture('schedule-errors');
  const at = new Date('2025-01-01T00:00:00Z');
  await f.registry.insertRetrainSchedule({
    modelName: 'breast-cancer', id: 'nightly', cron: '0 3 * * *', everySeconds: null, paused: false, pauseReason: null,
    catchupWindowSeconds: 3600, overlap: 'skip', note: '', createdBy: 'root', createdAt: at, updatedBy: 'root', updatedAt: at,
  });
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const idRule = /lowercase letters, digits, "_" or "-", at most 63, starting with a letter or digit/;

describe('POST /v1/models/:name/schedules', () => {
  it.each([
    ['neither cron nor every', {}, /^body: give exactly one of cron and every$/],
    ['both cron and every', { cron: '0 3 * * *', every: '6h' }, /^body\.every: give exactly one of cron and every$/],
    ['an interval that is not a duration', { every: 'hourly' }, /^body\.every: a whole number of seconds, or a duration like "90s", "30m", "6h", "1d"$/],
    ['an interval of a fraction of a second', { every: 1.5 }, /^body\.every: a whole number of seconds/],
    ['a negative interval', { every: -60 }, /^body\.every: a whole number of seconds/],
    ['an empty cron', { cron: '   ' }, /body\.cron: .*>=1 characters/],
    ['a cron over 200 characters', { cron: '*'.repeat(201) }, /body\.cron: .*<=200 characters/],
    ['a catch-up window under 10 s', { every: '1h', catchupWindow: 5 }, /^body\.catchupWindow: a whole number of seconds.*, at least 10 s$/],
    ['a catch-up window that is not a duration', { every: '1h', catchupWindow: 'a while' }, /^body\.catchupWindow: /],
    ['an unknown overlap policy', { every: '1h', overlap: 'allow_all' }, /body\.overlap: .*"skip"\|"buffer_one"/],
    ['an id with capitals', { id: 'Nightly', every: '1h' }, new RegExp(`^body\\.id: ${idRule.source}$`)],
    ['paused as text', { every: '1h', paused: 'yes' }, /body\.paused: .*expected boolean/],
    ['a note over 2000 characters', { every: '1h', note: 'x'.repeat(2001) }, /body\.note: .*<=2000 characters/],
    ['an unknown field', { every: '1h', timezone: 'Europe/Paris' }, /^body: Unrecognized key: "timezone"$/],
  ])('%s is a 400', async (_case, body, message) => {
    expectRefusal(await f.request('POST', base, { as: 'root', body }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('malformed JSON is a 400', async () => {
    expectRefusal(await f.request('POST', base, { as: 'root', raw: '{"every": ' }), 400, 'bad_request', /Malformed JSON in request body/);
    await f.expectNothingDone();
  });

  it('a bad model name is a 400 and an unknown model a 404', async () => {
    expectRefusal(await f.request('POST', '/v1/models/BC/schedules', { as: 'root', body: { every: '1h' } }), 400, 'bad_request', /^param\.name: /);
    expectRefusal(await f.request('POST', '/v1/models/no-such-model/schedules', { as: 'root', body: { every: '1h' } }), 404, 'not_found', /^unknown model 'no-such-model'; known models: /);
    await f.expectNothingDone();
  });

  it('a model without retrain settings is a 400 that says what to set', async () => {
    const res = await f.request('POST', `/v1/models/${modelWithoutRetrain}/schedules`, { as: 'root', body: { every: '1h' } });
    expectRefusal(res, 400, 'bad_request', /has no retrain settings: set retrain\.dataset in its template to where fresh data lands/);
    await f.expectNothingDone();
  });

  it('an id the model already has is a 409 that says how to replace it', async () => {
    const res = await f.request('POST', base, { as: 'root', body: { id: 'nightly', every: '6h' } });
    expectRefusal(res, 409, 'conflict', /^model 'breast-cancer' already has a retraining schedule 'nightly': delete it first or pick another id$/);
    await f.expectNothingDone();
  });

  it('a schedule only Temporal has is a 409 that says how to remove it, and the registry stays as it was', async () => {
    f.schedules.put('breast-cancer', 'orphan');
    await f.settle();
    const res = await f.request('POST', base, { as: 'root', body: { id: 'orphan', every: '6h' } });
    expectRefusal(res, 409, 'conflict', /^Temporal already has a schedule 'retrain-schedule:breast-cancer:orphan' that Windsock does not know: DELETE \/v1\/models\/breast-cancer\/schedules\/orphan removes it$/);
    await f.expectNothingDone({ scheduleCommands: [{ kind: 'create', model: 'breast-cancer', id: 'orphan' }] });
  });

  it('a cron Temporal refuses is a 400 with its reason, and the registry stays as it was', async () => {
    f.schedules.refusedCrons.add('61 * * * *');
    const res = await f.request('POST', base, { as: 'root', body: { id: 'odd', cron: '61 * * * *' } });
    expectRefusal(res, 400, 'bad_request', /^Temporal refused the schedule: invalid cron expression '61 \* \* \* \*'$/);
    await f.expectNothingDone({ scheduleCommands: [{ kind: 'create', model: 'breast-cancer', id: 'odd' }] });
  });
});

describe('reading schedules', () => {
  it('a bad model name or schedule id is a 400', async () => {
    expectRefusal(await f.request('GET', '/v1/models/BC/schedules', { as: 'carol' }), 400, 'bad_request', /^param\.name: /);
    expectRefusal(await f.request('GET', `${base}/Nightly`, { as: 'carol' }), 400, 'bad_request', new RegExp(`^param\\.id: ${idRule.source}$`));
    expectRefusal(await f.request('GET', `${base}/${'a'.repeat(64)}`, { as: 'carol' }), 400, 'bad_request', /^param\.id: /);
    await f.expectNothingDone();
  });

  it('an unknown model is a 404', async () => {
    expectRefusal(await f.request('GET', '/v1/models/no-such-model/schedules', { as: 'carol' }), 404, 'not_found', /^unknown model 'no-such-model'/);
    expectRefusal(await f.request('GET', '/v1/models/no-such-model/schedules/nightly', { as: 'carol' }), 404, 'not_found', /^unknown model 'no-such-model'/);
    await f.expectNothingDone();
  });

  it('an unknown schedule is a 404 naming model and id', async () => {
    expectRefusal(await f.request('GET', `${base}/weekly`, { as: 'carol' }), 404, 'not_found', /^model 'breast-cancer' has no retraining schedule 'weekly'$/);
    await f.expectNothingDone();
  });
});

describe('pausing, resuming, triggering and deleting a schedule', () => {
  it.each([
    ['an empty reason', { reason: '' }, /body\.reason: .*>=1 characters/],
    ['an unknown field', { reason: 'holiday', until: '2025-02-01' }, /^body: Unrecognized key: "until"$/],
  ])('a pause with %s is a 400', async (_case, body, message) => {
    expectRefusal(await f.request('POST', `${base}/nightly/pause`, { as: 'root', body }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it.each(['pause', 'resume', 'trigger'])('%s of an unknown schedule is a 404 and asks nothing of Temporal', async (action) => {
    const body = action === 'pause' ? {} : undefined;
    expectRefusal(await f.request('POST', `${base}/weekly/${action}`, { as: 'root', body }), 404, 'not_found', /^model 'breast-cancer' has no retraining schedule 'weekly'$/);
    expectRefusal(await f.request('POST', `/v1/models/no-such-model/schedules/nightly/${action}`, { as: 'root', body }), 404, 'not_found', /^unknown model 'no-such-model'/);
    expectRefusal(await f.request('POST', `${base}/Weekly/${action}`, { as: 'root', body }), 400, 'bad_request', /^param\.id: /);
    await f.expectNothingDone();
  });

  it('delete of a schedule neither the registry nor Temporal has is a 404', async () => {
    expectRefusal(await f.request('DELETE', `${base}/weekly`, { as: 'root' }), 404, 'not_found', /^model 'breast-cancer' has no retraining schedule 'weekly'$/);
    // It looks in Temporal too, for a schedule made behind Windsock's back.
    await f.expectNothingDone({ scheduleCommands: [{ kind: 'delete', model: 'breast-cancer', id: 'weekly' }] });
  });

  it('delete for an unknown model is a 404 and for a bad id a 400, asking nothing of Temporal', async () => {
    expectRefusal(await f.request('DELETE', '/v1/models/no-such-model/schedules/nightly', { as: 'root' }), 404, 'not_found', /^unknown model 'no-such-model'/);
    expectRefusal(await f.request('DELETE', `${base}/-nightly`, { as: 'root' }), 400, 'bad_request', /^param\.id: /);
    await f.expectNothingDone();
  });
});
