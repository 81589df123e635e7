// modelPipeline's approval step on stub activities: a second person's approval promotes the version,
// the submitter's own approval is refused (four-eyes), a rejection or a passed deadline ends the
// pipeline rejected with that decision recorded for the version, and the reminder goes out first.
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveSignal, finalStages, rejectSignal, statusQuery, type PipelineStatus } from '../../../contracts/model-pipeline-messages';
import type { modelPipeline } from '../../../workflows/model-pipeline';
import { pipelineStubs, startPipeline, type PipelineStubs } from './pipeline-stubs';
import { startStubWorker, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

let w: StubWorker;
let p: PipelineStubs;
beforeAll(async () => {
  p = pipelineStubs();
  w = await startStubWorker('pipeline-approval', p.stubs);
});
afterAll(async () => w?.close());

async function awaitingApproval(handle: WorkflowHandle<typeof modelPipeline>): Promise<PipelineStatus> {
  const status = await waitUntil('the pipeline waits for approval', () => handle.query(statusQuery), (s) => s.stage === 'awaiting_approval' || finalStages.has(s.stage));
  expect(status.stage, JSON.stringify(status.error)).toBe('awaiting_approval');
  return status;
}

// Concurrent: each test has a model and workflow ids of its own, and spends most of its time on timers.
describe.concurrent('modelPipeline approval', () => {
  it('refuses the submitter approving their own model, then promotes when a second person approves', async () => {
    const { handle, id, model, input } = await startPipeline(w, { submittedBy: 'dave' });
    const waiting = await awaitingApproval(handle);
    expect(waiting.version).toBe(1);
    expect(waiting.approval).toMatchObject({ refused: [], deadline: expect.any(String), requestedAt: expect.any(String) });

    await handle.signal(approveSignal, { principal: 'dave', comment: 'my own model looks fine to me' });
    const refused = await waitUntil('the self-approval is refused', () => handle.query(statusQuery), (s) => (s.approval?.refused.length ?? 0) > 0);
    expect(refused.stage).toBe('awaiting_approval');
    expect(refused.approval!.refused).toEqual([{ principal: 'dave', reason: expect.stringMatching(/four-eyes/) }]);
    expect(w.log.inputs(id, 'recordDecision')).toEqual([]);

    await handle.signal(approveSignal, { principal: 'bob', comment: 'holdout looks good' });
    const done = await handle.result();
    expect(done.stage).toBe('succeeded');
    expect(done.approval).toMatchObject({ decision: 'approved', by: 'bob', comment: 'holdout looks good', refused: [{ principal: 'dave' }] });
    expect(done.promoted).toEqual({ version: 1, previous: null });

    // What the workflow asked for, in order, with what.
    expect(w.log.sequence(id)).toEqual(['validateDataset', 'trainModel', 'evaluateModel', 'registerVersion', 'requestApproval', 'recordDecision', 'promoteChampion']);
    const [validated] = w.log.inputs(id, 'validateDataset');
    expect(validated).toEqual({ pipelineId: id, datasetUri: input.datasetUri, spec: input.spec, holdout: input.holdout });
    expect(w.log.inputs(id, 'trainModel')).toEqual([
      expect.objectContaining({ pipelineId: id, runId: handle.firstExecutionRunId, model, params: input.params, trainUri: `file:///blobs/${id}/train.csv` }),
    ]);
    expect(w.log.inputs(id, 'registerVersion')).toEqual([
      expect.objectContaining({
        modelName: model,
        artifactUri: `file:///blobs/${id}/model.onnx`,
        createdBy: 'dave',
        lineage: expect.objectContaining({ workflowId: id, runId: handle.firstExecutionRunId, datasetSha256: 'd'.repeat(64), computeJobId: `job-${id}` }),
      }),
    ]);
    // The approver is asked with the gate's checks and the plan that runs on approval, as the status shows them.
    expect(w.log.inputs(id, 'requestApproval')).toEqual([
      { pipelineId: id, model, version: 1, timeoutSeconds: input.approvalTimeoutSeconds, gate: waiting.gate, plan: { gate: input.gate, rollout: input.rollout ?? null } },
    ]);
    expect(waiting.plan).toEqual({ gate: input.gate, rollout: input.rollout ?? null });
    expect(waiting.gate?.checks.length).toBeGreaterThan(0);
    expect(w.log.inputs(id, 'recordDecision')).toEqual([{ model, version: 1, pipelineId: id, principal: 'bob', decision: 'approved', comment: 'holdout looks good' }]);
    expect(w.log.inputs(id, 'promoteChampion')).toEqual([{ model, version: 1, by: 'bob', pipelineId: id }]);
    expect(w.log.events(id)).toEqual([
      'pipeline.started',
      'pipeline.validating',
      'pipeline.training',
      'pipeline.evaluating',
      'pipeline.registering',
      'pipeline.awaiting_approval',
      'pipeline.promoting',
      'pipeline.succeeded',
    ]);
  });

  it('ends rejected when an approver rejects, recording the rejection and its reason for the version', async () => {
    const { handle, id, model } = await startPipeline(w);
    await awaitingApproval(handle);
    await handle.signal(rejectSignal, { principal: 'bob', comment: 'recall too low for screening' });
    const done = await handle.result();
    expect(done.stage).toBe('rejected');
    expect(done.approval).toMatchObject({ decision: 'rejected', by: 'bob', comment: 'recall too low for screening' });
    expect(done.promoted).toBeUndefined();
    // The registry's recordDecision marks the version rejected with the comment as its reason.
    expect(w.log.inputs(id, 'recordDecision')).toEqual([
      { model, version: 1, pipelineId: id, principal: 'bob', decision: 'rejected', comment: 'recall too low for screening' },
    ]);
    expect(w.log.inputs(id, 'promoteChampion')).toEqual([]);
    expect(w.log.events(id).at(-1)).toBe('pipeline.rejected');
    expect(w.log.inputs(id, 'recordPipelineEvent').at(-1)).toMatchObject({
      event: 'pipeline.rejected',
      version: 1,
      details: { decision: 'rejected', by: 'bob', comment: 'recall too low for screening' },
    });
  });

  it('ends rejected as timed out when nobody decides before the deadline, after one reminder', async () => {
    // The reminder is due 1.5 s before a 3 s deadline.
    const { handle, id, model } = await startPipeline(w, { approvalTimeoutSeconds: 3, reminderBeforeSeconds: 1.5 });
    const waiting = await awaitingApproval(handle);
    const deadline = waiting.approval!.deadline!;
    const done = await handle.result();
    expect(done.stage).toBe('rejected');
    expect(done.approval).toMatchObject({ decision: 'timed_out', by: 'windsock', deadline });

    const reminders = w.log.callsOf(id, 'notifyApprovers');
    expect(reminders.map((c) => c.input)).toEqual([expect.objectContaining({ kind: 'approval_reminder', pipelineId: id, model, version: 1, deadline })]);
    expect(reminders[0]!.at).toBeLessThan(Date.parse(deadline));
    expect(w.log.sequence(id).slice(-3)).toEqual(['requestApproval', 'notifyApprovers', 'recordDecision']);
    // The registry's recordDecision marks a timed-out version rejected ("approval timed out").
    expect(w.log.inputs(id, 'recordDecision')).toEqual([
      { model, version: 1, pipelineId: id, principal: 'windsock', decision: 'timed_out', comment: `no decision before ${deadline}` },
    ]);
    expect(w.log.inputs(id, 'promoteChampion')).toEqual([]);
    expect(w.log.events(id).at(-1)).toBe('pipeline.rejected');
  });
});
