// The pipeline routes over Temporal's HTTP API (FetchTemporalGateway), as the edge reaches Temporal:
// the same flow and rules as over gRPC, with payloads that survive the trip intact.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { FetchTemporalGateway } from '../../api/temporal/fetch-temporal-gateway';
import { exampleDataset, startHarness, type Harness } from './pipeline-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('http-gateway', { gateway: 'http' });
});
afterAll(async () => h?.close());

describe('pipeline routes over the Temporal HTTP API', () => {
  it('starts, reads, refuses self-approval, approves and promotes', async () => {
    const headers = { 'idempotency-key': `http-${Date.now()}` };
    const body = { model: 'breast-cancer', dataset: exampleDataset };
    const started = await h.request('POST', '/v1/pipelines', { as: 'dave', body, headers });
    expect(started.status).toBe(202);
    const again = await h.request('POST', '/v1/pipelines', { as: 'dave', body, headers });
    expect(again.body).toMatchObject({ pipelineId: started.body.pipelineId, created: false });

    const id = started.body.pipelineId as string;
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
    expect(waiting.stage).toBe('awaiting_approval');
    // The shorthand would have turned this empty list into null.
    expect(waiting.approval!.refused).toEqual([]);
    expect(waiting.dataset!.warnings).toEqual([]);

    expect((await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'dave', body: {} })).status).toBe(403);
    expect((await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: {} })).status).toBe(202);
    const done = await h.waitForStage(id, ['succeeded', 'failed']);
    expect(done.stage).toBe('succeeded');
    expect(done.temporal.status).toBe('COMPLETED');
  });

  it('answers 404 for an unknown pipeline', async () => {
    const res = await h.request('GET', '/v1/pipelines/breast-cancer-0123456789abcdef', { as: 'carol' });
    expect(res.status).toBe(404);
  });

  it('signal-with-start starts once and delivers every signal', async () => {
    const gateway = new FetchTemporalGateway({ baseUrl: inject('temporalHttpAddress'), namespace: 'default' });
    const workflowId = `sws-${Date.now()}`;
    const start = { workflowType: 'modelPipeline', workflowId, taskQueue: `${h.taskQueue}-idle`, args: [{ nested: [] }] };
    await gateway.signalWithStart({ ...start, signal: 'approve', signalArg: { principal: 'a' } });
    await gateway.signalWithStart({ ...start, signal: 'approve', signalArg: { principal: 'b' } });
    const description = await gateway.describe(workflowId);
    expect(description!.status).toBe('RUNNING');
    const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length;
    expect(signals).toBe(2);
    await h.client.workflow.getHandle(workflowId).terminate('test cleanup');
  });
});
