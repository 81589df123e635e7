// batchScoring: a model version's predictions for every row of a dataset, in chunks. Plan (version,
// input, chunks), score the chunks in heartbeating activities that store each chunk's predictions on
// its own, write the output CSV from them. Temporal holds the batch's state; the id is the batch's.
import { ActivityFailure, ApplicationFailure, CancellationScope, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as activities from '../activities';
import { batchStatusQuery, type BatchInput, type BatchStatus } from '../contracts/batch-scoring-messages';

const quick = proxyActivities<activities.Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

// A killed worker's attempt is retried once its heartbeat is 10 s late; a retry skips the stored chunks.
const scoring = proxyActivities<activities.Activities>({
  startToCloseTimeout: '12 hours',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
});

/** Contiguous ranges [from, to) of chunks, one per scoring activity, at most `parallelism` of them. */
export function chunkRanges(chunks: number, parallelism: number): Array<[number, number]> {
  const count = Math.max(1, Math.min(parallelism, chunks));
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const from = Math.floor((chunks * i) / count);
    const to = Math.floor((chunks * (i + 1)) / count);
    if (to > from) ranges.push([from, to]);
  }
  return ranges;
}

export async function batchScoring(input: BatchInput): Promise<BatchStatus> {
  const batchId = workflowInfo().workflowId;
  const status: BatchStatus = { batchId, model: input.model, state: 'planning', input: input.input, chunksDone: 0, chunksReused: 0, progress: 0, requestedBy: input.requestedBy };
  setHandler(batchStatusQuery, () => status);
  try {
    const plan = await quick.prepareBatch({ ...input, batchId });
    Object.assign(status, { state: 'scoring', version: plan.version, input: plan.input, inputSha256: plan.inputSha256, rows: plan.rows, chunks: plan.chunks });
    await quick.recordBatchEvent({
      batchId,
      event: 'batch.started',
      model: input.model,
      version: plan.version,
      actor: input.requestedBy,
      details: { input: plan.input, inputSha256: plan.inputSha256, rows: plan.rows, chunks: plan.chunks },
    });

    const results = await Promise.all(
      chunkRanges(plan.chunks, input.parallelism ?? 1).map(([from, to]) =>
        scoring.scoreBatchChunks({
          batchId,
          planUri: plan.planUri,
          input: plan.input,
          inputSha256: plan.inputSha256,
          artifactUri: plan.artifactUri,
          artifactSha256: plan.artifactSha256,
          spec: plan.spec,
          ...(input.idColumn === undefined ? {} : { idColumn: input.idColumn }),
          from,
          to,
        }),
      ),
    );
    status.chunksDone = plan.chunks;
    status.chunksReused = results.reduce((n, r) => n + r.reused.length, 0);
    status.progress = 1;
    status.state = 'writing';

    status.output = await quick.finishBatch({
      batchId,
      planUri: plan.planUri,
      chunks: plan.chunks,
      rows: plan.rows,
      classes: plan.spec.target.classes,
      ...(input.idColumn === undefined ? {} : { idColumn: input.idColumn }),
      ...(input.output === undefined ? {} : { output: input.output }),
    });
    status.state = 'succeeded';
    await quick.recordBatchEvent({ batchId, event: 'batch.finished', model: input.model, version: plan.version, actor: input.requestedBy, details: { state: 'succeeded', output: status.output } });
    return status;
  } catch (err) {
    const cancelled = isCancellation(err);
    const cause = err instanceof ActivityFailure ? err.cause : err;
    const code = cause instanceof ApplicationFailure ? (cause.type ?? 'failed') : 'failed';
    status.state = cancelled ? 'cancelled' : 'failed';
    status.error = cancelled ? 'the batch was cancelled' : cause instanceof Error ? cause.message : String(cause);
    await CancellationScope.nonCancellable(() =>
      quick.recordBatchEvent({
        batchId,
        event: 'batch.finished',
        model: input.model,
        ...(status.version === undefined ? {} : { version: status.version }),
        actor: input.requestedBy,
        details: { state: cancelled ? 'cancelled' : 'failed', error: status.error },
      }),
    );
    if (cancelled) throw err;
    throw ApplicationFailure.create({ type: code, message: status.error, nonRetryable: true });
  }
}
