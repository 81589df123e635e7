// What a model's pipelines run: the job, its default hyperparameters, the metric gate, the holdout
// split and the approval window. Stored with the model; a pipeline request may override parts of it.
import { z } from 'zod';
import { datasetSpecSchema } from '../data/dataset-spec';
import { canaryPolicySchema } from '../rollout/canary-decision';
import { gateSchema } from '../evaluation/metric-gate';
import { driftPolicySchema } from '../monitoring/drift-report';
import { tuningSchema } from '../tuning/search-space';
import { crossValidationSchema } from '../evaluation/cross-validation';

/** Hyperparameters are small JSON; a deeper one is a mistake or an attack (storing it overflows the stack). */
const MAX_PARAMS_DEPTH = 32;

/** How deep a JSON value nests, counted without recursion and stopping past `limit` levels. */
function jsonDepth(value: unknown, limit = MAX_PARAMS_DEPTH + 1): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** The longest a version may wait for its approval: 90 days. */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 90 * 86400;

/** The built-in trainer a template gets when it names no job command: a PyTorch MLP for tabular classification. */
export const BUILT_IN_TRAINER_COMMAND: readonly string[] = ['python', 'jobs/tabular/train.py'];

export const jobSpecSchema = z.strictObject({
  /** argv of the training process; a leading `python` runs with the worker's configured interpreter. */
  command: z
    .array(z.string().min(1).max(1024))
    .min(1)
    .max(64)
    .default(() => [...BUILT_IN_TRAINER_COMMAND]),
  /**
   * Compute profile that runs it: `local` (a child process on the worker host), `runner` (the job
   * runner at WINDSOCK_RUNNER_URL) or a profile of WINDSOCK_COMPUTE_PROFILES. Left out: the
   * worker's WINDSOCK_COMPUTE.
   */
  provider: z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'a compute profile name: lower case letters, digits, - and _').optional(),
  /** The job is stopped and the pipeline fails when it runs longer than this. */
  deadlineSeconds: z.number().int().min(1).max(7 * 24 * 3600).default(3600),
  /** GPUs the job needs on a runner; left out: one where the runner has any. */
  gpus: z.number().int().min(0).max(64).optional(),
  /** The job is stopped and the pipeline fails once its cost (GPU-seconds times the runner's price) passes this. */
  budgetUsd: z.number().positive().optional(),
});

export const holdoutSchema = z.strictObject({
  fraction: z.number().gt(0).lt(1).default(0.2),
  seed: z.number().int().default(42),
});

/**
 * How an approved version reaches traffic: canary steps with a bake and an analysis after each
 * (SageMaker's and KServe's canaries are the references: steps of 10-50%, bakes of 0-3600 s),
 * blue-green (one analysis at the first step's slice, then 100%), or all at once.
 */
export const rolloutPlanSchema = z.strictObject({
  strategy: z.enum(['canary', 'blue_green', 'all_at_once']).default('canary'),
  steps: z
    .array(z.number().int().min(1).max(100))
    .min(1)
    .max(10)
    .refine((steps) => steps.every((p, i) => i === 0 || p > steps[i - 1]!), 'steps must increase')
    .default([10, 25, 50, 100]),
  bakeSeconds: z.number().min(0).max(3600).default(60),
  policy: canaryPolicySchema.optional(),
});

/**
 * Continuous training: where fresh data lands and what a challenger must show. Retraining (by
 * schedule, drift or by hand) trains on the newest `.csv` under `dataset` (a directory; a file is used
 * as is) and proceeds to approval only when it passes the gate and beats the champion on the gate's
 * first (primary) metric by at least `minImprovement` (unless the gate already compares that metric
 * with the champion); otherwise it ends `not_better` and nothing changes.
 */
export const retrainConfigSchema = z.strictObject({
  dataset: z.string().min(1),
  minImprovement: z.number().positive().default(1e-6),
  /**
   * A retrained challenger that beats an approved champion skips the human approval (audited as
   * approval.auto_approved) and goes straight to its rollout. Off by default; a model with no
   * champion yet always waits for a person.
   */
  autoApprove: z.boolean().default(false),
  /**
   * Each new version of the registry dataset `dataset` names (`dataset://name`, no version) starts a
   * retrain, so uploads feed continuous training; off by default (schedules and drift pick the newest
   * version whenever they run).
   */
  onNewData: z.boolean().default(false),
}).refine((retrain) => !retrain.onNewData || /^dataset:\/\/[^/]+$/.test(retrain.dataset), {
  message: 'onNewData follows a registry dataset: set dataset to dataset://<name> (without a version)',
  path: ['onNewData'],
});

export const pipelineTemplateSchema = z.strictObject({
  datasetSpec: datasetSpecSchema,
  /** Left out: the built-in tabular trainer with the default deadline. */
  job: jobSpecSchema.prefault({}),
  params: z.record(z.string(), z.unknown()).refine((params) => jsonDepth(params) <= MAX_PARAMS_DEPTH, `params may nest at most ${MAX_PARAMS_DEPTH} levels`).default({}),
  gate: gateSchema,
  holdout: holdoutSchema.prefault({}),
  approvalTimeoutSeconds: z.number().int().min(1).max(MAX_APPROVAL_TIMEOUT_SECONDS).default(7 * 24 * 3600),
  rollout: rolloutPlanSchema.prefault({}),
  retrain: retrainConfigSchema.optional(),
  /** The model's drift policy, given to serving with each published version; left out: serving's defaults. */
  drift: driftPolicySchema.optional(),
  /**
   * How a candidate is judged besides its holdout: `crossValidation` trains one model per fold of the
   * training split and puts each metric's mean and standard deviation (`cv_<metric>_mean|std`) next to
   * the holdout metrics, where the gate may name them.
   */
  evaluation: z.strictObject({ crossValidation: crossValidationSchema.optional() }).optional(),
  /** Hyperparameter tuning (core/tuning/search-space.ts): trials of the job over `space`, the best completed one becomes the candidate. */
  tuning: tuningSchema.optional(),
});

/**
 * The same object schema with every field optional and no defaults: the overrides a request makes
 * of what the template says. (zod's `.partial()` keeps defaults, so an override naming one field
 * would silently reset the template's other fields to their defaults.)
 */
export function overridesOf<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([key, field]) => {
      let inner = field as z.ZodType;
      while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault) inner = inner.unwrap() as z.ZodType;
      return [key, inner.optional()];
    }),
  );
  return z.strictObject(shape) as unknown as z.ZodObject<{ [K in keyof Shape]: z.ZodOptional<Shape[K]> }, z.core.$strict>;
}

/** A template as the control plane gives it to serving (which starts pipelines too): with its revision. */
export const servedTemplateSchema = pipelineTemplateSchema.extend({ templateRevision: z.number().int().min(1).optional() });

/** The gate a retraining challenger faces: the model's gate, its primary metric also measured against the champion. */
export function retrainGate(gate: z.infer<typeof gateSchema>, minImprovement: number): z.infer<typeof gateSchema> {
  const [primary] = Object.keys(gate);
  if (primary === undefined) return gate;
  const t = gate[primary]!;
  if (t.min_absolute_change !== undefined || t.min_relative_change !== undefined) return gate;
  return { ...gate, [primary]: { ...t, min_absolute_change: minImprovement } };
}

export type JobSpec = z.infer<typeof jobSpecSchema>;
export type PipelineTemplate = z.infer<typeof pipelineTemplateSchema>;
export type RetrainConfig = z.infer<typeof retrainConfigSchema>;
export type RolloutPlanInput = z.input<typeof rolloutPlanSchema>;
