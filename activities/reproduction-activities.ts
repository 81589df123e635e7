// Reproducing a registered version: gather what it recorded (checked against its digests) and lay out
// its code snapshot for the training activity; afterwards compare the retrained model with the
// version's on the recorded holdout. Training and evaluation are the pipeline's own activities.
import path from 'node:path';
import { materializeCode } from '../artifacts/code-snapshot';
import { requireRecordedInputs } from '../artifacts/recorded-inputs';
import { parseCsv } from '../core/data/csv';
import type { DatasetSpec } from '../core/data/dataset-spec';
import { toFeatureMatrix } from '../core/data/dataset-validation';
import type { Gate } from '../core/evaluation/metric-gate';
import { compareReproduction, type ReproductionComparison } from '../core/governance/reproduction-comparison';
import { reproductionParams } from '../core/governance/reproduction-record';
import type { JobSpec } from '../core/pipeline/pipeline-template';
import { WindsockError } from '../core/windsock-error';
import type { ActivityDeps } from './activity-deps';
import { LocalProvider } from './compute/local-provider';
import { loadOnnxModel, predictProbabilities } from './onnx-model';

export interface PreparedReproduction {
  /** The recorded job spec on the recorded compute profile, its scripts pointing into the code snapshot. */
  job: JobSpec;
  params: Record<string, unknown>;
  spec: DatasetSpec;
  trainUri: string;
  holdoutUri: string;
  /** Where the code snapshot was laid out (the training activity snapshots it again from there). */
  codeRoot: string;
  codeVersion: string;
  seed: number | null;
  originalModelUri: string;
  originalModelSha256: string;
  originalMetrics: Record<string, number | null>;
  gate: Gate;
}

const SCRIPT = /\.(py|sh|js|mjs)$/;

export function reproductionActivities(deps: ActivityDeps) {
  return {
    async prepareReproduction(input: { model: string; version: number }): Promise<PreparedReproduction> {
      const version = await deps.registry.requireVersion(input.model, input.version);
      const record = await requireRecordedInputs(deps.blobs, version);
      const profile = version.lineage.computeProvider;
      // The snapshot is laid out on this host: only a provider that runs jobs here can run it.
      const local = deps.compute[profile];
      if (!(local instanceof LocalProvider)) {
        throw new WindsockError(
          'conflict',
          `${input.model} v${input.version} trained on compute profile '${profile}'; a reproduction runs the recorded code snapshot on the worker host, which only a local profile of this worker can (it has ${Object.keys(deps.compute).join(', ')})`,
        );
      }
      // Beside the provider's job directories (its jobsDir), so the code lives and goes with its jobs.
      const codeRoot = await materializeCode(deps.blobs, record.code!, path.join(path.dirname(local.jobDir('code')), 'code'));
      const command = record.job.command.map((arg, i) => (i > 0 || arg !== 'python') && SCRIPT.test(arg) && !path.isAbsolute(arg) ? path.join(codeRoot, arg) : arg);
      const spec = JSON.parse(Buffer.from(await deps.blobs.get(record.datasetSpec.uri)).toString('utf8')) as DatasetSpec;
      const gate = (version.gate as { spec?: Gate } | null)?.spec ?? {};
      return {
        job: { ...record.job, command, provider: profile },
        params: reproductionParams(version.lineage.params, record.seed),
        spec,
        trainUri: record.trainSplit.uri,
        holdoutUri: record.holdoutSplit.uri,
        codeRoot,
        codeVersion: record.code!.digest,
        seed: record.seed,
        originalModelUri: version.artifactUri,
        originalModelSha256: version.artifactSha256,
        originalMetrics: version.metrics,
        gate,
      };
    },

    /** The version's model and the retrained one on the holdout rows: metrics side by side, probabilities compared. */
    async compareReproduction(input: {
      originalModelUri: string;
      reproducedModelUri: string;
      holdoutUri: string;
      spec: DatasetSpec;
      originalMetrics: Record<string, number | null>;
      reproducedMetrics: Record<string, number | null>;
      tolerance: number;
    }): Promise<ReproductionComparison> {
      const holdout = toFeatureMatrix(input.spec, parseCsv(Buffer.from(await deps.blobs.get(input.holdoutUri)).toString('utf8')));
      const numClasses = input.spec.target.classes.length;
      const probabilities = async (uri: string) => {
        const model = await loadOnnxModel(await deps.blobs.get(uri));
        try {
          return await predictProbabilities(model, holdout.features, numClasses);
        } finally {
          await model.session.release();
        }
      };
      return compareReproduction({
        originalMetrics: input.originalMetrics,
        reproducedMetrics: input.reproducedMetrics,
        originalProbabilities: await probabilities(input.originalModelUri),
        reproducedProbabilities: await probabilities(input.reproducedModelUri),
        tolerance: input.tolerance,
      });
    },
  };
}
