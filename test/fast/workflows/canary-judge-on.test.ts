// canaryRollout with a policy that judges on live accuracy (judgeOn): a canary whose labelled
// accuracy falls below stable's is rolled back though its errors, latency and class mix look fine; a
// class-mix change is not held against it when judgeOn leaves class_mix out; and a policy without
// judgeOn never reads accuracy (the path every older rollout took).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rolloutWorkflowId, type RolloutInput } from '../../../contracts/canary-rollout-messages';
import type { VersionSketch } from '../../../core/monitoring/version-sketch';
import type { LabelledAccuracy } from '../../../core/rollout/canary-decision';
import type { canaryRollout } from '../../../workflows/canary-rollout';
import { edgeStubs, healthyWindow, versionSketch, type EdgeStubs } from './edge-stubs';
import { pipelineStubs } from './pipeline-stubs';
import { randomHex, startStubWorker, type StubWorker } from './stub-worker';

let w: StubWorker;
let edge: EdgeStubs;
beforeAll(async () => {
  edge = edgeStubs();
  w = await startStubWorker('canary-judge-on', { ...pipelineStubs().stubs, ...edge.stubs });
});
afterAll(async () => w?.close());

const STABLE = 1;
const CANARY = 2;

async function rollout(policy: RolloutInput['policy'], window: Record<string, VersionSketch>, accuracy?: Record<string, LabelledAccuracy>) {
  const model = `bc-${randomHex(6)}`;
  edge.traffic.set(model, { weights: { [STABLE]: 100 }, step: 1 });
  edge.windows.set(model, window);
  if (accuracy) edge.accuracies.set(model, accuracy);
  const pipelineId = w.newId(model);
  const input: RolloutInput = { pipelineId, model, version: CANARY, strategy: 'canary', steps: [10, 100], bakeSeconds: 0.2, requestedBy: 'bob', policy };
  const handle = await w.client.workflow.start<typeof canaryRollout>('canaryRollout', { taskQueue: w.taskQueue, workflowId: rolloutWorkflowId(pipelineId), args: [input] });
  return { id: handle.workflowId, done: await handle.result() };
}

/** The canary predicts the other class far more often than stable does: a class-mix change. */
const shiftedMix = { [STABLE]: versionSketch({ requests: 400, predictions: [200, 200] }), [CANARY]: versionSketch({ requests: 100, predictions: [90, 10] }) };

describe.concurrent('canaryRollout judging on accuracy', () => {
  it('rolls back a canary whose live accuracy falls below stable\'s', async () => {
    const { id, done } = await rollout({ judgeOn: ['errors', 'latency', 'accuracy'], minLabels: 40 }, healthyWindow(STABLE, CANARY), {
      [STABLE]: { labelled: 300, accuracy: 0.93 },
      [CANARY]: { labelled: 60, accuracy: 0.8 },
    });
    expect(done.stage).toBe('rolled_back');
    expect(done.outcome!.reason).toMatch(/canary accuracy 0\.8000 on 60 labels is below 0\.9100 \(stable's 0\.9300 less 0\.02\)/);
    expect(done.analyses[0]!.checks.find((c) => c.name === 'accuracy')).toMatchObject({ passed: false, canary: 0.8, stable: 0.93 });
    expect(w.log.callsOf(id, 'readEdgeAccuracy')).toHaveLength(1);
  });

  it('promotes a canary whose class mix moved when judgeOn leaves class_mix out, judging accuracy once labels arrived', async () => {
    const { done } = await rollout({ judgeOn: ['errors', 'latency', 'accuracy'] }, shiftedMix, {
      [STABLE]: { labelled: 300, accuracy: 0.9 },
      [CANARY]: { labelled: 80, accuracy: 0.95 },
    });
    expect(done.stage).toBe('promoted');
    const checks = done.analyses[0]!.checks;
    expect(checks.find((c) => c.name === 'prediction_divergence')).toMatchObject({ passed: null, message: "not judged: the policy's judgeOn leaves out class_mix" });
    expect(checks.find((c) => c.name === 'accuracy')).toMatchObject({ passed: true });
  });

  it('does not judge accuracy before enough labels arrived', async () => {
    const { done } = await rollout({ judgeOn: ['errors', 'accuracy'] }, healthyWindow(STABLE, CANARY), { [CANARY]: { labelled: 3, accuracy: 0 } });
    expect(done.stage).toBe('promoted');
    expect(done.analyses[0]!.checks.find((c) => c.name === 'accuracy')).toMatchObject({ passed: null });
  });

  it('reads no accuracy and judges the class mix under a policy without judgeOn', async () => {
    const { id, done } = await rollout({}, shiftedMix);
    expect(done.stage).toBe('rolled_back');
    expect(done.outcome!.reason).toMatch(/predicted-class mixes exceeds/);
    expect(done.analyses[0]!.checks.map((c) => c.name)).not.toContain('accuracy');
    expect(w.log.callsOf(id, 'readEdgeAccuracy')).toEqual([]);
  });
});
