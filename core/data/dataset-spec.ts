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
    })
    .superRefine((target, ctx) => {
      // Per-class metrics are keyed by class name, and a CSV label must map to one output.
      const seen = new Set<string>();
      for (const c of target.classes) {
        if (seen.has(c)) ctx.addIssue({ code: 'custom', path: ['classes'], message: `class "${c}" is listed twice` });
        seen.add(c);
      }
      if (target.positiveClass !== undefined && !seen.has(target.positiveClass)) {
        ctx.addIssue({
          code: 'custom',
          path: ['positiveClass'],
          message: `positiveClass "${target.positiveClass}" is not one of the classes (${target.classes.join(', ')})`,
        });
      }
    }),
  checks: z
    .strictObject({
      /** Fail when any class holds less than this share of the rows. */
      minClassShare: z.number().min(0).max(0.5).default(0.05),
      /** Fail when more than this share of rows are exact duplicates. */
      maxDuplicateShare: z.number().min(0).max(1).default(0.01),
      minRows: z.number().int().min(1).default(50),
    })
    .prefault({}),
});

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
