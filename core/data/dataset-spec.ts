// The shape of a dataset that a model trains on: its columns, their types and allowed values,
// and the target. Validation (dataset-validation.ts), training jobs and evaluation all read it.
import { z } from 'zod';

export const numericColumnSchema = z.object({
  name: z.string().min(1),
  type: z.enum(['float', 'integer']),
  nullable: z.boolean().default(false),
  min: z.number().optional(),
  max: z.number().optional(),
});

export const categoricalColumnSchema = z.object({
  name: z.string().min(1),
  type: z.literal('categorical'),
  nullable: z.boolean().default(false),
  categories: z.array(z.string()).min(1),
});

export const columnSchema = z.discriminatedUnion('type', [numericColumnSchema, categoricalColumnSchema]);

export const datasetSpecSchema = z.object({
  /** Feature columns, in the order the model's input tensor takes them. */
  features: z.array(columnSchema).min(1),
  target: z.object({
    name: z.string().min(1),
    /** Class labels as they appear in the CSV; index i is the model's output class i. */
    classes: z.array(z.string()).min(2),
    /** The class counted as positive for precision, recall, F1 and ROC AUC. */
    positiveClass: z.string(),
  }),
  checks: z
    .object({
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
