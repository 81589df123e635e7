// Listing pipelines through Temporal visibility on the run's dev server, through both gateways: the
// pipelines (and a retraining pipeline, a child of retrainModel) carry their model, stage and submitter
// as search attributes, the store answers open ones first and newest first, pages with its token, and
// the approval inbox leaves out the caller's own. Visibility lags: every read waits on a condition.
import { Client, Connection } from '@temporalio/client';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ApiEnv } from '../../../api/http/api-env';
import { onError, requestId } from '../../../api/http/error-envelope';
import { pipelineListQuery, type PipelineListFilter } from '../../../api/pipelines/pipeline-list-query';
import { pipelineRoutes } from '../../../api/pipelines/pipeline-routes';
import { FetchTemporalGateway } from '../../../api/temporal/fetch-temporal-gateway';
import { GrpcTemporalGateway } from '../../../api/temporal/grpc-temporal-gateway';
import type { TemporalGateway, WorkflowListing } from '../../../api/temporal/temporal-gateway';
import { rejectUpdate, statusQuery, type PipelineInput } from '../../../contracts/model-pipeline-messages';
import { retrainRequestedSignal, retrainWorkflowId, type RetrainRequest } from '../../../contracts/retrain-model-messages';
import { WindsockError } from '../../../core/windsock-error';
import type { modelPipeline } from '../../../workflows/model-pipeline';
import type { retrainModel } from '../../../workflows/retrain-model';
import { pipelineInput, pipelineStubs, type PipelineStubs } from '../workflows/pipeline-stubs';
import { randomHex, startStubWorker, type StubActivities, type StubWorker } from '../workflows/stub-worker';
import { waitUntil } from '../workflows/wait-until';
import { principals } from '../../test-principals';

let w: StubWorker;
let p: PipelineStubs;
let connection: Connection;
const gateways: Record<string, TemporalGateway> = {};
// A model of this run's own: the shared server holds other tests' pipelines too.
const model = `list-${randomHex(6)}`;
const retrainModelName = `list-${randomHex(6)}`;
const ids = { dave: '', obrien: '', rejected: '', training: '' };

beforeAll(async () => {
  p = pipelineStubs();
  const retrainStubs = {
    async prepareRetrain({ model: name, pipelineId, cause }) {
      return pipelineInput(pipelineId, name, { submittedBy: `windsock-retrain (${cause.source}: ${cause.requestedBy})`, retrain: { source: cause.source, reason: cause.reason } });
    },
  } satisfies StubActivities;
  w = await startStubWorker('pipeline-listing', { ...p.stubs, ...retrainStubs });
  connection = await Connection.connect({ address: inject('fastTemporalAddress') });
  gateways.grpc = new GrpcTemporalGateway(new Client({ connection, namespace: 'default' }));
  gateways.http = new FetchTemporalGateway({ baseUrl: inject('fastTemporalHttpAddress'), namespace: 'default' });

  // One after another, so that their start times are in this order.
  const start = async (overrides: Partial<PipelineInput>) => {
    const input = pipelineInput(w.newId(model), model, overrides);
    const handle = await w.client.workflow.start<typeof modelPipeline>('modelPipeline', { taskQueue: w.taskQueue, workflowId: input.pipelineId, args: [input] });
    return { id: input.pipelineId, handle };
  };
  const rejected = await start({ submittedBy: 'alice' });
  ids.rejected = rejected.id;
  ids.dave = (await start({ submittedBy: 'dave' })).id;
  ids.obrien = (await start({ submittedBy: "o'brien (ops)" })).id;
  ids.training = (await start({ submittedBy: 'alice', params: { hold: true } })).id;
  await waitUntil('the first pipeline waits for approval', () => rejected.handle.query(statusQuery), (s) => s.stage === 'awaiting_approval');
  await rejected.handle.executeUpdate(rejectUpdate, { args: [{ principal: 'bob', comment: 'worse recall' }] });
  await rejected.handle.result();

  await w.client.workflow.signalWithStart<typeof retrainModel, [RetrainRequest]>('retrainModel', {
    workflowId: retrainWorkflowId(retrainModelName),
    taskQueue: w.taskQueue,
    args: [{ model: retrainModelName }],
    signal: retrainRequestedSignal,
    signalArgs: [{ source: 'manual', reason: 'listing test', requestedBy: 'erin' }],
  });
});
afterAll(async () => {
  if (ids.training) p?.releaseTraining(ids.training);
  await w?.close();
  await connection?.close();
});

describe.each(['grpc', 'http'])('listing pipelines through the %s gateway', (kind) => {
  const gateway = () => gateways[kind]!;
  const list = async (filter: PipelineListFilter, pageSize = 50) => (await gateway().list({ query: pipelineListQuery(filter), pageSize })).workflows;
  const idsOf = (workflows: WorkflowListing[]) => workflows.map((x) => x.workflowId);
  /** Waits until visibility shows the test's pipelines in their settled stages. */
  const settled = () =>
    waitUntil(
      'visibility shows the pipelines in their stages',
      () => list({ model }),
      (listed) => {
        const stageOf = (id: string) => listed.find((x) => x.workflowId === id)?.searchAttributes.WindsockStage;
        return stageOf(ids.rejected) === 'rejected' && stageOf(ids.dave) === 'awaiting_approval' && stageOf(ids.obrien) === 'awaiting_approval' && stageOf(ids.training) === 'training';
      },
      30_000,
    );

  it('lists a model\'s pipelines with their search attributes, open ones newest first, then closed ones', async () => {
    const listed = await settled();
    expect(idsOf(listed)).toEqual([ids.training, ids.obrien, ids.dave, ids.rejected]);
    const rejected = listed[3]!;
    expect(rejected).toMatchObject({
      status: 'COMPLETED',
      searchAttributes: { WindsockModel: model, WindsockStage: 'rejected', WindsockSubmittedBy: 'alice' },
      runId: expect.stringMatching(/\S/),
    });
    expect(Date.parse(rejected.closeTime!)).toBeGreaterThanOrEqual(Date.parse(rejected.startTime!));
    expect(listed[0]).toMatchObject({ status: 'RUNNING', closeTime: undefined, searchAttributes: { WindsockStage: 'training', WindsockSubmittedBy: 'alice' } });
  });

  it('filters by stage and by a submitter whose name holds quotes', async () => {
    await settled();
    expect(idsOf(await list({ model, stage: 'awaiting_approval' }))).toEqual([ids.obrien, ids.dave]);
    expect(idsOf(await list({ model, submittedBy: "o'brien (ops)" }))).toEqual([ids.obrien]);
    expect(idsOf(await list({ model, submittedBy: "o'brien" }))).toEqual([]);
  });

  it('gives each approver what waits for them, never their own', async () => {
    await settled();
    expect(idsOf(await list({ model, approvableBy: 'dave' }))).toEqual([ids.obrien]);
    expect(idsOf(await list({ model, approvableBy: "o'brien (ops)" }))).toEqual([ids.dave]);
    expect(idsOf(await list({ model, approvableBy: 'bob' }))).toEqual([ids.obrien, ids.dave]);
  });

  it('pages with the store\'s token', async () => {
    const all = idsOf(await settled());
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await gateway().list({ query: pipelineListQuery({ model }), pageSize: 1, ...(token ? { nextPageToken: token } : {}) });
      seen.push(...idsOf(page.workflows));
      token = page.nextPageToken;
      if (token) expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (token && pages < 10);
    expect(seen).toEqual(all);
  });

  it('lists the pipeline a retraining started (a child workflow) with its attributes', async () => {
    const listed = await waitUntil(
      'the retraining pipeline shows in visibility',
      () => list({ model: retrainModelName }),
      (l) => l.length === 1 && l[0]!.searchAttributes.WindsockStage === 'awaiting_approval',
      30_000,
    );
    expect(listed[0]!.workflowId).toMatch(new RegExp(`^${retrainModelName}-retrain-[0-9a-f]{16}$`));
    expect(listed[0]!.searchAttributes).toMatchObject({ WindsockModel: retrainModelName, WindsockStage: 'awaiting_approval', WindsockSubmittedBy: 'windsock-retrain (manual: erin)' });
  });

  it('answers GET /v1/pipelines through it: a page at a time, and the inbox of an approver', async () => {
    const all = idsOf(await settled());
    // The routes as both apps mount them, signed in as the principal the test names.
    const app = new Hono<ApiEnv>()
      .use(requestId)
      .use(async (c, next) => {
        c.set('principal', principals.find((x) => x.name === c.req.header('x-test-principal'))!);
        await next();
      })
      .route('/v1/pipelines', pipelineRoutes({ gateway: gateway(), taskQueue: w.taskQueue, templates: { get: async () => undefined, names: async () => [] }, datasets: { resolve: async (r) => r }, rollout: false }));
    app.onError(onError);
    const get = async (url: string, as = 'carol') => {
      const res = await app.request(url, { headers: { 'x-test-principal': as } });
      expect(res.status).toBe(200);
      return (await res.json()) as { pipelines: Array<{ pipelineId: string; model: string; stage: string; submittedBy: string; status: string }>; nextCursor: string | null };
    };
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const body: Awaited<ReturnType<typeof get>> = await get(`/v1/pipelines?model=${model}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...body.pipelines.map((x) => x.pipelineId));
      cursor = body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(all);
    const inbox = await get(`/v1/pipelines?model=${model}&awaitingApprovalBy=me`, 'dave');
    expect(inbox).toEqual({
      pipelines: [{ pipelineId: ids.obrien, model, stage: 'awaiting_approval', submittedBy: "o'brien (ops)", status: 'RUNNING', startTime: expect.any(String), closeTime: null }],
      nextCursor: null,
    });
  });

  it('refuses a query on a search attribute the namespace lacks with an unavailable naming the command', async () => {
    const err = await gateway().list({ query: "WindsockUnregistered = 'x'", pageSize: 1 }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WindsockError);
    expect(err).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/temporal operator search-attribute create --namespace default --name WindsockModel --type Keyword/) });
  });

  // Over gRPC the server's answer to such a token (a masked UNKNOWN) is retried by the client for tens
  // of seconds before it reaches the gateway: the route's cursor check keeps such tokens from Temporal.
  it.runIf(kind === 'http')('refuses a page token the store cannot read with a bad_request', async () => {
    for (const token of [Buffer.from('garbage').toString('base64url'), Buffer.from('{"CloseTime":"x"}').toString('base64url')]) {
      const err = await gateway().list({ query: pipelineListQuery({ model }), pageSize: 1, nextPageToken: token }).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/^cursor: not a cursor this listing gave/) });
    }
  });
});
