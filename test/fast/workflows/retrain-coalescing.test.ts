// retrainModel on stub activities: a storm of signal-with-starts on retrain:<model> makes one run and
// one pipeline, the rest folded into it; after the pipeline, drift requests in the cooldown are
// dropped while a manual one starts the next round (continue-as-new) with a pipeline of its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusQuery } from '../../../contracts/model-pipeline-messages';
import type { Notification } from '../../../contracts/notifications';
import { retrainRequestedSignal, retrainStatusQuery, retrainWorkflowId, type RetrainRequest } from '../../../contracts/retrain-model-messages';
import type { retrainModel } from '../../../workflows/retrain-model';
import { pipelineInput, pipelineStubs, type PipelineStubs } from './pipeline-stubs';
import { randomHex, startStubWorker, type StubActivities, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

let w: StubWorker;
let p: PipelineStubs;
/** Models whose retraining pipelines hold in training until the test releases them. */
const holdTraining = new Set<string>();

beforeAll(async () => {
  p = pipelineStubs();
  const retrainStubs = {
    // The model's template as retrain-activities.ts turns it into a pipeline: a gate that asks the
    // challenger to beat the champion's ROC AUC.
    async prepareRetrain({ model, pipelineId, cause }) {
      return pipelineInput(pipelineId, model, {
        params: { epochs: 3, ...(holdTraining.has(model) ? { hold: true } : {}) },
        gate: { roc_auc: { threshold: 0.9, min_absolute_change: 1e-6, greater_is_better: true } },
        submittedBy: `windsock-retrain (${cause.source}: ${cause.requestedBy})`,
        retrain: { source: cause.source, reason: cause.reason },
      });
    },
  } satisfies StubActivities;
  w = await startStubWorker('retrain-coalescing', { ...p.stubs, ...retrainStubs });
});
afterAll(async () => w?.close());

/** A model of its own whose champion the stub challenger (ROC AUC 0.95) does not beat. */
function modelWithChampion(): string {
  const model = `bc-${randomHex(6)}`;
  p.champions.set(model, { version: 1, metrics: { accuracy: 0.96, roc_auc: 0.99, f1: 0.93 } });
  return model;
}

function requestRetrain(model: string, request: RetrainRequest) {
  return w.client.workflow.signalWithStart<typeof retrainModel, [RetrainRequest]>('retrainModel', {
    workflowId: retrainWorkflowId(model),
    taskQueue: w.taskQueue,
    args: [{ model }],
    signal: retrainRequestedSignal,
    signalArgs: [request],
  });
}

/** The pipelines retrainModel started for the model: workflows that validated a dataset under its name. */
function pipelinesOf(model: string): string[] {
  return [...new Set(w.log.calls.filter((c) => c.activity === 'validateDataset' && c.workflowId.startsWith(`${model}-retrain-`)).map((c) => c.workflowId))];
}

// Concurrent: each test has a model and workflow ids of its own, and spends most of its time on timers.
describe.concurrent('retrainModel', () => {
  it('makes one run and one pipeline of many concurrent requests, folding the rest into it', async () => {
    const model = modelWithChampion();
    holdTraining.add(model);
    const drift: RetrainRequest = {
      source: 'drift',
      reason: 'drift share 0.6',
      requestedBy: 'edge-monitor',
      details: { version: 1, windowEnd: '2026-01-01T00:00:00.000Z', driftShare: 0.6, driftedFeatures: ['mean_radius'] },
    };
    const requests = 25;
    const responses = await Promise.all(Array.from({ length: requests }, () => requestRetrain(model, drift)));
    expect(new Set(responses.map((r) => r.signaledRunId)).size).toBe(1);

    // Training holds, so every request arrived while the one pipeline ran.
    const handle = w.client.workflow.getHandle<typeof retrainModel>(retrainWorkflowId(model));
    const running = await waitUntil(
      'every request is folded into the running pipeline',
      () => handle.query(retrainStatusQuery),
      (s) => s.state === 'running' && s.coalesced === requests - 1 && w.log.callsOf(s.pipelineId ?? '', 'trainModel').length > 0,
    );
    expect(running.cause).toEqual(drift);
    const pipelineId = running.pipelineId!;
    p.releaseTraining(pipelineId);

    const done = await handle.result();
    expect(done).toMatchObject({ state: 'done', pipelineId, outcome: 'not_better', coalesced: requests - 1, droppedInCooldown: 0, cause: drift });
    expect((await handle.describe()).runId).toBe(responses[0]!.signaledRunId);
    expect(w.log.inputs(retrainWorkflowId(model), 'prepareRetrain')).toEqual([{ model, pipelineId, cause: drift }]);
    expect(pipelinesOf(model)).toEqual([pipelineId]);
    expect(w.log.inputs(pipelineId, 'trainModel')).toHaveLength(1);

    // The challenger did not beat the champion: not_better, and nothing registered.
    const pipeline = await w.client.workflow.getHandle(pipelineId).query(statusQuery);
    expect(pipeline).toMatchObject({ stage: 'not_better', retrain: { source: 'drift', reason: 'drift share 0.6' }, notBetter: { champion: { version: 1 } } });
    expect(w.log.inputs(pipelineId, 'registerVersion')).toEqual([]);

    const notices = await waitUntil(
      'the drift notice is sent',
      () => w.log.calls.filter((c) => c.activity === 'sendNotification' && (c.input as Notification).model === model).map((c) => c.input as Notification),
      (sent) => sent.length > 0,
    );
    expect(notices).toEqual([expect.objectContaining({ kind: 'drift_detected', model, pipelineId, driftShare: 0.6, driftedFeatures: ['mean_radius'] })]);
  });

  it('drops drift requests during the cooldown, and runs a manual one that arrives then as the next round', async () => {
    const model = modelWithChampion();
    const drift: RetrainRequest = { source: 'drift', reason: 'drift share 0.5', requestedBy: 'edge-monitor', cooldownSeconds: 120 };
    const first = await requestRetrain(model, drift);
    const handle = w.client.workflow.getHandle<typeof retrainModel>(retrainWorkflowId(model));
    const cooling = await waitUntil('the retrain cools down', () => handle.query(retrainStatusQuery), (s) => s.state === 'cooldown');
    expect(cooling).toMatchObject({ outcome: 'not_better', cooldownSeconds: 120, coalesced: 0, droppedInCooldown: 0 });

    const again = await requestRetrain(model, drift);
    expect(again.signaledRunId).toBe(first.signaledRunId);
    const dropped = await waitUntil('the drift request is dropped', () => handle.query(retrainStatusQuery), (s) => s.droppedInCooldown === 1);
    expect(dropped.state).toBe('cooldown');
    expect(pipelinesOf(model)).toHaveLength(1);

    const manual: RetrainRequest = { source: 'manual', reason: 'new labels landed', requestedBy: 'root' };
    const next = await requestRetrain(model, manual);
    expect(next.signaledRunId).toBe(first.signaledRunId);
    const done = await handle.result();
    expect(done).toMatchObject({ state: 'done', cause: manual, outcome: 'not_better', coalesced: 0, droppedInCooldown: 0 });
    expect((await handle.describe()).runId).not.toBe(first.signaledRunId);

    // Both runs share the workflow id: the cooling run's one request, then the one it carried over.
    expect(w.log.inputs(retrainWorkflowId(model), 'prepareRetrain').map((i) => i.cause)).toEqual([drift, manual]);
    expect(pipelinesOf(model)).toHaveLength(2);
    expect(pipelinesOf(model)).toContain(done.pipelineId);
  });
});
