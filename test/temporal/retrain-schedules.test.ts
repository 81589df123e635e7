// Retraining schedules on a real dev server: Temporal Schedules that ask retrain:<model> for a retrain,
// so ticks during a pipeline fold into it instead of starting a second; pause stops the ticks, trigger
// runs one, delete removes the schedule, and reconcileSchedules recreates one Temporal lost.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcRetrainScheduleGateway } from '../../api/control/grpc-retrain-schedule-gateway';
import { reconcileSchedules } from '../../api/control/reconcile-schedules';
import { temporalScheduleId } from '../../api/control/retrain-schedule-gateway';
import { pipelineTemplateSchema, type PipelineTemplate } from '../../core/pipeline/pipeline-template';
import { projectRoot } from '../../config/project-root';
import { retrainWorkflowId, type RetrainStatus } from '../../contracts/retrain-model-messages';
import { exampleDataset, startHarness, type Harness } from './pipeline-harness';

const MODEL = 'breast-cancer';
const base = `/v1/models/${MODEL}/schedules`;

let h: Harness;
let freshData: string;
let baseTemplate: PipelineTemplate;

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const retrain = () => h.client.workflow.getHandle(retrainWorkflowId(MODEL));
const retrainStatus = () => retrain().query<RetrainStatus>('retrainStatus');

async function reject(pipelineId: string) {
  const res = await h.request('POST', `/v1/pipelines/${pipelineId}/reject`, { as: 'bob', body: { reason: 'test' } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
}

function expectError(res: { status: number; body: any }, status: number, message: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body.error.message).toMatch(message);
}

beforeAll(async () => {
  h = await startHarness('schedules');
  baseTemplate = (await h.registry.getModel(MODEL))!.template;
  freshData = mkdtempSync(path.join(os.tmpdir(), 'windsock-fresh-'));
  copyFileSync(path.join(projectRoot, exampleDataset), path.join(freshData, 'batch-0001.csv'));
  // A fast retrain (two epochs, no gate thresholds) that reaches approval and waits there.
  const template = pipelineTemplateSchema.parse({ ...baseTemplate, params: { epochs: 2, lr: 0.001, hidden: 4, seed: 42 }, gate: {}, retrain: { dataset: freshData } });
  await h.registry.saveTemplate(MODEL, template, 'schedules test', 'test');
  const { retrain: _none, ...withoutRetrain } = baseTemplate;
  await h.registry.saveTemplate('no-retrain', pipelineTemplateSchema.parse(withoutRetrain), 'no retrain settings', 'test');
});
afterAll(async () => {
  await h?.close();
  rmSync(freshData, { recursive: true, force: true });
});

describe('retraining schedules', () => {
  it('refuses bad requests with 400, 403, 404 and 409, leaving nothing behind', async () => {
    const post = (body: unknown, as = 'root') => h.request('POST', base, { as, body });
    expectError(await post({ id: 'both', cron: '0 3 * * *', every: '1h' }), 400, /body\.every: give exactly one of cron and every/);
    expectError(await post({ id: 'neither' }), 400, /body: give exactly one of cron and every/);
    expectError(await post({ id: 'soon', every: 'soon' }), 400, /body\.every: a whole number of seconds/);
    expectError(await post({ id: 'short', every: '1h', catchupWindow: '1s' }), 400, /body\.catchupWindow: .*at least 10 s/);
    expectError(await post({ id: 'Bad Id', every: '1h' }), 400, /body\.id/);
    expectError(await post({ id: 'x', every: '1h', jitter: '1m' }), 400, /Unrecognized key.*jitter/);
    expectError(await post({ id: 'badcron', cron: '61 25 * * *' }), 400, /Temporal refused the schedule/);
    expectError(await h.request('POST', '/v1/models/no-retrain/schedules', { as: 'root', body: { every: '1h' } }), 400, /no retrain settings/);
    expectError(await h.request('POST', '/v1/models/nope/schedules', { as: 'root', body: { every: '1h' } }), 404, /unknown model 'nope'/);
    expectError(await post({ every: '1h' }, 'alice'), 403, /needs admin/);
    expectError(await h.request('GET', `${base}/missing`, { as: 'carol' }), 404, /no retraining schedule 'missing'/);
    expectError(await h.request('POST', `${base}/missing/pause`, { as: 'root', body: {} }), 404, /no retraining schedule/);
    expectError(await h.request('POST', `${base}/missing/trigger`, { as: 'root' }), 404, /no retraining schedule/);
    expectError(await h.request('DELETE', `${base}/missing`, { as: 'root' }), 404, /no retraining schedule/);

    // Nothing of the refused requests stays in the registry or in Temporal.
    expect(await h.registry.listRetrainSchedules()).toEqual([]);
    await expect(h.client.schedule.getHandle(temporalScheduleId(MODEL, 'badcron')).describe()).rejects.toThrow(ScheduleNotFoundError);

    // 409: an id the model already has, and an id Temporal has that Windsock does not know.
    const created = await post({ id: 'dup', cron: '0 3 * * *', paused: true });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expectError(await post({ id: 'dup', every: '1h' }), 409, /already has a retraining schedule 'dup'/);
    for (const as of ['carol', 'alice']) {
      expectError(await h.request('POST', `${base}/dup/pause`, { as, body: {} }), 403, /needs admin/);
      expectError(await h.request('POST', `${base}/dup/trigger`, { as }), 403, /needs admin/);
      expectError(await h.request('DELETE', `${base}/dup`, { as }), 403, /needs admin/);
    }
    await h.client.schedule.create({
      scheduleId: temporalScheduleId(MODEL, 'orphan'),
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'scheduledRetrain', taskQueue: h.taskQueue, args: [{ model: MODEL, scheduleId: 'orphan' }] },
      state: { paused: true },
    });
    expectError(await post({ id: 'orphan', every: '1h' }), 409, /Temporal already has a schedule/);
    expect(await h.registry.getRetrainSchedule(MODEL, 'orphan')).toBeUndefined();
    expect((await h.request('DELETE', `${base}/orphan`, { as: 'root' })).status).toBe(204);
    await expect(h.client.schedule.getHandle(temporalScheduleId(MODEL, 'orphan')).describe()).rejects.toThrow(ScheduleNotFoundError);
    expect((await h.request('DELETE', `${base}/dup`, { as: 'root' })).status).toBe(204);
  });

  it('starts retrain pipelines every 2 s, one at a time; pause stops them, trigger runs one, delete removes the schedule', async () => {
    const created = await h.request('POST', base, { as: 'root', body: { id: 'fast', every: 2, note: 'test' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      id: 'fast',
      temporalScheduleId: 'retrain-schedule:breast-cancer:fast',
      spec: { every: '2s', everySeconds: 2 },
      paused: false,
      overlap: 'skip',
      catchupWindowSeconds: 3600,
    });
    expect(created.body.temporal.nextActionTimes.length).toBeGreaterThan(0);

    // The first tick starts a pipeline; the ticks while it waits for approval fold into it.
    const first = await until('a first scheduled pipeline', async () => (await retrainStatus()).pipelineId);
    expect((await retrainStatus()).cause).toMatchObject({ source: 'schedule', requestedBy: 'schedule:fast', reason: 'schedule fast' });
    const waiting = await h.waitForStage(first, ['awaiting_approval', 'failed', 'not_better'], 60_000);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    expect(waiting.retrain).toMatchObject({ source: 'schedule', datasetLocation: freshData });
    await until('a tick folded into the running pipeline', async () => (await retrainStatus()).coalesced >= 1);
    const listed = await h.request('GET', base, { as: 'carol' });
    expect(listed.status).toBe(200);
    const [fast] = listed.body.schedules;
    expect(fast.temporal.actionCount).toBeGreaterThanOrEqual(2);
    expect(fast.temporal.recentActions[0].workflowId).toMatch(/^retrain-schedule-breast-cancer-fast-/);

    // Once that pipeline ends, the next tick starts the next one, never beside it.
    await reject(first);
    const second = await until('a second scheduled pipeline', async () => {
      const id = (await retrainStatus()).pipelineId;
      return id !== first && id;
    });
    const one = await h.client.workflow.getHandle(first).describe();
    const two = await until('the second pipeline workflow', () => h.client.workflow.getHandle(second).describe());
    expect(one.closeTime!.getTime()).toBeLessThanOrEqual(two.startTime.getTime());

    // Pause: no tick after it, so nothing starts once the second pipeline ends.
    const paused = await h.request('POST', `${base}/fast/pause`, { as: 'root', body: { reason: 'maintenance' } });
    expect(paused.body).toMatchObject({ paused: true, pauseReason: 'maintenance' });
    expect((await h.registry.getRetrainSchedule(MODEL, 'fast'))!.paused).toBe(true);
    await h.waitForStage(second, ['awaiting_approval'], 60_000);
    await reject(second);
    await retrain().result();
    const actionsWhenPaused = (await h.request('GET', `${base}/fast`, { as: 'carol' })).body.temporal.actionCount;
    const closedRun = (await retrain().describe()).runId;
    await new Promise((r) => setTimeout(r, 5000)); // more than two intervals
    expect((await h.request('GET', `${base}/fast`, { as: 'carol' })).body.temporal.actionCount).toBe(actionsWhenPaused);
    expect((await retrain().describe()).runId).toBe(closedRun);

    // Trigger now: one run, though paused.
    const triggered = await h.request('POST', `${base}/fast/trigger`, { as: 'root' });
    expect(triggered.status, JSON.stringify(triggered.body)).toBe(202);
    const third = await until('the triggered pipeline', async () => {
      const d = await retrain().describe();
      return d.runId !== closedRun && (await retrainStatus()).pipelineId;
    });
    expect((await retrainStatus()).cause?.requestedBy).toBe('schedule:fast');
    expect((await h.request('GET', `${base}/fast`, { as: 'carol' })).body.temporal.actionCount).toBe(actionsWhenPaused + 1);
    await h.waitForStage(third, ['awaiting_approval'], 60_000);
    await reject(third);
    await retrain().result();

    // Resume puts next ticks back; delete removes the schedule from Temporal and the registry.
    const resumed = await h.request('POST', `${base}/fast/resume`, { as: 'root' });
    expect(resumed.body).toMatchObject({ paused: false, pauseReason: null });
    expect((await h.request('DELETE', `${base}/fast`, { as: 'root' })).status).toBe(204);
    expect((await h.request('GET', `${base}/fast`, { as: 'carol' })).status).toBe(404);
    await expect(h.client.schedule.getHandle(temporalScheduleId(MODEL, 'fast')).describe()).rejects.toThrow(ScheduleNotFoundError);
    expect(await h.registry.getRetrainSchedule(MODEL, 'fast')).toBeUndefined();
    // Whatever the resumed schedule started before the delete, it ends here.
    await retrain().terminate('test cleanup').catch(() => undefined);
  });

  it('recreates a schedule deleted behind its back from the registry, paused as recorded, once', async () => {
    const created = await h.request('POST', base, { as: 'root', body: { id: 'nightly', cron: '0 3 * * *', paused: true, catchupWindow: '6h', overlap: 'buffer_one' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await h.client.schedule.getHandle(temporalScheduleId(MODEL, 'nightly')).delete();
    expect((await h.request('GET', `${base}/nightly`, { as: 'carol' })).body.temporal).toBeNull();

    const deps = { registry: h.registry, schedules: new GrpcRetrainScheduleGateway(h.client), taskQueue: h.taskQueue };
    expect(await reconcileSchedules(deps)).toMatchObject({ created: ['retrain-schedule:breast-cancer:nightly'], failed: [] });
    const d = await h.client.schedule.getHandle(temporalScheduleId(MODEL, 'nightly')).describe();
    expect(d.state.paused).toBe(true);
    expect(d.policies).toMatchObject({ overlap: 'BUFFER_ONE', catchupWindow: 6 * 3600 * 1000 });
    const again = await reconcileSchedules(deps);
    expect(again).toMatchObject({ created: [], failed: [] });
    expect(again.present).toContain('retrain-schedule:breast-cancer:nightly');
    const shown = await h.request('GET', `${base}/nightly`, { as: 'carol' });
    expect(shown.body).toMatchObject({ spec: { cron: '0 3 * * *' }, paused: true, overlap: 'buffer_one', catchupWindowSeconds: 21600 });
    expect(shown.body.temporal).not.toBeNull();
    expect((await h.request('DELETE', `${base}/nightly`, { as: 'root' })).status).toBe(204);
  });
});
