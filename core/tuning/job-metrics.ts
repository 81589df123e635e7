// What the built-in trainers report per epoch and accept as params, so that a template's tuning is
// checked when it is saved (an objective the job never reports would leave every trial without a
// curve). Other job commands are the template author's to know: anything well-formed passes.
import { BUILT_IN_TRAINER_COMMAND } from '../pipeline/pipeline-template';
import type { TuningConfig } from './search-space';

interface KnownJob {
  metrics(params: Record<string, unknown>): string[];
  params: readonly string[];
}

const knownJobs: Record<string, KnownJob> = {
  [BUILT_IN_TRAINER_COMMAND[1]!]: {
    // val_* only with a validation split (validation_fraction 0 trains on every row).
    metrics: (params) => (params.validation_fraction === 0 ? ['loss', 'accuracy'] : ['loss', 'accuracy', 'val_loss', 'val_accuracy']),
    params: ['epochs', 'lr', 'hidden', 'batch_size', 'seed', 'weight_decay', 'validation_fraction', 'patience', 'checkpoint_every'],
  },
  'jobs/breast-cancer/train.py': {
    metrics: () => ['loss', 'accuracy'],
    params: ['epochs', 'lr', 'hidden', 'batch_size', 'seed', 'weight_decay', 'checkpoint_every'],
  },
};

function knownJob(command: readonly string[] | undefined): KnownJob | undefined {
  const cmd = command ?? BUILT_IN_TRAINER_COMMAND;
  return cmd.length === 2 && cmd[0] === 'python' ? knownJobs[cmd[1]!] : undefined;
}

/** Problems of a tuning against the job it tunes, each with the path it concerns. */
export function tuningJobProblems(tuning: Pick<TuningConfig, 'objective' | 'space'>, command: readonly string[] | undefined, params: Record<string, unknown>): Array<{ path: string[]; message: string }> {
  const job = knownJob(command);
  if (!job) return [];
  const problems: Array<{ path: string[]; message: string }> = [];
  const metrics = job.metrics(params);
  if (!metrics.includes(tuning.objective)) {
    problems.push({ path: ['objective'], message: `the job does not report '${tuning.objective}' per epoch; it reports ${metrics.join(', ')}` });
  }
  for (const name of Object.keys(tuning.space)) {
    if (!job.params.includes(name)) problems.push({ path: ['space', name], message: `space.${name}: the job has no parameter '${name}'; it takes ${job.params.join(', ')}` });
  }
  return problems;
}
