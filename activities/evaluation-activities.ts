// Lifecycle step 3: evaluate the candidate (and the champion, on the same holdout) with onnxruntime,
// apply the metric gate, and build the drift reference profile from the training split.
import { parseCsv } from '../core/data/csv';
import { favorableClassIndex, positiveClassIndex, type DatasetSpec } from '../core/data/dataset-spec';
import { toFeatureMatrix } from '../core/data/dataset-validation';
import { argmax, classificationReport, type ClassificationReport, type ClassMetrics } from '../core/evaluation/classification-metrics';
import { fairnessReport, flatFairnessMetrics, type FairnessRecord } from '../core/evaluation/fairness-metrics';
import { crossValidationMetricsOf } from '../core/evaluation/cross-validation';
import { evaluateGate, type Gate, type GateResult } from '../core/evaluation/metric-gate';
import type { ModelSignature } from '../core/serving/model-signature';
import { buildReferenceProfile, type ReferenceProfile } from '../core/monitoring/reference-profile';
import { CHAMPION } from '../registry/registry-store';
import type { ActivityDeps } from './activity-deps';
import { loadOnnxModel, predictProbabilities, type LoadedModel } from './onnx-model';

export interface EvaluateModelInput {
  model: string;
  modelUri: string;
  trainUri: string;
  holdoutUri: string;
  spec: DatasetSpec;
  gate: Gate;
  /** Cross-validation's `cv_<metric>_mean|std` figures, gated and kept with the holdout's metrics. */
  crossValidationMetrics?: Record<string, number | null>;
}

export interface Evaluation {
  /** Flat, name to value: what the gate checks and the registry stores. */
  metrics: Record<string, number | null>;
  /** Precision, recall, F1 and support of each class, keyed by its label in spec.target.classes. */
  classMetrics: Record<string, ClassMetrics>;
  confusionMatrix: number[][];
  /**
   * Per sensitive feature of the spec: each group's rows, accuracy and selection rate, and the
   * parity and equalized-odds differences; absent when the spec names no sensitive features. The
   * gate-friendly figures are also in `metrics` as `<metric>:<feature>`.
   */
  fairness?: FairnessRecord;
  signature: ModelSignature;
  champion?: { version: number; metrics: Record<string, number | null> };
  gate: GateResult;
  referenceProfile: ReferenceProfile;
}

export function evaluationActivities(deps: ActivityDeps) {
  async function matrixOf(uri: string, spec: DatasetSpec) {
    const table = parseCsv(new TextDecoder().decode(await deps.blobs.get(uri)));
    return toFeatureMatrix(spec, table);
  }

  type Scored = ClassificationReport & { fairness?: FairnessRecord };

  /** The classification report, and with sensitive features their fairness, its figures added to the flat metrics. */
  async function score(model: LoadedModel, rows: { features: number[][]; labels: number[] }, spec: DatasetSpec): Promise<Scored> {
    const numClasses = spec.target.classes.length;
    const probabilities = await predictProbabilities(model, rows.features, numClasses);
    const report = classificationReport({
      labels: rows.labels,
      probabilities,
      numClasses,
      positiveClass: positiveClassIndex(spec),
      classNames: spec.target.classes,
    });
    const sensitive = spec.sensitiveFeatures ?? [];
    if (sensitive.length === 0) return report;
    const favorableClass = favorableClassIndex(spec);
    const fairness = fairnessReport({
      labels: rows.labels,
      predictions: probabilities.map(argmax),
      numClasses,
      ...(favorableClass === undefined ? {} : { favorableClass }),
      sensitiveFeatures: sensitive.map((name) => {
        // The spec schema admits only non-nullable categorical features here, encoded as category indices.
        const column = spec.features.findIndex((f) => f.name === name);
        const feature = spec.features[column]!;
        return { name, categories: feature.type === 'categorical' ? feature.categories : [], groups: rows.features.map((row) => row[column]!) };
      }),
    });
    return {
      ...report,
      metrics: { ...report.metrics, ...flatFairnessMetrics(fairness) },
      fairness: { favorableClass: favorableClass === undefined ? null : spec.target.classes[favorableClass]!, features: fairness.features },
    };
  }

  return {
    async evaluateModel(input: EvaluateModelInput): Promise<Evaluation> {
      const [holdout, train] = await Promise.all([matrixOf(input.holdoutUri, input.spec), matrixOf(input.trainUri, input.spec)]);
      const candidate = await loadOnnxModel(await deps.blobs.get(input.modelUri));
      const { metrics: holdoutMetrics, classMetrics, confusionMatrix, fairness } = await score(candidate, holdout, input.spec);
      const metrics: Record<string, number | null> = { ...holdoutMetrics, ...input.crossValidationMetrics };

      let champion: Evaluation['champion'];
      const alias = await deps.registry.getAlias(input.model, CHAMPION);
      if (alias) {
        const version = await deps.registry.requireVersion(input.model, alias.version);
        const championModel = await loadOnnxModel(await deps.blobs.get(version.artifactUri));
        // Scored with today's spec and metrics, so a gate can compare metrics the champion's own evaluation lacked.
        const { metrics: championMetrics } = await score(championModel, holdout, input.spec);
        // Cross-validation figures cannot be rescored on the holdout: the champion's are those it was registered with.
        champion = { version: alias.version, metrics: input.crossValidationMetrics ? { ...crossValidationMetricsOf(version.metrics), ...championMetrics } : championMetrics };
        await championModel.session.release();
      }

      const gate = evaluateGate(input.gate, metrics, champion?.metrics);
      const trainPredictions = await predictProbabilities(candidate, train.features, input.spec.target.classes.length);
      const referenceProfile = buildReferenceProfile({ spec: input.spec, features: train.features, predictions: trainPredictions });
      await candidate.session.release();
      // Best effort: the metrics and confusion matrix on the MLflow run that trained this model.
      await deps.mlflow?.evaluated({ model: input.model, modelUri: input.modelUri, metrics, confusionMatrix, classes: input.spec.target.classes, gatePassed: gate.passed });
      return {
        metrics,
        classMetrics,
        confusionMatrix,
        ...(fairness ? { fairness } : {}),
        signature: candidate.signature,
        champion,
        gate,
        referenceProfile,
      };
    },
  };
}
