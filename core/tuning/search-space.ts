// Hyperparameter tuning's configuration: the search space (uniform, logUniform, int, choice per
// parameter), the objective and its direction, trial counts and the pruner. Stored in the template;
// a pipeline runs it when the template (or the request) carries it.
import { z } from 'zod';
import type { Random } from '../statistics/seeded-random';

/** The most trials one pipeline may run: each is a training job. */
export const MAX_TRIALS = 200;
/** The most trials one pipeline runs at once. */
export const MAX_PARALLELISM = 16;
/** The most parameters a space may search. */
export const MAX_SPACE_PARAMETERS = 32;
/** The most values a choice may offer. */
export const MAX_CHOICES = 64;

const paramName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a parameter name: letters, digits and _');
const finite = z.number().finite();
const choiceValue = z.union([z.number().finite(), z.string().max(256), z.boolean(), z.null()]);

export const paramSpaceSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('uniform'), low: finite, high: finite }),
  z.strictObject({ type: z.literal('logUniform'), low: finite, high: finite }),
  z.strictObject({ type: z.literal('int'), low: z.number().int(), high: z.number().int(), log: z.boolean().optional() }),
  z.strictObject({ type: z.literal('choice'), values: z.array(choiceValue).min(1).max(MAX_CHOICES) }),
], { error: 'each parameter needs a type: uniform, logUniform, int or choice' });

export type ParamSpace = z.infer<typeof paramSpaceSchema>;
export type SearchSpace = Record<string, ParamSpace>;
export type ParamValue = number | string | boolean | null;
export type TrialParams = Record<string, ParamValue>;

/** What is wrong with one parameter's range, or undefined; the message names the parameter. */
export function paramSpaceProblem(name: string, space: ParamSpace): string | undefined {
  if (space.type === 'choice') {
    const seen = new Set(space.values.map((v) => JSON.stringify(v)));
    return seen.size !== space.values.length ? `space.${name}: a choice lists a value twice` : undefined;
  }
  if (!(space.low < space.high)) return `space.${name}: low (${space.low}) must be below high (${space.high})`;
  if ((space.type === 'logUniform' || (space.type === 'int' && space.log)) && space.low <= 0) {
    return `space.${name}: a log scale needs low > 0, got ${space.low}`;
  }
  return undefined;
}

export const prunerSchema = z.strictObject({
  /** Median pruning: stop a trial whose best value so far is worse than the completed trials' median at that epoch. */
  type: z.literal('median').default('median'),
  /** Completed trials needed before any trial is pruned. */
  startupTrials: z.number().int().min(1).max(MAX_TRIALS).default(2),
  /** Epochs every trial runs before it may be pruned. */
  warmupSteps: z.number().int().min(0).max(100_000).default(5),
});
export type PrunerConfig = z.infer<typeof prunerSchema>;

export const tuningSchema = z
  .strictObject({
    /** A metric the job reports in its per-epoch progress events (the built-in trainer: val_loss, val_accuracy, loss, accuracy). */
    objective: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]{0,63}$/, 'a metric name'),
    /** Left out: minimize for losses and errors, maximize for accuracy-like metrics; required for other names. */
    direction: z.enum(['minimize', 'maximize']).optional(),
    trials: z.number().int().min(1).max(MAX_TRIALS),
    parallelism: z.number().int().min(1).max(MAX_PARALLELISM).default(1),
    space: z
      .record(paramName, paramSpaceSchema)
      .refine((space) => Object.keys(space).length >= 1, 'the space needs at least one parameter')
      .refine((space) => Object.keys(space).length <= MAX_SPACE_PARAMETERS, `the space may search at most ${MAX_SPACE_PARAMETERS} parameters`),
    strategy: z.enum(['random', 'tpe']).default('random'),
    /** true: median pruning with its defaults; an object sets them; left out or false: every trial runs to its end. */
    pruning: z.union([z.boolean(), prunerSchema]).optional(),
    /** Seeds the sampler; left out: derived from the pipeline id (a retried pipeline samples the same trials). */
    seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  })
  .superRefine((tuning, ctx) => {
    for (const [name, space] of Object.entries(tuning.space)) {
      const problem = paramSpaceProblem(name, space);
      if (problem) ctx.addIssue({ code: 'custom', path: ['space', name], message: problem });
    }
    if (tuning.parallelism > tuning.trials) {
      ctx.addIssue({ code: 'custom', path: ['parallelism'], message: `parallelism (${tuning.parallelism}) may not exceed trials (${tuning.trials})` });
    }
    if (!tuning.direction && !defaultDirection(tuning.objective)) {
      ctx.addIssue({ code: 'custom', path: ['direction'], message: `say whether to minimize or maximize '${tuning.objective}'` });
    }
  });
export type TuningConfig = z.infer<typeof tuningSchema>;
export type Direction = 'minimize' | 'maximize';

const MINIMIZED = /(^|_)(loss|error|err|mse|rmse|mae|logloss|brier)$/;
const MAXIMIZED = /(^|_)(accuracy|acc|f1|f1_macro|auc|roc_auc|precision|recall|r2)$/;

/** The direction a metric's name implies, or undefined when it implies none. */
export function defaultDirection(objective: string): Direction | undefined {
  if (MINIMIZED.test(objective)) return 'minimize';
  if (MAXIMIZED.test(objective)) return 'maximize';
  return undefined;
}

export function directionOf(tuning: Pick<TuningConfig, 'objective' | 'direction'>): Direction {
  return tuning.direction ?? defaultDirection(tuning.objective) ?? 'minimize';
}

/** The pruner a tuning runs with, or undefined when it prunes nothing. */
export function prunerOf(tuning: Pick<TuningConfig, 'pruning'>): PrunerConfig | undefined {
  if (tuning.pruning === undefined || tuning.pruning === false) return undefined;
  return tuning.pruning === true ? prunerSchema.parse({}) : tuning.pruning;
}

/** One value drawn uniformly from a parameter's space (log-uniformly for log scales). */
export function sampleParam(space: ParamSpace, random: Random): ParamValue {
  switch (space.type) {
    case 'uniform':
      return space.low + random() * (space.high - space.low);
    case 'logUniform':
      return Math.exp(Math.log(space.low) + random() * (Math.log(space.high) - Math.log(space.low)));
    case 'int': {
      if (space.log) {
        // low >= 1 here, so the widened range [low - 0.5, high + 0.5] stays positive.
        const a = Math.log(space.low - 0.5);
        return clampInt(Math.round(Math.exp(a + random() * (Math.log(space.high + 0.5) - a))), space);
      }
      return clampInt(space.low + Math.floor(random() * (space.high - space.low + 1)), space);
    }
    case 'choice':
      return space.values[Math.min(space.values.length - 1, Math.floor(random() * space.values.length))]!;
  }
}

function clampInt(x: number, space: { low: number; high: number }): number {
  return Math.min(space.high, Math.max(space.low, x));
}

/** Whether a value lies in the parameter's space. */
export function inSpace(space: ParamSpace, value: ParamValue): boolean {
  if (space.type === 'choice') return space.values.some((v) => v === value);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (space.type === 'int' && !Number.isInteger(value)) return false;
  return value >= space.low && value <= space.high;
}
