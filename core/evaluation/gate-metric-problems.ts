// Which of a gate's metrics the evaluation can never produce for a dataset spec, so that a model
// registered with such a gate is refused at once (a 400) instead of failing every pipeline at its gate.
import type { DatasetSpec } from '../data/dataset-spec';
import { positiveClassIndex } from '../data/dataset-spec';
import { classificationMetricNames } from './classification-metrics';
import type { Gate } from './metric-gate';

export type GateMetricProblem = { metric: string; message: string };

/** The averaged metric to suggest in place of a positive-class one on a multi-class target. */
const MULTI_CLASS_COUNTERPART: ReadonlyMap<string, string> = new Map([
  ['precision', 'precision_macro'],
  ['recall', 'recall_macro'],
  ['f1', 'f1_macro'],
  ['roc_auc', 'roc_auc_ovr'],
]);

/**
 * One problem per gate metric that classificationReport never puts in the metrics for this spec's
 * target, in the gate's key order; empty when every metric can be produced. A metric that is
 * produced but may be null on some holdout (roc_auc_ovr with a class absent) is not a problem here:
 * the gate fails on that holdout, naming it.
 */
export function gateMetricProblems(gate: Gate, spec: Pick<DatasetSpec, 'target'>): GateMetricProblem[] {
  const numClasses = spec.target.classes.length;
  const produced = new Set(classificationMetricNames(numClasses, positiveClassIndex(spec)));
  const problems: GateMetricProblem[] = [];
  for (const metric of Object.keys(gate)) {
    if (produced.has(metric)) continue;
    const counterpart = MULTI_CLASS_COUNTERPART.get(metric);
    problems.push({
      metric,
      message:
        counterpart === undefined
          ? `gate metric "${metric}" is not one the evaluation produces; it produces ${[...produced].join(', ')}`
          : `gate metric "${metric}" is scored only for a positive class, and this ${numClasses}-class target names none: ` +
            `set target.positiveClass, or gate on "${counterpart}"`,
    });
  }
  return problems;
}
