// What the training activity records for a later reproduction (lineage.reproducibility): the job's code
// as a content-addressed snapshot, the seed it ran with, the job spec, and the digests of the dataset
// spec and the splits, from the same inputs the job was given.
import { sha256File } from '../artifacts/sha256-file';
import { captureJobCode, type CapturedCode } from '../artifacts/code-snapshot';
import { projectRoot } from '../config/project-root';
import { effectiveSeed, REPRODUCTION_RECORD_FORMAT, type ReproductionRecord } from '../core/governance/reproduction-record';
import type { DatasetSpec } from '../core/data/dataset-spec';
import type { JobSpec } from '../core/pipeline/pipeline-template';
import type { ActivityDeps } from './activity-deps';

/** What of the training activity's input the record takes (its TrainModelInput). */
interface RecordedTraining {
  job: JobSpec;
  params: Record<string, unknown>;
  spec: DatasetSpec;
  trainUri: string;
  holdoutUri?: string;
  codeRoot?: string;
}

/**
 * Starts the record as the training starts: the code is snapshotted now, before the job runs, so an
 * edit of the checkout during a long training is not taken for the code that trained. `finish` adds
 * what the job reported. Callers without a holdout split record nothing (it could not be checked later).
 */
export function trainingRecord(deps: ActivityDeps, input: RecordedTraining) {
  const code: Promise<CapturedCode> | undefined =
    input.holdoutUri === undefined
      ? undefined
      : captureJobCode(deps.blobs, input.job.command, input.codeRoot ?? projectRoot).catch((err: unknown) => ({ ok: false as const, reason: `the job code could not be snapshotted: ${(err as Error).message}` }));
  return {
    async finish(runKey: string, jobMetrics: Record<string, unknown> | undefined): Promise<ReproductionRecord | undefined> {
      if (code === undefined || input.holdoutUri === undefined) return undefined;
      const captured = await code;
      // The same bytes the job was given (submit wrote them under this key): writing them again changes nothing.
      const spec = await deps.blobs.put(`${runKey}/dataset-spec.json`, JSON.stringify(input.spec));
      const digest = async (uri: string) => ({ uri, sha256: await sha256File(await deps.blobs.localPath(uri)) });
      return {
        format: REPRODUCTION_RECORD_FORMAT,
        code: captured.ok ? captured.snapshot : null,
        ...(captured.ok ? {} : { codeUnavailable: captured.reason }),
        seed: effectiveSeed(input.params, jobMetrics),
        job: input.job,
        datasetSpec: { uri: spec.uri, sha256: spec.sha256 },
        trainSplit: await digest(input.trainUri),
        holdoutSplit: await digest(input.holdoutUri),
      };
    },
  };
}
