// GET /v1/pipelines lists pipelines from their search attributes, open ones first and newest first,
// by model, stage and submitter, a page at a time, and gives an approver the pipelines that wait for
// them (four-eyes: never their own). On both apps that mount it; listing starts or signals nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pipelineIdOf, pipelineMounts, type PipelineMount } from './pipeline-mounts';

const ids = {
  daveWaiting: pipelineIdOf('a1'),
  aliceWaiting: pipelineIdOf('a2'),
  aliceTraining: pipelineIdOf('a3'),
  irisWaiting: 'iris-00000000000000a4',
  aliceSucceeded: pipelineIdOf('a5'),
  terminatedWaiting: pipelineIdOf('a6'),
};

describe.each(pipelineMounts)('GET /v1/pipelines on the $name', ({ name, open }) => {
  let m: PipelineMount;
  beforeAll(async () => {
    m = await open(`pipeline-list-happy-${name.replace(/\W/g, '')}`);
  });
  afterAll(() => m?.close());
  beforeEach(async () => {
    await m.reset();
    const at = (minute: number) => `2025-03-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
    m.gateway.putPipeline(ids.daveWaiting, { stage: 'awaiting_approval', submittedBy: 'dave' }, { startTime: at(1) });
    m.gateway.putPipeline(ids.aliceWaiting, { stage: 'awaiting_approval', submittedBy: 'alice' }, { startTime: at(2) });
    m.gateway.putPipeline(ids.aliceTraining, { stage: 'training', submittedBy: 'alice' }, { startTime: at(3) });
    m.gateway.putPipeline(ids.irisWaiting, { model: 'iris', stage: 'awaiting_approval', submittedBy: 'alice' }, { startTime: at(4) });
    m.gateway.putPipeline(ids.aliceSucceeded, { stage: 'succeeded', submittedBy: 'alice' }, { status: 'COMPLETED', startTime: at(0), closeTime: at(30) });
    m.gateway.putPipeline(ids.terminatedWaiting, { stage: 'awaiting_approval', submittedBy: 'alice' }, { status: 'TERMINATED', startTime: at(5), closeTime: at(20) });
    // Not a pipeline: the listing shows only modelPipeline workflows.
    m.gateway.put('retrain:breast-cancer', { workflowType: 'retrainModel', startTime: at(9) });
    await m.settle();
  });

  const list = async (query: string, as: 'alice' | 'bob' | 'carol' | 'dave' | 'root' = 'carol') => {
    const res = await m.request('GET', `/v1/pipelines${query}`, { as });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { pipelines: Array<Record<string, unknown>>; nextCursor: string | null };
  };
  const idsOf = (body: { pipelines: Array<Record<string, unknown>> }) => body.pipelines.map((p) => p.pipelineId);

  it('lists every pipeline for a viewer, open ones first (newest first), then closed ones (latest closed first)', async () => {
    const body = await list('');
    expect(idsOf(body)).toEqual([ids.irisWaiting, ids.aliceTraining, ids.aliceWaiting, ids.daveWaiting, ids.aliceSucceeded, ids.terminatedWaiting]);
    expect(body.nextCursor).toBeNull();
    expect(body.pipelines[4]).toEqual({
      pipelineId: ids.aliceSucceeded,
      model: 'breast-cancer',
      stage: 'succeeded',
      submittedBy: 'alice',
      status: 'COMPLETED',
      startTime: '2025-03-01T10:00:00.000Z',
      closeTime: '2025-03-01T10:30:00.000Z',
    });
    expect(body.pipelines[0]).toMatchObject({ pipelineId: ids.irisWaiting, model: 'iris', status: 'RUNNING', closeTime: null });
    await m.expectNothingDone();
  });

  it('filters by model, stage and submitter, together', async () => {
    expect(idsOf(await list('?model=iris'))).toEqual([ids.irisWaiting]);
    expect(idsOf(await list('?stage=training'))).toEqual([ids.aliceTraining]);
    expect(idsOf(await list('?submittedBy=dave'))).toEqual([ids.daveWaiting]);
    expect(idsOf(await list('?model=breast-cancer&stage=awaiting_approval&submittedBy=alice'))).toEqual([ids.aliceWaiting, ids.terminatedWaiting]);
    expect(idsOf(await list('?model=nope'))).toEqual([]);
  });

  it('gives an approver what waits for them: open, awaiting approval, not their own (four-eyes)', async () => {
    expect(idsOf(await list('?awaitingApprovalBy=me', 'dave'))).toEqual([ids.irisWaiting, ids.aliceWaiting]);
    expect(idsOf(await list('?awaitingApprovalBy=me', 'bob'))).toEqual([ids.irisWaiting, ids.aliceWaiting, ids.daveWaiting]);
    expect(idsOf(await list('?awaitingApprovalBy=me&model=breast-cancer', 'bob'))).toEqual([ids.aliceWaiting, ids.daveWaiting]);
    expect(idsOf(await list('?awaitingApprovalBy=me&stage=awaiting_approval&submittedBy=alice', 'root'))).toEqual([ids.irisWaiting, ids.aliceWaiting]);
    await m.expectNothingDone();
  });

  it('pages with limit and the opaque cursor until nextCursor is null', async () => {
    const seen: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const body: { pipelines: Array<Record<string, unknown>>; nextCursor: string | null } = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.pipelines.length).toBeLessThanOrEqual(2);
      seen.push(...idsOf(body));
      cursor = body.nextCursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[0-9a-f]{16}$/);
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(idsOf(await list('')));
  });

  it('asks Temporal for 50 by default and at most 200, with the filters as one escaped query', async () => {
    await list('');
    await list('?limit=200');
    await list(`?submittedBy=${encodeURIComponent("o'brien")}`);
    expect(m.gateway.lists.map((l) => l.pageSize)).toEqual([50, 200, 50]);
    expect(m.gateway.lists[2]!.query).toBe("WorkflowType = 'modelPipeline' AND WindsockSubmittedBy = 'o\\'brien'");
  });

  it('shows a pipeline started before the search attributes with nulls, not a failure', async () => {
    m.gateway.put(pipelineIdOf('b0'), { startTime: '2025-03-01T11:00:00.000Z' });
    expect((await list('')).pipelines[0]).toEqual({
      pipelineId: pipelineIdOf('b0'),
      model: null,
      stage: null,
      submittedBy: null,
      status: 'RUNNING',
      startTime: '2025-03-01T11:00:00.000Z',
      closeTime: null,
    });
  });
});
