// Cancelling modelPipeline on stub activities: during training the running training activity sees the
// cancellation, the pipeline stops the run's jobs and ends cancelled; while it waits for approval, the
// registered version is marked rejected and nothing is decided or promoted.
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finalStages, statusQuery } from '../../../contracts/model-pipeline-messages';
import { pipelineStubs, startPipeline, type PipelineStubs } from './pipeline-stubs';
import { startStubWorker, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

let w: StubWorker;
let p: PipelineStubs;
beforeAll(async () => {
  p = pipelineStubs();
  w = await startStubWorker('pipeline-cancellation', p.stubs);
});
afterAll(async () => w?.close());

/** The pipeline's end as its caller sees it: a WorkflowFailedError caused by a CancelledFailure. */
async function cancelledResult(result: Promise<unknown>): Promise<void> {
  const err = await result.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
}

// Concurrent: each test has a model and workflow ids of its own, and spends most of its time on timers.
describe.concurrent('modelPipeline cancellation', () => {
  it('cancels the running training activity, stops its training jobs and ends cancelled', async () => {
    const { handle, id, input } = await startPipeline(w, { params: { epochs: 3, hold: true } });
    await waitUntil('training has started', () => w.log.callsOf(id, 'trainModel').length, (n) => n > 0);
    expect((await handle.query(statusQuery)).stage).toBe('training');

    await handle.cancel();
    await cancelledResult(handle.result());
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    await waitUntil('the training activity sees its cancellation', () => p.cancelledTraining, (ids) => ids.includes(id));

    expect((await handle.query(statusQuery)).stage).toBe('cancelled');
    expect(w.log.inputs(id, 'stopTrainingJobs')).toEqual([{ pipelineId: id, runId: handle.firstExecutionRunId, job: input.job }]);
    // One attempt only: a cancelled training is not retried, and nothing after it runs.
    expect(w.log.sequence(id)).toEqual(['validateDataset', 'trainModel', 'stopTrainingJobs']);
    expect(w.log.events(id)).toEqual(['pipeline.started', 'pipeline.validating', 'pipeline.training', 'pipeline.cancelled']);
  });

  it('marks the registered version rejected when cancelled while waiting for approval', async () => {
    const { handle, id, model } = await startPipeline(w);
    const waiting = await waitUntil('the pipeline waits for approval', () => handle.query(statusQuery), (s) => s.stage === 'awaiting_approval' || finalStages.has(s.stage));
    expect(waiting.stage).toBe('awaiting_approval');

    await handle.cancel();
    await cancelledResult(handle.result());
    expect((await handle.query(statusQuery)).stage).toBe('cancelled');
    expect(w.log.inputs(id, 'markVersion')).toEqual([{ model, version: 1, status: 'rejected', reason: 'pipeline cancelled' }]);
    expect(w.log.inputs(id, 'recordDecision')).toEqual([]);
    expect(w.log.inputs(id, 'promoteChampion')).toEqual([]);
    expect(w.log.events(id).at(-1)).toBe('pipeline.cancelled');
  });
});
