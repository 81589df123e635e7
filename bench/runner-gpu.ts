// `npm run bench:runner-gpu [-- --rows N --epochs E]`: the job runner on its host's GPU against the same
// host's CPU, side by side in one run: the built-in trainer's job (jobs/tabular/train.py) submitted
// through the runner provider (the client Windsock's worker uses), once with one GPU and once with
// none (CUDA_VISIBLE_DEVICES empty), on the digits example and on a larger synthetic table. Reports
// wall seconds per job, epochs per second, the device the job saw and the GPU-seconds the runner
// billed. On a host without GPUs only the CPU rows run, and the table says so.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunnerProvider } from '../activities/compute/runner-provider';
import { terminalStates, type JobStatus } from '../activities/compute/compute-provider';
import { BUILT_IN_TRAINER_COMMAND } from '../core/pipeline/pipeline-template';
import { mulberry32 } from '../core/statistics/seeded-random';
import { projectRoot } from '../config/project-root';
import { startRunnerProcess } from '../scripts/runner-process';
import { intArg } from './bench-args';
import { printTable, writeResults } from './bench-report';

const rows = intArg('rows', 100_000);
const epochs = intArg('epochs', 10);
setTimeout(() => {
  console.error('the runner GPU bench ran past 20 minutes; stopping');
  process.exit(1);
}, 20 * 60_000).unref();

interface Case {
  name: string;
  dataset: string;
  spec: string;
  params: Record<string, unknown>;
}

interface Outcome {
  case: string;
  gpus: number;
  state: string;
  device?: string;
  wallSeconds: number;
  epochs?: number;
  gpuSeconds?: number;
  error?: string;
}

/** A table of `rows` points around 10 Gaussian centres in 32 dimensions, seeded, with its spec. */
function syntheticTable(dir: string): { dataset: string; spec: string } {
  const features = 32;
  const classes = 10;
  const random = mulberry32(7);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: classes }, () => Array.from({ length: features }, () => gaussian() * 2));
  const lines = [[...Array.from({ length: features }, (_, i) => `x${i}`), 'label'].join(',')];
  for (let r = 0; r < rows; r++) {
    const label = r % classes;
    lines.push([...centres[label]!.map((c) => (c + gaussian() * 3).toFixed(4)), `c${label}`].join(','));
  }
  const dataset = path.join(dir, 'synthetic.csv');
  writeFileSync(dataset, `${lines.join('\n')}\n`);
  const spec = path.join(dir, 'synthetic-spec.json');
  writeFileSync(spec, JSON.stringify({
    features: Array.from({ length: features }, (_, i) => ({ name: `x${i}`, type: 'float', nullable: false })),
    target: { name: 'label', classes: Array.from({ length: classes }, (_, i) => `c${i}`) },
  }));
  return { dataset, spec };
}

async function runJob(provider: RunnerProvider, job: Case, gpus: number, key: string): Promise<Outcome> {
  const started = Date.now();
  const { jobId } = await provider.submit(
    {
      command: [...BUILT_IN_TRAINER_COMMAND],
      env: { WINDSOCK_PARAMS: JSON.stringify(job.params) },
      inputs: { WINDSOCK_DATASET: job.dataset, WINDSOCK_DATASET_SPEC: job.spec },
      deadlineSeconds: 1800,
      gpus,
    },
    key,
  );
  let status: JobStatus;
  let epochsDone = 0;
  for (;;) {
    status = await provider.status(jobId);
    if (typeof status.progress?.epoch === 'number') epochsDone = Math.max(epochsDone, status.progress.epoch);
    if (terminalStates.has(status.state)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const wallSeconds = (Date.now() - started) / 1000;
  let device: string | undefined;
  if (status.state === 'succeeded') {
    const outputs = await provider.outputs(jobId);
    device = /device (\w+)/.exec(outputs.logs)?.[1];
  }
  return {
    case: job.name,
    gpus,
    state: status.state,
    ...(device ? { device } : {}),
    wallSeconds,
    ...(epochsDone > 0 ? { epochs: epochsDone } : {}),
    ...(status.gpuSeconds !== undefined ? { gpuSeconds: status.gpuSeconds } : {}),
    ...(status.error ? { error: status.error.slice(-400) } : {}),
  };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-runner-gpu-'));
const runner = await startRunnerProcess({ home: path.join(dir, 'home'), env: { WINDSOCK_RUNNER_PRICE_PER_GPU_HOUR: '1' } });
try {
  const health = await runner.get('/v1/health');
  const gpuCount: number = Array.isArray(health.gpus) ? health.gpus.length : 0;
  const provider = new RunnerProvider({ name: 'bench', baseUrl: runner.url, token: runner.token, workDir: path.join(dir, 'outputs') });
  const synthetic = syntheticTable(dir);
  const digitsDir = path.join(projectRoot, 'examples/digits');
  const cases: Case[] = [
    { name: 'digits (1797 rows, 64 features, [128, 64])', dataset: path.join(digitsDir, 'data/digits.csv'), spec: path.join(digitsDir, 'dataset-spec.json'), params: { epochs: 60, patience: 0 } },
    { name: `synthetic (${rows} rows, 32 features, [1024, 1024])`, ...synthetic, params: { epochs, patience: 0, hidden: [1024, 1024], batch_size: 1024, validation_fraction: 0 } },
  ];
  const outcomes: Outcome[] = [];
  for (const job of cases) {
    for (const gpus of gpuCount > 0 ? [1, 0] : [0]) {
      outcomes.push(await runJob(provider, job, gpus, `bench-${outcomes.length}-${Date.now()}`));
    }
  }
  console.log(`runner GPUs: ${gpuCount ? JSON.stringify(health.gpus) : 'none: CPU rows only'}`);
  printTable(
    ['job', 'gpus', 'state', 'device', 'wall s', 'epochs/s', 'billed GPU-s'],
    outcomes.map((o) => [o.case, String(o.gpus), o.state, o.device ?? '-', o.wallSeconds.toFixed(2), o.epochs ? (o.epochs / o.wallSeconds).toFixed(2) : '-', o.gpuSeconds?.toFixed(2) ?? '-']),
  );
  for (const job of cases) {
    const [gpu, cpu] = [outcomes.find((o) => o.case === job.name && o.gpus === 1), outcomes.find((o) => o.case === job.name && o.gpus === 0)];
    if (gpu && cpu && gpu.state === 'succeeded' && cpu.state === 'succeeded') console.log(`${job.name}: CPU wall / GPU wall = ${(cpu.wallSeconds / gpu.wallSeconds).toFixed(2)}x`);
  }
  for (const o of outcomes.filter((o) => o.error)) console.log(`${o.case} (gpus ${o.gpus}) failed: ${o.error}`);
  console.log(`results: ${writeResults('runner-gpu', { rows, epochs, gpus: health.gpus ?? [], outcomes })}`);
} catch (err) {
  console.error(runner.log().slice(-3000));
  throw err;
} finally {
  await runner.stop();
  rmSync(dir, { recursive: true, force: true });
}
