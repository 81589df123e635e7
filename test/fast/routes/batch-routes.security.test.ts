// Batch routes: a known bearer token to read a batch or a schedule; submitter or admin to score,
// schedule or delete a schedule. A refusal starts nothing and leaves the registry as it was.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openBatchFixture, type BatchFixture } from './batch-routes-fixture';
import type { PrincipalName } from '../../test-principals';

let f: BatchFixture;
beforeAll(async () => {
  f = await openBatchFixture('batch-security');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const writes = (): Array<[string, string, unknown]> => [
  ['POST', '/v1/models/breast-cancer/batch', { input: f.inputs.unlabelled }],
  ['POST', '/v1/models/breast-cancer/batch', { input: f.inputs.unlabelled, schedule: { cron: '0 3 * * *' } }],
  ['DELETE', '/v1/models/breast-cancer/batch-schedules/nightly', undefined],
];
const reads: Array<[string, string]> = [
  ['GET', '/v1/batches/batch-breast-cancer-0123456789abcdef'],
  ['GET', '/v1/models/breast-cancer/batch-schedules/nightly'],
];

describe('batch routes', () => {
  it('every route without a token, or with an unknown one, is a 401', async () => {
    for (const [method, path, body] of [...writes(), ...reads.map(([m, p]) => [m, p, undefined] as const)]) {
      expectRefusal(await f.request(method, path, { body }), 401, 'unauthorized', /^missing bearer token/);
      expectRefusal(await f.request(method, path, { body, headers: { authorization: 'Bearer root-token-0123456789A' } }), 401, 'unauthorized', /^unknown bearer token$/);
    }
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['carol', 'bob', 'erin'])('%s (neither submitter nor admin) may not score, schedule or delete a schedule: 403', async (who) => {
    for (const [method, path, body] of writes()) {
      expectRefusal(await f.request(method, path, { as: who, body }), 403, 'forbidden', new RegExp(`^${who} lacks the role for this: needs submitter or admin$`));
    }
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['alice', 'dave', 'root'])('%s may submit a batch', async (who) => {
    const res = await f.request('POST', '/v1/models/breast-cancer/batch', { as: who, body: { input: f.inputs.unlabelled } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  });

  it('a viewer may read a batch', async () => {
    f.gateway.put('batch-breast-cancer-0123456789abcdef', { workflowType: 'batchScoring', queries: { batchStatus: { batchId: 'batch-breast-cancer-0123456789abcdef', state: 'planning', chunksDone: 0, chunksReused: 0, progress: 0 } } });
    expect((await f.request('GET', '/v1/batches/batch-breast-cancer-0123456789abcdef', { as: 'carol' })).status).toBe(200);
  });
});
