// Tuning throughput on this machine: one tuning of the built-in trainer on the breast-cancer example
// (real worker, real training processes) per configuration, parallelism 1 and 2, median pruning off
// and on, all with the same seed (random search draws the same trials in each), side by side in one
// run. Reports trials per hour (trials over the train stage's wall time), the trials pruned and the
// wall time pruning saved at each parallelism.
//
//   npm run bench:tuning -- [--trials 6] [--epochs 60] [--seed 4]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../config/project-root';
import { statusQuery, type PipelineInput, type PipelineStatus } from '../contracts/model-pipeline-messages';
import { datasetSpecSchema } from '../core/data/dataset-spec';
import { BUILT_IN_TRAINER_COMMAND } from '../core/pipeline/pipeline-template';
import { tuningSchema } from '../core/tuning/search-space';
import { intArg } from './bench-args';
import { printTable, writeResults } from './bench-report';
import { abortAfter, interrupted, startBenchStack, stopAll, type BenchStack } from './bench-stack';

const trials = intArg('trials', 6);
const epochs = intArg('epochs', 60);
const seed = intArg('seed', 4);
const BENCH_BUDGET_MS = 60 * 60_000;

const spec = datasetSpecSchema.parse(JSON.parse(readFileSync(path.join(projectRoot, 'examples/breast-cancer/dataset-spec.json'), 'utf8')));
const datasetUri = pathToFileURL(path.join(projectRoot, 'examples/breast-cancer/data/breast-cancer.csv')).href;
// Small batches and no early stopping: every trial runs all its epochs unless pruned.
const params = { epochs, batch_size: 16, patience: 0, hidden: [32], seed: 42 };

interface Run {
  parallelism: number;
  pruning: boolean;
  trainSeconds: number;
  trialsPerHour: number;
  completed: number;
  pruned: number;
  failed: number;
  trialSeconds: number;
  best: { n: number; objective: number | undefined } | null;
}

async function tune(stack: BenchStack, parallelism: number, pruning: boolean): Promise<Run> {
  const tuning = tuningSchema.parse({
    objective: 'val_loss',
    trials,
    parallelism,
    space: { lr: { type: 'logUniform', low: 1e-6, high: 0.03 } },
    pruning: pruning ? { startupTrials: 2, warmupSteps: 3 } : false,
    seed,
  });
  const pipelineId = `breast-cancer-${Math.floor(Math.random() * 2 ** 52).toString(16).padStart(16, '0').slice(0, 16)}`;
  const input: PipelineInput = {
    pipelineId,
    model: 'breast-cancer',
    datasetUri,
    spec,
    job: { command: [...BUILT_IN_TRAINER_COMMAND], deadlineSeconds: 1800 },
    params,
    gate: { roc_auc: { threshold: 0.5, greater_is_better: true } },
    holdout: { fraction: 0.2, seed: 42 },
    approvalTimeoutSeconds: 3600,
    submittedBy: 'bench',
    tuning,
  };
  const handle = await stack.client.workflow.start('modelPipeline', { taskQueue: stack.taskQueue, workflowId: pipelineId, args: [input] });
  let trainingSince: number | undefined;
  let status: PipelineStatus;
  for (;;) {
    stack.assertAlive();
    status = await handle.query(statusQuery);
    if (status.stage === 'training') trainingSince ??= performance.now();
    if (status.stage !== 'validating' && status.stage !== 'training') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const trainSeconds = (performance.now() - (trainingSince ?? performance.now())) / 1000;
  await handle.cancel().catch(() => undefined);
  if (status.stage === 'failed') throw new Error(`the tuning failed: ${JSON.stringify(status.error)}`);
  const all = status.trials ?? [];
  const best = all.find((t) => t.n === status.tuning?.best);
  return {
    parallelism,
    pruning,
    trainSeconds,
    trialsPerHour: (all.length / trainSeconds) * 3600,
    completed: all.filter((t) => t.state === 'completed').length,
    pruned: all.filter((t) => t.state === 'pruned').length,
    failed: all.filter((t) => t.state === 'failed').length,
    trialSeconds: all.reduce((s, t) => s + (t.seconds ?? 0), 0),
    best: best ? { n: best.n, objective: best.objective } : null,
  };
}

abortAfter(BENCH_BUDGET_MS, 'bench:tuning');
console.log(`[bench] starting the stack (Temporal dev server in memory, worker, control API); ${trials} trials of ${epochs} epochs per tuning`);
const stack = await startBenchStack({ name: 'tuning', temporalStore: 'memory' }).catch(async (err: Error) => {
  if (!interrupted()) console.error(`[bench] the stack did not start: ${err.message}`);
  await stopAll();
  return process.exit(interrupted() ? 130 : 1);
});
let failed = false;
try {
  const runs: Run[] = [];
  for (const parallelism of [1, 2]) {
    for (const pruning of [false, true]) {
      console.log(`[bench] parallelism ${parallelism}, pruning ${pruning ? 'on' : 'off'}`);
      runs.push(await tune(stack, parallelism, pruning));
    }
  }
  const saved = (p: number) => {
    const off = runs.find((r) => r.parallelism === p && !r.pruning)!;
    const on = runs.find((r) => r.parallelism === p && r.pruning)!;
    return `${(off.trainSeconds - on.trainSeconds).toFixed(1)} s (${(((off.trainSeconds - on.trainSeconds) / off.trainSeconds) * 100).toFixed(0)}%)`;
  };
  console.log('');
  printTable(
    ['parallelism', 'pruning', 'train stage', 'trials/hour', 'completed', 'pruned', 'best trial (val_loss)', 'pruning saved'],
    runs.map((r) => [
      String(r.parallelism),
      r.pruning ? 'median' : 'off',
      `${r.trainSeconds.toFixed(1)} s`,
      r.trialsPerHour.toFixed(0),
      String(r.completed),
      String(r.pruned),
      r.best ? `#${r.best.n} (${r.best.objective?.toFixed(4)})` : '-',
      r.pruning ? saved(r.parallelism) : '',
    ]),
  );
  const file = writeResults('tuning-throughput', { trials, epochs, seed, params, cpus: (await import('node:os')).cpus().length, runs });
  console.log(`\nresults: ${file}`);
} catch (err) {
  failed = true;
  if (!interrupted()) console.error(`\n[bench] ${(err as Error).message}`);
} finally {
  await stack.stop({ keepHome: failed });
}
process.exit(interrupted() ? 130 : failed ? 1 : 0);
