// Cross-validation's side effects: the training split cut into k folds (each fold's training and
// validation CSVs in the artifact store), and a fold's model scored on its validation rows with the
// evaluation's own metrics. The folds' models are trained by trainModel, like the pipeline's own.
import { createHash } from 'node:crypto';
import { parseCsv, toCsv } from '../core/data/csv';
import { positiveClassIndex, type DatasetSpec } from '../core/data/dataset-spec';
import { toFeatureMatrix } from '../core/data/dataset-validation';
import { classificationReport } from '../core/evaluation/classification-metrics';
import { assignFolds, foldSplits } from '../core/evaluation/cross-validation';
import type { ActivityDeps } from './activity-deps';
import { loadOnnxModel, predictProbabilities } from './onnx-model';

export interface PrepareFoldsInput {
  trainUri: string;
  spec: DatasetSpec;
  folds: number;
  stratified: boolean;
  seed: number;
}

export interface PreparedFold {
  /** 1-based, as people count folds. */
  fold: number;
  trainUri: string;
  validationUri: string;
  trainRows: number;
  validationRows: number;
}

export interface ScoreFoldInput {
  modelUri: string;
  validationUri: string;
  spec: DatasetSpec;
}

export function crossValidationActivities(deps: ActivityDeps) {
  return {
    /**
     * Writes each fold's training and validation CSVs (header and rows as in the training split) under
     * a key made of the split's content and the fold settings, so a retry or a rerun on the same data
     * writes the same files. A class too small to stratify fails it, not retryable, naming the class.
     */
    async prepareCrossValidationFolds(input: PrepareFoldsInput): Promise<{ folds: PreparedFold[] }> {
      const bytes = await deps.blobs.get(input.trainUri);
      const table = parseCsv(new TextDecoder().decode(bytes));
      const { labels } = toFeatureMatrix(input.spec, table);
      const assignment = assignFolds(labels, { folds: input.folds, stratified: input.stratified, seed: input.seed, classNames: input.spec.target.classes });
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const prefix = `cross-validation/${sha256}/${input.folds}-${input.stratified ? 'stratified' : 'shuffled'}-${input.seed}`;
      const folds: PreparedFold[] = [];
      for (const [i, split] of foldSplits(assignment, input.folds).entries()) {
        const rowsOf = (rows: number[]) => toCsv(table.header, rows.map((r) => table.rows[r]!));
        const train = await deps.blobs.put(`${prefix}/fold-${i + 1}/train.csv`, rowsOf(split.train));
        const validation = await deps.blobs.put(`${prefix}/fold-${i + 1}/validation.csv`, rowsOf(split.validation));
        folds.push({ fold: i + 1, trainUri: train.uri, validationUri: validation.uri, trainRows: split.train.length, validationRows: split.validation.length });
      }
      return { folds };
    },

    /** The fold model's classification metrics on its validation rows (the holdout's metrics, fairness aside). */
    async scoreCrossValidationFold(input: ScoreFoldInput): Promise<{ metrics: Record<string, number | null> }> {
      const rows = toFeatureMatrix(input.spec, parseCsv(new TextDecoder().decode(await deps.blobs.get(input.validationUri))));
      const model = await loadOnnxModel(await deps.blobs.get(input.modelUri));
      try {
        const numClasses = input.spec.target.classes.length;
        const report = classificationReport({
          labels: rows.labels,
          probabilities: await predictProbabilities(model, rows.features, numClasses),
          numClasses,
          positiveClass: positiveClassIndex(input.spec),
          classNames: input.spec.target.classes,
        });
        return { metrics: { ...report.metrics } };
      } finally {
        await model.session.release();
      }
    },
  };
}
