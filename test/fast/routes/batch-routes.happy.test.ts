// POST /v1/models/:name/batch starts batchScoring with the version and input pinned (an Idempotency-Key
// makes a retried POST the same batch), or makes a Temporal Schedule that follows the alias and the
// dataset's newest version; GET /v1/batches/:id adds the scoring activities' heartbeats as progress.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import type { BatchInput } from '../../../contracts/batch-scoring-messages';
import { openBatchFixture, type BatchFixture } from './batch-routes-fixture';

let f: BatchFixture;
beforeAll(async () => {
  f = await openBatchFixture('batch-happy');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('batch routes', () => {
  it('starts a batch pinned to the champion it resolved, and the same one again for a retried POST with its key', async () => {
    const post = () => f.request('POST', '/v1/models/breast-cancer/batch', { as: 'alice', body: { input: f.inputs.unlabelled, output: 's3://scores/today.csv' }, headers: { 'idempotency-key': 'k1' } });
    const res = await post();
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.batchId).toMatch(/^batch-breast-cancer-[0-9a-f]{16}$/);
    expect(res.body).toMatchObject({ created: true, status: `/v1/batches/${res.body.batchId}` });
    const [start] = f.gateway.commands;
    expect(start).toMatchObject({ kind: 'start', options: { workflowType: 'batchScoring', workflowId: res.body.batchId } });
    const input = (start as { options: { args: BatchInput[] } }).options.args[0]!;
    expect(input).toEqual({ model: 'breast-cancer', version: f.champion, input: pathToFileURL(f.inputs.unlabelled).href, output: 's3://scores/today.csv', chunkRows: 10_000, parallelism: 1, requestedBy: 'alice' });

    const again = await post();
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ batchId: res.body.batchId, created: false });
    // Without a key, a POST is a new batch.
    const other = await f.request('POST', '/v1/models/breast-cancer/batch', { as: 'alice', body: { input: f.inputs.unlabelled } });
    expect(other.body.batchId).not.toBe(res.body.batchId);
  });

  it('makes a schedule that follows the champion alias, audited', async () => {
    const res = await f.request('POST', '/v1/models/breast-cancer/batch', { as: 'dave', body: { input: f.inputs.unlabelled, output: 's3://scores/nightly/', schedule: { id: 'nightly', cron: '0 3 * * *' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ location: '/v1/models/breast-cancer/batch-schedules/nightly', schedule: { id: 'nightly', cron: '0 3 * * *', batch: { alias: 'champion', output: 's3://scores/nightly/' } } });
    expect(res.body.schedule.batch.version).toBeUndefined();
    expect(f.gateway.commands).toEqual([]);
    expect((await f.request('GET', '/v1/models/breast-cancer/batch-schedules/nightly', { as: 'carol' })).body).toEqual(res.body.schedule);
    const audit = await f.registry.listAudit({ modelName: 'breast-cancer' });
    expect(audit.at(-1)).toMatchObject({ event: 'batch.schedule_created', actor: 'dave', details: { id: 'nightly', cron: '0 3 * * *' } });
    expect((await f.request('DELETE', '/v1/models/breast-cancer/batch-schedules/nightly', { as: 'dave' })).status).toBe(204);
    expect((await f.registry.listAudit({ modelName: 'breast-cancer' })).at(-1)).toMatchObject({ event: 'batch.schedule_deleted', actor: 'dave' });
  });

  it("reads a scoring batch's progress from its activities' heartbeats", async () => {
    const id = 'batch-breast-cancer-schedule-nightly-2025-01-01T03:00:00Z';
    f.gateway.put(id, {
      workflowType: 'batchScoring',
      queries: { batchStatus: { batchId: id, model: 'breast-cancer', state: 'scoring', rows: 40_000, chunks: 4, chunksDone: 0, chunksReused: 0, progress: 0, input: 'x', requestedBy: 'schedule:nightly' } },
      pendingActivities: [
        { activityType: 'scoreBatchChunks', attempt: 1, heartbeat: { done: [0], rows: 10_000 } },
        { activityType: 'scoreBatchChunks', attempt: 2, heartbeat: { done: [2, 3], rows: 20_000 } },
      ],
    });
    const res = await f.request('GET', `/v1/batches/${id}`, { as: 'carol' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ batchId: id, state: 'scoring', rows: 40_000, chunksDone: 3, progress: 0.75, temporal: { status: 'RUNNING' } });
  });
});
