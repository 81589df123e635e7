// retrainModel: the one way retraining starts, whatever asked for it (drift, a schedule, a person).
// Its id is fixed per model (`retrain:<model>`) and every request arrives by signal-with-start, so a
// burst of requests yields one pipeline: requests during the pipeline are folded into it, and drift
// requests during the cooldown after it are dropped. A schedule or manual request that arrives in
// the cooldown starts the next round (continue-as-new) once the cooldown wait ends.
import { condition, continueAsNew, executeChild, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import { notifyInBackground } from './deliver-notification';
import { modelPipeline } from './model-pipeline';
import { retrainRequestedSignal, retrainStatusQuery, type RetrainInput, type RetrainRequest, type RetrainStatus } from '../contracts/retrain-model-messages';
import { accuracyDegraded } from './accuracy-degraded';

const quick = proxyActivities<activities.Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds', maximumAttempts: 20 },
});

export async function retrainModel(input: RetrainInput, carried: RetrainRequest[] = []): Promise<RetrainStatus> {
  const status: RetrainStatus = { model: input.model, state: 'waiting', coalesced: 0, droppedInCooldown: 0 };
  const pending: RetrainRequest[] = [...carried];
  setHandler(retrainStatusQuery, () => status);
  setHandler(retrainRequestedSignal, (request) => {
    if (status.state === 'waiting') pending.push(request);
    else if (status.state === 'running') status.coalesced++;
    else if (request.source === 'drift' || request.source === 'accuracy') status.droppedInCooldown++;
    else pending.push(request);
  });

  // Signal-with-start delivers the request with the start; a bare start has nothing to do.
  if (!(await condition(() => pending.length > 0, '1 minute'))) {
    status.state = 'done';
    return status;
  }
  const cause = pending.shift()!;
  status.coalesced += pending.splice(0).length;
  status.cause = cause;
  status.state = 'running';
  // The API's pipeline id shape (<name>-<16 hex>), from the run id: one pipeline per run.
  const pipelineId = `${input.model}-retrain-${workflowInfo().runId.replace(/-/g, '').slice(0, 16)}`;
  status.pipelineId = pipelineId;
  if (cause.source === 'drift') {
    const d = (cause.details ?? {}) as { version?: number; windowEnd?: string; driftShare?: number; driftedFeatures?: string[] };
    await notifyInBackground(
      {
        kind: 'drift_detected',
        model: input.model,
        version: d.version ?? 0,
        windowEnd: d.windowEnd ?? '',
        driftShare: d.driftShare ?? 0,
        driftedFeatures: d.driftedFeatures ?? [],
        pipelineId,
        message: `drift on ${input.model}: ${cause.reason}; retraining as ${pipelineId}`,
      },
      `${input.model}-${pipelineId.slice(-16)}`,
    );
  }
  // Only requests from serving's accuracy monitor take this path: histories of older runs never do.
  if (cause.source === 'accuracy') await notifyInBackground(accuracyDegraded(input.model, cause, pipelineId), `${input.model}-${pipelineId.slice(-16)}`);
  const pipelineInput = await quick.prepareRetrain({ model: input.model, pipelineId, cause });
  const result = await executeChild(modelPipeline, { workflowId: pipelineId, args: [pipelineInput] });
  status.outcome = result.stage;

  const cooldownSeconds = cause.cooldownSeconds ?? 0;
  if (cooldownSeconds > 0) {
    status.state = 'cooldown';
    status.cooldownSeconds = cooldownSeconds;
    await condition(() => pending.length > 0, cooldownSeconds * 1000);
  }
  status.state = 'done';
  if (pending.length > 0) await continueAsNew<typeof retrainModel>(input, pending);
  return status;
}
