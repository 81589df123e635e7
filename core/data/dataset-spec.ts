// The shape of a dataset that a model trains on: its columns, their types and allowed values,
// and the target. Validation (dataset-validation.ts), training jobs and evaluation all read it.
import { z } from 'zod';

export const numericColumnSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(['float', 'integer']),
  nullable: z.boolean().default(false),
  min: z.number().optional(),
  max: z.number().optional(),
});

export const categoricalColumnSchema = z.strictObject({
  name: z.string().min(1),
  type: z.literal('categorical'),
  nullable: z.boolean().default(false),
  categories: z.array(z.string()).min(1),
});

export const columnSchema = z.discriminatedUnion('type', [numericColumnSchema, categoricalColumnSchema]);

export const datasetSpecSchema = z.strictObject({
  /** Feature columns, in the order the model's input tensor takes them. */
  features: z.array(columnSchema).min(1),
  target: z
    .strictObject({
      name: z.string().min(1),
      /** Class labels as they appear in the CSV; index i is the model's output class i. */
      classes: z.array(z.string()).min(2),
      /**
       * The class scored alone for the `precision`, `recall`, `f1` and `roc_auc` metrics. Left out:
       * classes[1] for a binary target (sklearn's pos_label=1); with more classes, no positive-class
       * metrics, only the macro, weighted and per-class ones.
       */
      positiveClass: z.string().optional(),
      /**
       * The favourable outcome for the fairness metrics: a group's selection rate is the share of it
       * predicted as this class. Left out: the positive class (positiveClass, else classes[1]) of a
       * binary target; with more classes and no positiveClass, fairness compares accuracy only.
       */
      favorableClass: z.string().optional(),
    })
    .superRefine((target, ctx) => {
      // Per-class metrics are keyed by class name, and a CSV label must map to one output.
      const seen = new Set<string>();
      for (const c of target.classes) {
        if (seen.has(c)) ctx.addIssue({ code: 'custom', path: ['classes'], message: `class "${c}" is listed twice` });
        seen.add(c);
      }
      for (const key of ['positiveClass', 'favorableClass'] as const) {
        const named = target[key];
        if (named !== undefined && !seen.has(named)) {
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} "${named}" is not one of the classes (${target.classes.join(', ')})` });
        }
      }
    }),
  /**
   * Categorical features whose groups the evaluation compares (accuracy, selection rate, demographic
   * parity, equalized odds), each gated as `<metric>:<feature>`. Each must be a non-nullable
   * categorical feature of this spec, so that every holdout row belongs to one of its categories.
   */
  sensitiveFeatures: z.array(z.string()).optional(),
  checks: z
    .strictObject({
      /** Fail when any class holds less than this share of the rows. */
      minClassShare: z.number().min(0).max(0.5).default(0.05),
      /** Fail when more than this share of rows are exact duplicates. */
      maxDuplicateShare: z.number().min(0).max(1).default(0.01),
      minRows: z.number().int().min(1).default(50),
    })
    .prefault({}),
}).superRefine(addSensitiveFeatureIssues);

export type DatasetSpec = z.infer<typeof datasetSpecSchema>;
export type ColumnSpec = z.infer<typeof columnSchema>;

/**
 * Index of the class the spec names as positive; undefined when it names none (the evaluation then
 * picks class 1 of a binary target; see scoredPositiveClass in core/evaluation).
 */
export function positiveClassIndex(spec: Pick<DatasetSpec, 'target'>): number | undefined {
  const { classes, positiveClass } = spec.target;
  return positiveClass === undefined ? undefined : classes.indexOf(positiveClass);
}

/**
 * Index of the favourable class of the fairness metrics: the one the spec names, else its positive
 * class, else class 1 of a binary target; undefined for a multi-class target that names neither.
 */
export function favorableClassIndex(spec: Pick<DatasetSpec, 'target'>): number | undefined {
  const { classes, favorableClass } = spec.target;
  if (favorableClass !== undefined) return classes.indexOf(favorableClass);
  return positiveClassIndex(spec) ?? (classes.length === 2 ? 1 : undefined);
}

/** Each sensitive feature must name a non-nullable categorical feature, once. */
function addSensitiveFeatureIssues(spec: { features: ColumnSpec[]; sensitiveFeatures?: string[] | undefined }, ctx: z.RefinementCtx): void {
  const categorical = spec.features.filter((f) => f.type === 'categorical').map((f) => f.name);
  const choices = categorical.length ? `the categorical features are ${categorical.join(', ')}` : 'the spec has no categorical features';
  const seen = new Set<string>();
  spec.sensitiveFeatures?.forEach((name, i) => {
    const path = ['sensitiveFeatures', i];
    if (seen.has(name)) ctx.addIssue({ code: 'custom', path, message: `sensitive feature "${name}" is listed twice` });
    seen.add(name);
    const column = spec.features.find((f) => f.name === name);
    if (column === undefined) {
      ctx.addIssue({ code: 'custom', path, message: `sensitive feature "${name}" is not a feature of the spec; ${choices}` });
    } else if (column.type !== 'categorical') {
      ctx.addIssue({ code: 'custom', path, message: `sensitive feature "${name}" is a numeric (${column.type}) feature; it must be categorical (${choices})` });
    } else if (column.nullable) {
      ctx.addIssue({ code: 'custom', path, message: `sensitive feature "${name}" is nullable; a sensitive feature must be non-nullable so that every row has a group` });
    }
  });
}
