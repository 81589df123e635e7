// Which of a gate's metrics the evaluation can never produce for a dataset spec, so that a model
// registered with such a gate is refused at once (a 400) instead of failing every pipeline at its gate.
import type { DatasetSpec } from '../data/dataset-spec';
import { favorableClassIndex, positiveClassIndex } from '../data/dataset-spec';
import { classificationMetricNames } from './classification-metrics';
import { fairnessMetricNames, isSelectionMetric } from './fairness-metrics';
import type { Gate } from './metric-gate';
import { crossValidationMetricName, parseCrossValidationMetricName } from './cross-validation';

export type GateMetricProblem = { metric: string; message: string };

/** The averaged metric to suggest in place of a positive-class one on a multi-class target. */
const MULTI_CLASS_COUNTERPART: ReadonlyMap<string, string> = new Map([
  ['precision', 'precision_macro'],
  ['recall', 'recall_macro'],
  ['f1', 'f1_macro'],
  ['roc_auc', 'roc_auc_ovr'],
]);

/** Why a `<metric>:<feature>` name that looks like a fairness metric is not produced; undefined when it is not one. */
function fairnessProblem(metric: string, spec: Pick<DatasetSpec, 'target' | 'sensitiveFeatures'>): string | undefined {
  const colon = metric.indexOf(':');
  if (colon === -1) return undefined;
  const [name, feature] = [metric.slice(0, colon), metric.slice(colon + 1)];
  if (!fairnessMetricNames([feature], true).includes(metric)) return undefined;
  const sensitive = spec.sensitiveFeatures ?? [];
  if (!sensitive.includes(feature)) {
    return (
      `gate metric "${metric}" needs "${feature}" in the spec's sensitiveFeatures; ` +
      (sensitive.length ? `it lists ${sensitive.join(', ')}` : 'it lists none')
    );
  }
  if (isSelectionMetric(name)) {
    return (
      `gate metric "${metric}" is scored only with a favourable class, and this ${spec.target.classes.length}-class target names none: ` +
      `set target.favorableClass (or target.positiveClass), or gate on "accuracy_min_group:${feature}"`
    );
  }
  return undefined;
}

/** Why a `cv_<metric>_<mean|std>` name is not produced; undefined when it is not one, or is produced. */
function crossValidationProblem(metric: string, produced: ReadonlySet<string>, crossValidation: boolean): string | undefined {
  const parsed = parseCrossValidationMetricName(metric);
  if (parsed === undefined) return undefined;
  if (!crossValidation) {
    return `gate metric "${metric}" is a cross-validation figure, and the template does not cross-validate: set evaluation.crossValidation (e.g. { "folds": 5 }), or gate on "${parsed.metric}" of the holdout`;
  }
  const counterpart = MULTI_CLASS_COUNTERPART.get(parsed.metric);
  if (counterpart !== undefined && produced.has(crossValidationMetricName(counterpart, parsed.statistic))) {
    return `gate metric "${metric}" is scored only for a positive class, and this target names none: set target.positiveClass, or gate on "${crossValidationMetricName(counterpart, parsed.statistic)}"`;
  }
  return undefined;
}

/**
 * One problem per gate metric that the evaluation never puts in the metrics for this spec, in the
 * gate's key order; empty when every metric can be produced. Those are classificationReport's for the
 * spec's target, `<metric>:<feature>` fairness metrics for each of its sensitive features, and with
 * `crossValidation` set, `cv_<metric>_mean` and `cv_<metric>_std` of each classification metric (not of
 * `support`, a count). A metric that is produced but may be null on some holdout (roc_auc_ovr with a
 * class absent, a ratio whose groups are never selected) is not a problem here: the gate fails on that
 * holdout, naming it.
 */
export function gateMetricProblems(
  gate: Gate,
  spec: Pick<DatasetSpec, 'target' | 'sensitiveFeatures'>,
  options: { crossValidation?: boolean } = {},
): GateMetricProblem[] {
  const numClasses = spec.target.classes.length;
  const classification = classificationMetricNames(numClasses, positiveClassIndex(spec));
  const crossValidated = options.crossValidation
    ? classification.filter((m) => m !== 'support').flatMap((m) => [crossValidationMetricName(m, 'mean'), crossValidationMetricName(m, 'std')])
    : [];
  const produced = new Set([...classification, ...fairnessMetricNames(spec.sensitiveFeatures ?? [], favorableClassIndex(spec) !== undefined), ...crossValidated]);
  const problems: GateMetricProblem[] = [];
  for (const metric of Object.keys(gate)) {
    if (produced.has(metric)) continue;
    const counterpart = MULTI_CLASS_COUNTERPART.get(metric);
    const fairness = fairnessProblem(metric, spec);
    problems.push({
      metric,
      message:
        fairness ??
        crossValidationProblem(metric, produced, options.crossValidation ?? false) ??
        (counterpart === undefined
          ? `gate metric "${metric}" is not one the evaluation produces; it produces ${[...produced].join(', ')}`
          : `gate metric "${metric}" is scored only for a positive class, and this ${numClasses}-class target names none: ` +
            `set target.positiveClass, or gate on "${counterpart}"`),
    });
  }
  return problems;
}
