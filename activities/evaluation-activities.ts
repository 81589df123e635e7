// Lifecycle step 3: evaluate the candidate (and the champion, on the same holdout) with onnxruntime,
// apply the metric gate, and build the drift reference profile from the training split.
import { parseCsv } from '../core/data/csv';
import { positiveClassIndex, type DatasetSpec } from '../core/data/dataset-spec';
import { toFeatureMatrix } from '../core/data/dataset-validation';
import { classificationReport, type ClassificationReport, type ClassMetrics } from '../core/evaluation/classification-metrics';
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
}

export interface Evaluation {
  /** Flat, name to value: what the gate checks and the registry stores. */
  metrics: Record<string, number | null>;
  /** Precision, recall, F1 and support of each class, keyed by its label in spec.target.classes. */
  classMetrics: Record<string, ClassMetrics>;
  confusionMatrix: number[][];
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

  async function score(model: LoadedModel, rows: { features: number[][]; labels: number[] }, spec: DatasetSpec): Promise<ClassificationReport> {
    const numClasses = spec.target.classes.length;
    const probabilities = await predictProbabilities(model, rows.features, numClasses);
    return classificationReport({
      labels: rows.labels,
      probabilities,
      numClasses,
      positiveClass: positiveClassIndex(spec),
      classNames: spec.target.classes,
    });
  }

  return {
    async evaluateModel(input: EvaluateModelInput): Promise<Evaluation> {
      const [holdout, train] = await Promise.all([matrixOf(input.holdoutUri, input.spec), matrixOf(input.trainUri, input.spec)]);
      const candidate = await loadOnnxModel(await deps.blobs.get(input.modelUri));
      const { metrics, classMetrics, confusionMatrix } = await score(candidate, holdout, input.spec);

      let champion: Evaluation['champion'];
      const alias = await deps.registry.getAlias(input.model, CHAMPION);
      if (alias) {
        const version = await deps.registry.requireVersion(input.model, alias.version);
        const championModel = await loadOnnxModel(await deps.blobs.get(version.artifactUri));
        // Scored with today's spec and metrics, so a gate can compare metrics the champion's own evaluation lacked.
        const { metrics: championMetrics } = await score(championModel, holdout, input.spec);
        champion = { version: alias.version, metrics: championMetrics };
        await championModel.session.release();
      }

      const gate = evaluateGate(input.gate, metrics, champion?.metrics);
      const trainPredictions = await predictProbabilities(candidate, train.features, input.spec.target.classes.length);
      const referenceProfile = buildReferenceProfile({ spec: input.spec, features: train.features, predictions: trainPredictions });
      await candidate.session.release();
      return { metrics, classMetrics, confusionMatrix, signature: candidate.signature, champion, gate, referenceProfile };
    },
  };
}
