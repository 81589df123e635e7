// An approved modelPipeline with a rollout plan on stub activities: the champion alias moves only
// after its canaryRollout child promoted the version; a rolled-back canary ends the pipeline
// rolled_back with the champion where it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutWorkflowId } from '../../../contracts/canary-rollout-messages';
import { approveSignal, finalStages, statusQuery } from '../../../contracts/model-pipeline-messages';
import type { VersionSketch } from '../../../core/monitoring/version-sketch';
import type { modelPipeline } from '../../../workflows/model-pipeline';
import { edgeStubs, failingWindow, healthyWindow, type EdgeStubs } from './edge-stubs';
import { pipelineInput, pipelineStubs } from './pipeline-stubs';
import { randomHex, startStubWorker, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

let w: StubWorker;
let edge: EdgeStubs;
beforeAll(async () => {
  edge = edgeStubs();
  w = await startStubWorker('pipeline-rollout', { ...pipelineStubs().stubs, ...edge.stubs });
});
afterAll(async () => w?.close());

/** Version 1 of a model of its own, approved by bob, rolling out over version 7 (all the edge's traffic). */
async function approvedPipeline(window: (stable: number, canary: number) => Record<string, VersionSketch>) {
  const model = `bc-${randomHex(6)}`;
  edge.traffic.set(model, { weights: { 7: 100 }, step: 5 });
  edge.windows.set(model, window(7, 1));
  const input = pipelineInput(w.newId(model), model, { rollout: { strategy: 'canary', steps: [25, 100], bakeSeconds: 0.5 } });
  const handle = await w.client.workflow.start<typeof modelPipeline>('modelPipeline', { taskQueue: w.taskQueue, workflowId: input.pipelineId, args: [input] });
  const waiting = await waitUntil('the pipeline waits for approval', () => handle.query(statusQuery), (s) => s.stage === 'awaiting_approval' || finalStages.has(s.stage));
  expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
  await handle.signal(approveSignal, { principal: 'bob' });
  return { handle, id: input.pipelineId, model };
}

// Concurrent: each test has a model and workflow ids of its own, and spends most of its time on timers.
describe.concurrent('modelPipeline rollout', () => {
  it('moves the champion only after the canary promoted the version', async () => {
    const { handle, id, model } = await approvedPipeline(healthyWindow);
    const done = await handle.result();
    expect(done.stage).toBe('succeeded');
    expect(done.rollout).toMatchObject({ stableVersion: 7, outcome: { result: 'promoted' }, analyses: [{ percent: 25, verdict: 'promote' }] });
    expect(w.log.inputs(id, 'promoteChampion')).toEqual([{ model, version: 1, by: 'bob', pipelineId: id }]);
    expect(w.log.inputs(rolloutWorkflowId(id), 'publishToEdge')).toEqual([{ model, version: 1 }]);
    expect(edge.traffic.get(model)!.weights).toEqual({ 1: 100 });
    const promotedAt = w.log.callsOf(id, 'promoteChampion')[0]!.at;
    expect(promotedAt).toBeGreaterThanOrEqual(w.log.callsOf(rolloutWorkflowId(id), 'setEdgeWeights').at(-1)!.at);
    expect(w.log.events(id).slice(-4)).toEqual(['pipeline.awaiting_approval', 'pipeline.rolling_out', 'pipeline.promoting', 'pipeline.succeeded']);
  });

  it('ends rolled_back and leaves the champion alone when the canary is rolled back', async () => {
    const { handle, id, model } = await approvedPipeline(failingWindow);
    const done = await handle.result();
    expect(done.stage).toBe('rolled_back');
    expect(done.rollout!.outcome).toMatchObject({ result: 'rolled_back', reason: expect.stringMatching(/error rate/) });
    expect(done.promoted).toBeUndefined();
    expect(w.log.inputs(id, 'recordDecision')).toEqual([expect.objectContaining({ decision: 'approved', principal: 'bob' })]);
    expect(w.log.inputs(id, 'promoteChampion')).toEqual([]);
    expect(w.log.inputs(rolloutWorkflowId(id), 'markVersion')).toEqual([expect.objectContaining({ model, version: 1, status: 'rolled_back' })]);
    expect(edge.traffic.get(model)!.weights).toEqual({ 7: 100, 1: 0 });
    expect(w.log.events(id).at(-1)).toBe('pipeline.rolled_back');
  });
});
