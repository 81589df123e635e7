// canaryRollout on stub edge activities: a healthy canary is promoted step by step, a failing one is
// rolled back with stable's weights restored and the version marked, an abort rolls back at once, a
// pause holds the step past its bake until resumed, and promote-now skips the remaining bakes.
import type { WorkflowHandle } from '@temporalio/client';
import type { TrafficState } from '../../../activities/edge-activities';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  abortRolloutSignal,
  pauseRolloutSignal,
  promoteRolloutSignal,
  resumeRolloutSignal,
  rolloutStatusQuery,
  rolloutWorkflowId,
  type RolloutInput,
  type RolloutStatus,
} from '../../../contracts/canary-rollout-messages';
import type { Notification } from '../../../contracts/notifications';
import type { VersionSketch } from '../../../core/monitoring/version-sketch';
import type { canaryRollout } from '../../../workflows/canary-rollout';
import { edgeStubs, failingWindow, healthyWindow, type EdgeStubs } from './edge-stubs';
import { pipelineStubs } from './pipeline-stubs';
import { randomHex, startStubWorker, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

let w: StubWorker;
let edge: EdgeStubs;
beforeAll(async () => {
  edge = edgeStubs();
  w = await startStubWorker('canary-rollout', { ...pipelineStubs().stubs, ...edge.stubs });
});
afterAll(async () => w?.close());

const STABLE = 1;
const CANARY = 2;

/** Version 2 of a model of its own rolling out over version 1, which serves all its traffic (unless `serving` says otherwise). */
async function startRollout(
  plan: Partial<RolloutInput>,
  window?: (stable: number, canary: number) => Record<string, VersionSketch>,
  serving: TrafficState | null = { weights: { [STABLE]: 100 }, step: 1 },
) {
  const model = `bc-${randomHex(6)}`;
  if (serving) edge.traffic.set(model, serving);
  if (window) edge.windows.set(model, window(STABLE, CANARY));
  const pipelineId = w.newId(model);
  const input: RolloutInput = { pipelineId, model, version: CANARY, strategy: 'canary', steps: [10, 50, 100], bakeSeconds: 0.5, requestedBy: 'bob', ...plan };
  const handle = await w.client.workflow.start<typeof canaryRollout>('canaryRollout', { taskQueue: w.taskQueue, workflowId: rolloutWorkflowId(pipelineId), args: [input] });
  return { handle, id: handle.workflowId, model, pipelineId };
}

function rolloutAt(handle: WorkflowHandle<typeof canaryRollout>, stage: RolloutStatus['stage']): Promise<RolloutStatus> {
  return waitUntil(`the rollout is ${stage}`, () => handle.query(rolloutStatusQuery), (s) => s.stage === stage);
}

// Concurrent: each test has a model and workflow ids of its own, and spends most of its time on timers.
describe.concurrent('canaryRollout', () => {
  it('promotes a healthy canary through every step, analysing each bake window from when its weights applied', async () => {
    const { handle, id, model } = await startRollout({}, healthyWindow);
    const done = await handle.result();
    expect(done).toMatchObject({ stage: 'promoted', stableVersion: STABLE, percent: 100, weights: { [CANARY]: 100 } });
    expect(done.outcome).toEqual({ result: 'promoted', reason: 'passed 2 analyses' });
    expect(done.analyses.map((a) => [a.percent, a.verdict])).toEqual([[10, 'promote'], [50, 'promote']]);

    expect(w.log.inputs(id, 'publishToEdge')).toEqual([{ model, version: CANARY }]);
    expect(w.log.inputs(id, 'setEdgeWeights')).toEqual([
      { model, weights: { [STABLE]: 90, [CANARY]: 10 }, step: 2 },
      { model, weights: { [STABLE]: 50, [CANARY]: 50 }, step: 3 },
      { model, weights: { [CANARY]: 100 }, step: 4 },
    ]);
    expect(edge.traffic.get(model)).toEqual({ weights: { [CANARY]: 100 }, step: 4 });
    const sets = w.log.callsOf(id, 'setEdgeWeights');
    const reads = w.log.callsOf(id, 'readEdgeSketches');
    expect(reads).toHaveLength(2);
    reads.forEach((read, i) => {
      const from = Date.parse(w.log.inputs(id, 'readEdgeSketches')[i]!.from);
      expect(from).toBeGreaterThanOrEqual(sets[i]!.at);
      expect(from).toBeLessThanOrEqual(read.at);
    });
    expect(w.log.inputs(id, 'markVersion')).toEqual([]);
    expect(w.log.events(id)).toEqual(['rollout.weights', 'rollout.analysis', 'rollout.weights', 'rollout.analysis', 'rollout.weights', 'rollout.promoted']);
  });

  it('rolls back a canary on its error rate, restoring stable, marking the version and telling people', async () => {
    const { handle, id, model, pipelineId } = await startRollout({}, failingWindow);
    const done = await handle.result();
    expect(done).toMatchObject({ stage: 'rolled_back', percent: 0, weights: { [STABLE]: 100, [CANARY]: 0 } });
    expect(done.outcome!.result).toBe('rolled_back');
    expect(done.outcome!.reason).toMatch(/canary error rate 10\.0% \(10 of 100\) exceeds/);
    expect(done.analyses.map((a) => [a.percent, a.verdict])).toEqual([[10, 'rollback']]);

    // It never went past the first step, and stable has all the traffic again.
    expect(w.log.inputs(id, 'setEdgeWeights')).toEqual([
      { model, weights: { [STABLE]: 90, [CANARY]: 10 }, step: 2 },
      { model, weights: { [STABLE]: 100, [CANARY]: 0 }, step: 3 },
    ]);
    expect(edge.traffic.get(model)!.weights).toEqual({ [STABLE]: 100, [CANARY]: 0 });
    expect(w.log.inputs(id, 'markVersion')).toEqual([{ model, version: CANARY, status: 'rolled_back', reason: done.outcome!.reason }]);

    // The notice goes out from its own background workflow.
    const notices = await waitUntil(
      'the rollback notice is sent',
      () => w.log.calls.filter((c) => c.activity === 'sendNotification' && (c.input as Notification).pipelineId === pipelineId).map((c) => c.input as Notification),
      (sent) => sent.length > 0,
    );
    expect(notices).toEqual([expect.objectContaining({ kind: 'rollout_rolled_back', model, version: CANARY, stableVersion: STABLE, reason: done.outcome!.reason })]);
  });

  it('rolls back at once on abort, without waiting out the bake or analysing', async () => {
    const { handle, id, model } = await startRollout({ bakeSeconds: 3600 }, healthyWindow);
    await rolloutAt(handle, 'baking');
    await handle.signal(abortRolloutSignal, { principal: 'bob', reason: 'saw enough' });
    const done = await handle.result();
    expect(done).toMatchObject({ stage: 'rolled_back', analyses: [], outcome: { result: 'rolled_back', reason: 'aborted by bob: saw enough' } });
    expect(w.log.inputs(id, 'readEdgeSketches')).toEqual([]);
    expect(w.log.inputs(id, 'setEdgeWeights').map((s) => s.weights)).toEqual([
      { [STABLE]: 90, [CANARY]: 10 },
      { [STABLE]: 100, [CANARY]: 0 },
    ]);
    expect(edge.traffic.get(model)!.weights).toEqual({ [STABLE]: 100, [CANARY]: 0 });
    expect(w.log.inputs(id, 'markVersion')).toEqual([{ model, version: CANARY, status: 'rolled_back', reason: 'aborted by bob: saw enough' }]);
  });

  it('ends without touching the weights when a newer change (a rollback) overtook it: they are never restored over it', async () => {
    const { handle, id, model } = await startRollout({ bakeSeconds: 1 }, healthyWindow);
    await rolloutAt(handle, 'baking');
    // A rollback to stable takes the next step while the canary bakes; the canary's next shift takes the same number.
    const rollback = { weights: { [STABLE]: 100 }, step: edge.traffic.get(model)!.step + 1 };
    edge.traffic.set(model, rollback);
    const done = await handle.result();
    expect(done).toMatchObject({ stage: 'rolled_back', outcome: { result: 'rolled_back', reason: expect.stringMatching(/^overtaken by a newer traffic change/) } });
    expect(edge.traffic.get(model)).toEqual(rollback);
    expect(w.log.inputs(id, 'setEdgeWeights').map((s) => s.weights)).toEqual([
      { [STABLE]: 90, [CANARY]: 10 },
      { [STABLE]: 50, [CANARY]: 50 },
    ]);
    expect(w.log.inputs(id, 'markVersion')).toEqual([{ model, version: CANARY, status: 'rolled_back', reason: expect.stringMatching(/^overtaken/) }]);
  });

  it('holds a paused step past its bake, then bakes it again in full after resuming and promotes', async () => {
    const bakeSeconds = 1;
    const { handle, id, model } = await startRollout({ steps: [10, 100], bakeSeconds }, healthyWindow);
    // Paused at once, so the pause lands before the first bake ends however slow the machine is.
    await handle.signal(pauseRolloutSignal, { principal: 'bob', reason: 'checking dashboards' });
    expect(await rolloutAt(handle, 'paused')).toMatchObject({ paused: true, percent: 10, analyses: [] });

    // The one fixed wait: longer than a bake, to show the paused step neither analyses nor moves on.
    await new Promise((resolve) => setTimeout(resolve, bakeSeconds * 1000 + 1000));
    expect(await handle.query(rolloutStatusQuery)).toMatchObject({ stage: 'paused', paused: true, percent: 10, analyses: [] });
    expect(w.log.inputs(id, 'readEdgeSketches')).toEqual([]);
    expect(w.log.inputs(id, 'setEdgeWeights')).toHaveLength(1);
    expect(edge.traffic.get(model)!.weights).toEqual({ [STABLE]: 90, [CANARY]: 10 });

    const resumedAt = Date.now();
    await handle.signal(resumeRolloutSignal, { principal: 'bob' });
    const done = await handle.result();
    expect(done).toMatchObject({ stage: 'promoted', paused: false, outcome: { result: 'promoted' } });
    expect(done.analyses.map((a) => [a.percent, a.verdict])).toEqual([[10, 'promote']]);
    const [read] = w.log.callsOf(id, 'readEdgeSketches');
    expect(read!.at - resumedAt).toBeGreaterThanOrEqual(bakeSeconds * 1000);
    expect(edge.traffic.get(model)!.weights).toEqual({ [CANARY]: 100 });
    // Who paused and resumed, and why, are in the audit log.
    const audited = w.log.inputs(id, 'recordPipelineEvent').filter((e) => e.event === 'rollout.paused' || e.event === 'rollout.resumed');
    expect(audited).toMatchObject([
      { event: 'rollout.paused', actor: 'bob', details: { percent: 10, by: 'bob', reason: 'checking dashboards' } },
      { event: 'rollout.resumed', actor: 'bob', details: { percent: 10, by: 'bob' } },
    ]);
  });

  it('promotes at once on promote-now, skipping the remaining bakes', async () => {
    const { handle, id, model } = await startRollout({ bakeSeconds: 3600 }, healthyWindow);
    await rolloutAt(handle, 'baking');
    await handle.signal(promoteRolloutSignal, { principal: 'root', reason: 'the canary is the fix for an outage' });
    const done = await handle.result();
    expect(done).toMatchObject({ stage: 'promoted', analyses: [], outcome: { result: 'promoted', reason: 'promoted early by root: the canary is the fix for an outage' } });
    expect(w.log.inputs(id, 'setEdgeWeights').map((s) => s.weights)).toEqual([{ [STABLE]: 90, [CANARY]: 10 }, { [CANARY]: 100 }]);
    expect(edge.traffic.get(model)!.weights).toEqual({ [CANARY]: 100 });
  });

  it('sends the first version of a model straight to all traffic: there is no stable to compare with', async () => {
    const { handle, id, model } = await startRollout({ version: 1 }, undefined, null);
    const done = await handle.result();
    expect(done).toMatchObject({ stage: 'promoted', stableVersion: null, analyses: [], outcome: { result: 'promoted' } });
    expect(w.log.inputs(id, 'setEdgeWeights')).toEqual([{ model, weights: { 1: 100 }, step: 1 }]);
  });
});
