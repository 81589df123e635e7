// POST /v1/models/:name/batch, GET /v1/batches/:id and /v1/models/:name/batch-schedules/:id refuse
// what would fail later with a 4xx naming the problem: a bad body, an unknown model, a version that
// is missing or not approved, an input that cannot be read or does not fit the model's features, an
// output that cannot be written, a schedule that exists or that Temporal refuses. Nothing is started
// in Temporal, no schedule is made, and the registry stays as it was. Who may is in the .security file.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openBatchFixture, type BatchFixture } from './batch-routes-fixture';

let f: BatchFixture;
const base = '/v1/models/breast-cancer/batch';
beforeAll(async () => {
  f = await openBatchFixture('batch-errors');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('POST /v1/models/:name/batch', () => {
  it.each([
    ['no input', {}, /^body\.input: /],
    ['an empty input', { input: '' }, /^body\.input: .*>=1 characters/],
    ['an input over 1024 characters', { input: 'x'.repeat(1025) }, /^body\.input: .*<=1024 characters/],
    ['both a version and an alias', { input: 'a.csv', version: 1, alias: 'champion' }, /^body\.alias: give a version or an alias, not both$/],
    ['a version of 0', { input: 'a.csv', version: 0 }, /^body\.version: /],
    ['an alias with capitals', { input: 'a.csv', alias: 'Champion' }, /^body\.alias: an alias: /],
    ['chunks under 100 rows', { input: 'a.csv', chunkRows: 99 }, /^body\.chunkRows: .*>=100/],
    ['chunks over 100000 rows', { input: 'a.csv', chunkRows: 100_001 }, /^body\.chunkRows: .*<=100000/],
    ['a parallelism over 8', { input: 'a.csv', parallelism: 9 }, /^body\.parallelism: .*<=8/],
    ['a schedule without a cron', { input: 'a.csv', schedule: {} }, /^body\.schedule\.cron: /],
    ['a schedule id with capitals', { input: 'a.csv', schedule: { id: 'Nightly', cron: '0 3 * * *' } }, /^body\.schedule\.id: lowercase letters/],
    ['an unknown field', { input: 'a.csv', format: 'parquet' }, /^body: Unrecognized key: "format"$/],
  ])('%s is a 400', async (_case, body, message) => {
    expectRefusal(await f.request('POST', base, { as: 'alice', body }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('malformed JSON is a 400, and a body that is not JSON a 415', async () => {
    expectRefusal(await f.request('POST', base, { as: 'alice', raw: '{"input": ' }), 400, 'bad_request', /Malformed JSON in request body/);
    expectRefusal(await f.request('POST', base, { as: 'alice', raw: 'input=a.csv', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type', /send the body as JSON/);
    await f.expectNothingDone();
  });

  it('a bad model name is a 400 and an unknown model a 404', async () => {
    expectRefusal(await f.request('POST', '/v1/models/BC/batch', { as: 'alice', body: { input: f.inputs.unlabelled } }), 400, 'bad_request', /^param\.name: /);
    expectRefusal(await f.request('POST', '/v1/models/no-such-model/batch', { as: 'alice', body: { input: f.inputs.unlabelled } }), 404, 'not_found', /^unknown model 'no-such-model'/);
    await f.expectNothingDone();
  });

  it('a version that does not exist, is not approved, or an alias that points nowhere is a 400', async () => {
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: f.inputs.unlabelled, version: 99 } }), 400, 'bad_request', /^model 'breast-cancer' has no version 99$/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: f.inputs.unlabelled, version: f.pending } }), 400, 'bad_request', new RegExp(`^breast-cancer v${f.pending} is pending_approval; batches score with approved versions only$`));
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: f.inputs.unlabelled, alias: 'staging' } }), 400, 'bad_request', /^model 'breast-cancer' has no alias 'staging'; name a version$/);
    expectRefusal(await f.request('POST', '/v1/models/no-retrain/batch', { as: 'alice', body: { input: f.inputs.unlabelled } }), 400, 'bad_request', /^model 'no-retrain' has no alias 'champion' \(no version has been approved yet\); name a version$/);
    await f.expectNothingDone();
  });

  it('an input that cannot be read is a 400 (a 404 for an unknown registry dataset) that says why', async () => {
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: '/etc/passwd' } }), 400, 'bad_request', /dataset roots|not under/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: 'ftp://host/data.csv' } }), 400, 'bad_request', /a scheme Windsock does not read/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: 'http://host/data.csv' } }), 400, 'bad_request', /plain http: datasets are read over https only/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: 'https://data.example.com/a.csv' } }), 400, 'bad_request', /https datasets are not enabled on this deployment/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: 's3://bucket/a.csv' } }), 400, 'bad_request', /in object storage, and this deployment has no object-store credentials/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: 'dataset://nothing-here' } }), 404, 'not_found', /nothing-here/);
    await f.expectNothingDone();
  });

  it("an input whose first rows do not fit the model's features is a 400 naming the column; the target may be absent", async () => {
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: f.inputs.noRadius } }), 400, 'bad_request', /does not fit model 'breast-cancer' \(checked on its first 569 rows\): column mean_radius is missing from the file/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: f.inputs.textRadius } }), 400, 'bad_request', /column mean_radius: 1 value is not a number \(row 1\)/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { input: f.inputs.unlabelled, idColumn: 'patient' } }), 400, 'bad_request', /the id column patient is missing from the file/);
    await f.expectNothingDone();
  });

  it('an output that cannot be written is a 400 that says what to give', async () => {
    const body = { input: f.inputs.unlabelled };
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { ...body, output: '/tmp/out.csv' } }), 400, 'bad_request', /^body\.output: '\/tmp\/out\.csv' is not an s3:\/\/bucket\/key URI; leave output out to write to the artifact store$/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { ...body, output: 's3://B/out.csv' } }), 400, 'bad_request', /names no valid bucket/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { ...body, output: 's3://scores' } }), 400, 'bad_request', /names a bucket, not an object or a prefix ending in '\/'/);
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { ...body, output: 's3://scores/nightly.csv', schedule: { cron: '0 3 * * *' } } }), 400, 'bad_request', /a schedule writes one file per run, so its output is a prefix ending in '\/'/);
    expectRefusal(await f.requestWithoutObjectStore('POST', base, { as: 'alice', body: { ...body, output: 's3://scores/out.csv' } }), 400, 'bad_request', /^batch output 's3:\/\/scores\/out\.csv' is in object storage, and this deployment has no object-store credentials/);
    await f.expectNothingDone();
  });

  it('a schedule id the model already has is a 409, one Temporal refuses a 400, and one without a schedule client a 503', async () => {
    const body = { input: f.inputs.unlabelled, schedule: { id: 'nightly', cron: '0 3 * * *' } };
    expect((await f.request('POST', base, { as: 'alice', body })).status).toBe(201);
    await f.reset();
    await f.batchSchedules.create({ model: 'breast-cancer', id: 'nightly', cron: '0 3 * * *', batch: { model: 'breast-cancer', input: 'x', chunkRows: 100, requestedBy: 'alice' }, createdBy: 'alice' });
    f.batchSchedules.commands.length = 0;
    await f.settle();
    expectRefusal(await f.request('POST', base, { as: 'alice', body }), 409, 'conflict', /^model 'breast-cancer' already has a batch schedule 'nightly': DELETE \/v1\/models\/breast-cancer\/batch-schedules\/nightly first or pick another id$/);
    f.batchSchedules.refusedCrons.add('61 * * * *');
    expectRefusal(await f.request('POST', base, { as: 'alice', body: { ...body, schedule: { id: 'odd', cron: '61 * * * *' } } }), 400, 'bad_request', /^Temporal refused the schedule: invalid cron expression '61 \* \* \* \*'$/);
    expect(f.batchSchedules.commands.map((c) => c.kind)).toEqual(['create', 'create']);
    f.batchSchedules.commands.length = 0;
    expectRefusal(await f.requestWithoutSchedules('POST', base, { as: 'alice', body }), 503, 'unavailable', /manages no batch schedules/);
    await f.expectNothingDone();
  });
});

describe('GET /v1/batches/:id', () => {
  it('an id that is not a batch id is a 400, an unknown batch a 404', async () => {
    expectRefusal(await f.request('GET', '/v1/batches/breast-cancer-0123456789abcdef', { as: 'carol' }), 400, 'bad_request', /^param\.id: not a batch id$/);
    expectRefusal(await f.request('GET', '/v1/batches/batch-breast-cancer-0123456789abcdef', { as: 'carol' }), 404, 'not_found', /^unknown batch 'batch-breast-cancer-0123456789abcdef'$/);
    await f.expectNothingDone();
  });

  it('a batch whose status query is not answered is a 503', async () => {
    f.gateway.put('batch-breast-cancer-0123456789abcdef', { workflowType: 'batchScoring', queries: { batchStatus: new Error('no poller seen') } });
    expectRefusal(await f.request('GET', '/v1/batches/batch-breast-cancer-0123456789abcdef', { as: 'carol' }), 503, 'unavailable', /did not answer its status query \(is a worker running\?\)/);
  });
});

describe('/v1/models/:name/batch-schedules/:id', () => {
  it('a bad schedule id is a 400; an unknown model or schedule a 404', async () => {
    expectRefusal(await f.request('GET', '/v1/models/breast-cancer/batch-schedules/Nightly', { as: 'carol' }), 400, 'bad_request', /^param\.id: lowercase letters/);
    expectRefusal(await f.request('GET', '/v1/models/no-such-model/batch-schedules/nightly', { as: 'carol' }), 404, 'not_found', /^unknown model 'no-such-model'/);
    expectRefusal(await f.request('GET', '/v1/models/breast-cancer/batch-schedules/weekly', { as: 'carol' }), 404, 'not_found', /^model 'breast-cancer' has no batch schedule 'weekly'$/);
    expectRefusal(await f.request('DELETE', '/v1/models/breast-cancer/batch-schedules/weekly', { as: 'alice' }), 404, 'not_found', /^model 'breast-cancer' has no batch schedule 'weekly'$/);
    expect(f.batchSchedules.commands).toEqual([{ kind: 'delete', model: 'breast-cancer', id: 'weekly' }]);
    f.batchSchedules.commands.length = 0;
    await f.expectNothingDone();
  });
});
