// A degraded window end to end on the serving side's real parts: predictions and labels in a libSQL
// serving store, the drift monitor run by its schedule several times over the window, retrain requests
// through the Temporal gateway into retrainModel on stub activities. One window below the floor makes
// one retrain request, one pipeline and one accuracy_degraded webhook.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fixture from '../../fixtures/breast-cancer-serving.json';
import type { Notification } from '../../../contracts/notifications';
import { retrainWorkflowId, type RetrainRequest } from '../../../contracts/retrain-model-messages';
import { openServingStore } from '../../../api/node-serving/open-serving-store';
import { runDriftMonitor } from '../../../api/serving/drift-monitor';
import { GroundTruthStore } from '../../../api/serving/ground-truth-store';
import { temporalRetrainRequester } from '../../../api/serving/temporal-retrain-requester';
import { GrpcTemporalGateway } from '../../../api/temporal/grpc-temporal-gateway';
import type { ServingStore } from '../../../api/serving/serving-store';
import type { ModelSignature } from '../../../core/serving/model-signature';
import type { ReferenceProfile } from '../../../core/monitoring/reference-profile';
import type { retrainModel } from '../../../workflows/retrain-model';
import { pipelineInput, pipelineStubs, type PipelineStubs } from './pipeline-stubs';
import { randomHex, startStubWorker, type StubActivities, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

let w: StubWorker;
let p: PipelineStubs;
let store: ServingStore;
let closeStore: () => void;

beforeAll(async () => {
  p = pipelineStubs();
  const retrainStubs = {
    async prepareRetrain({ model, pipelineId, cause }) {
      return pipelineInput(pipelineId, model, {
        gate: { roc_auc: { threshold: 0.9, min_absolute_change: 1e-6, greater_is_better: true } },
        submittedBy: `windsock-retrain (${cause.source}: ${cause.requestedBy})`,
        retrain: { source: cause.source, reason: cause.reason },
      });
    },
  } satisfies StubActivities;
  w = await startStubWorker('accuracy-degraded', { ...p.stubs, ...retrainStubs });
  const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-accuracy-'));
  const opened = await openServingStore(`file:${path.join(home, 'serving.db')}`);
  store = opened.store;
  closeStore = () => opened.client.close();
});
afterAll(async () => {
  closeStore?.();
  await w?.close();
});

/** A served model whose champion the stub challenger does not beat, with `right` of `labelled` predictions labelled correctly. */
async function servedModel(now: number, labelled: number, right: number): Promise<string> {
  const model = `acc-${randomHex(6)}`;
  p.champions.set(model, { version: 1, metrics: { accuracy: 0.96, roc_auc: 0.99, f1: 0.93 } });
  await store.publish({
    modelName: model,
    version: 1,
    artifactKey: `models/${model}/1/x.onnx`,
    artifactSha256: fixture.sha256,
    signature: fixture.signature as ModelSignature,
    referenceProfile: fixture.referenceProfile as ReferenceProfile,
    publishedBy: 'test',
    publishedAt: new Date(now),
  });
  await store.setTraffic(model, { '1': 100 }, 1, 'test');
  await store.setRetrainPolicy(model, { cooldown: 1, accuracy: { floor: 0.9, minLabels: 20, window: '1h' } });
  const truth = new GroundTruthStore(store.db);
  const ids = Array.from({ length: labelled }, (_, i) => `r-${i}`);
  await truth.appendPredictions(ids.map((requestId, i) => ({ modelName: model, requestId, version: 1, predictedClass: 1, servedAt: now - 30 * 60_000 + i })));
  await truth.saveLabels(model, ids.map((requestId, i) => ({ requestId, label: i < right ? 1 : 0 })), new Date(now - 10 * 60_000));
  return model;
}

describe('a window whose live accuracy falls below the floor', () => {
  it('sends one accuracy_degraded webhook and one retrain request however often the monitor runs in it', async () => {
    const now = Date.now();
    const model = await servedModel(now, 40, 28);
    const requests: RetrainRequest[] = [];
    const gateway = temporalRetrainRequester(new GrpcTemporalGateway(w.client), w.taskQueue);
    const retrain = { requestRetrain: (m: string, r: RetrainRequest) => (m === model && requests.push(r), gateway.requestRetrain(m, r)) };

    // The cron runs every 5 minutes; all three runs see the same degraded hour.
    const runs = [];
    for (const at of [now, now + 5 * 60_000, now + 10 * 60_000]) runs.push(await runDriftMonitor(store, at, { retrain }));
    const checks = runs.map((results) => results.find((r) => r.model === model)!.accuracy!);
    expect(checks[0]).toMatchObject({ version: 1, labelled: 40, accuracy: 0.7, floor: 0.9, requested: true, decision: { trigger: true, reason: 'below_floor' } });
    expect(checks[1]).toMatchObject({ decision: { trigger: false, reason: 'already_alerted' } });
    expect(checks[2]).toMatchObject({ decision: { trigger: false, reason: 'already_alerted' } });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ source: 'accuracy', requestedBy: 'accuracy-monitor', details: { version: 1, accuracy: 0.7, floor: 0.9, labelled: 40 } });

    const handle = w.client.workflow.getHandle<typeof retrainModel>(retrainWorkflowId(model));
    const done = await handle.result();
    expect(done).toMatchObject({ state: 'done', outcome: 'not_better', cause: { source: 'accuracy' } });
    const notices = await waitUntil(
      'the accuracy notice is sent',
      () => w.log.calls.filter((c) => c.activity === 'sendNotification' && (c.input as Notification).model === model).map((c) => c.input as Notification),
      (sent) => sent.length > 0,
    );
    expect(notices).toEqual([
      expect.objectContaining({ kind: 'accuracy_degraded', model, version: 1, accuracy: 0.7, floor: 0.9, labelled: 40, pipelineId: done.pipelineId, windowEnd: new Date(now).toISOString() }),
    ]);

    // An hour on, the degraded predictions (served 30 minutes before `now`) have left the window.
    const later = await runDriftMonitor(store, now + 61 * 60_000, { retrain });
    expect(later.find((r) => r.model === model)?.accuracy).toBeUndefined();
    expect(requests).toHaveLength(1);
  });

  it('asks for nothing while accuracy holds the floor or too few labels arrived', async () => {
    const now = Date.now();
    const healthy = await servedModel(now, 40, 38);
    const sparse = await servedModel(now, 10, 0);
    const requests: string[] = [];
    const results = await runDriftMonitor(store, now, { retrain: { requestRetrain: async (m) => void requests.push(m) } });
    expect(results.find((r) => r.model === healthy)!.accuracy).toMatchObject({ accuracy: 0.95, decision: { trigger: false, reason: 'at_or_above_floor' } });
    expect(results.find((r) => r.model === sparse)!.accuracy).toMatchObject({ labelled: 10, decision: { trigger: false, reason: 'insufficient_labels' } });
    expect(requests.filter((m) => m === healthy || m === sparse)).toEqual([]);
  });
});
