// The built-in tabular trainer (jobs/tabular/train.py) run as a real process on a mixed dataset
// (numbers, categories, missing values, 3 classes) and on the digits example, its ONNX model loaded
// with onnxruntime-node as evaluation loads it: raw rows in, class probabilities out, whatever the
// rows hold; the same model for the same seed; a run killed after a checkpoint resumes to the
// model an uninterrupted run gives; bad input refused with exit status 2.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_JOB_ENV_ALLOW, hostEnvForJob } from '../../activities/compute/job-environment';
import { loadOnnxModel, predictProbabilities } from '../../activities/onnx-model';
import { projectRoot } from '../../config/project-root';
import { parseCsv } from '../../core/data/csv';
import { datasetSpecSchema, type DatasetSpec } from '../../core/data/dataset-spec';
import { toFeatureMatrix, type FeatureMatrix } from '../../core/data/dataset-validation';
import { holdJob } from './job-hold';

const trainer = path.join(projectRoot, 'jobs/tabular/train.py');
const mixedCsv = path.join(projectRoot, 'test/fixtures/mixed-tabular.csv');
const mixedSpecFile = path.join(projectRoot, 'test/fixtures/mixed-tabular.spec.json');
const digitsCsv = path.join(projectRoot, 'examples/digits/data/digits.csv');
const digitsSpecFile = path.join(projectRoot, 'examples/digits/dataset-spec.json');

type JobEvent = { event: string; epoch?: number; metrics?: Record<string, unknown> };
interface TrainerRun {
  code: number | null;
  events: JobEvent[];
  stderr: string;
  modelPath: string;
}
interface TrainerOptions {
  dataset?: string;
  spec?: string;
  params?: Record<string, unknown>;
  checkpointDir?: string;
}

let workDir: string;
let runs = 0;

/** Starts the trainer with the job contract's environment; `stderrShows` resolves once stderr contains a text. */
function startTrainer({ dataset = mixedCsv, spec = mixedSpecFile, params = {}, checkpointDir }: TrainerOptions) {
  const outDir = path.join(workDir, `out-${++runs}`);
  const child = spawn(inject('python'), [trainer], {
    cwd: projectRoot,
    env: {
      ...hostEnvForJob(process.env, DEFAULT_JOB_ENV_ALLOW),
      WINDSOCK_DATASET: dataset,
      WINDSOCK_DATASET_SPEC: spec,
      WINDSOCK_PARAMS: JSON.stringify(params),
      WINDSOCK_OUTPUT_DIR: outDir,
      ...(checkpointDir ? { WINDSOCK_CHECKPOINT_DIR: checkpointDir } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<TrainerRun>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const events = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as JobEvent);
      resolve({ code, events, stderr, modelPath: path.join(outDir, 'model.onnx') });
    });
  });
  const stderrShows = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (stderr.includes(text)) return resolve();
      child.stderr.on('data', () => {
        if (stderr.includes(text)) resolve();
      });
      child.once('close', () => reject(new Error(`the trainer ended without logging ${JSON.stringify(text)}:\n${stderr}`)));
    });
  return { child, done, stderrShows };
}

async function train(options: TrainerOptions): Promise<TrainerRun> {
  const run = await startTrainer(options).done;
  expect(run.code, run.stderr).toBe(0);
  return run;
}

function readDataset(csvFile: string, specFile: string): { spec: DatasetSpec; data: FeatureMatrix } {
  const spec = datasetSpecSchema.parse(JSON.parse(readFileSync(specFile, 'utf8')));
  return { spec, data: toFeatureMatrix(spec, parseCsv(readFileSync(csvFile, 'utf8'))) };
}

async function predict(modelPath: string, rows: number[][], numClasses: number) {
  const model = await loadOnnxModel(readFileSync(modelPath));
  try {
    return { signature: model.signature, probabilities: await predictProbabilities(model, rows, numClasses) };
  } finally {
    await model.session.release();
  }
}

function accuracy(probabilities: number[][], labels: number[]): number {
  const correct = probabilities.filter((p, i) => p.indexOf(Math.max(...p)) === labels[i]).length;
  return correct / labels.length;
}

function expectDistributions(probabilities: number[][], numClasses: number): void {
  for (const row of probabilities) {
    expect(row).toHaveLength(numClasses);
    for (const p of row) expect(Number.isFinite(p) && p >= 0 && p <= 1, JSON.stringify(row)).toBe(true);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  }
}

function maxDifference(a: number[][], b: number[][]): number {
  return Math.max(...a.flatMap((row, i) => row.map((p, j) => Math.abs(p - b[i]![j]!))));
}

describe('built-in tabular trainer', () => {
  const mixed = readDataset(mixedCsv, mixedSpecFile);
  let mixedRun: TrainerRun;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'windsock-tabular-'));
    mixedRun = await train({});
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('takes raw rows of numbers, categories and missing values and gives class probabilities', async () => {
    const kinds = mixedRun.events.map((e) => e.event);
    expect(kinds[0]).toBe('started');
    expect(kinds.at(-1)).toBe('completed');
    expect(kinds.slice(1, -1).every((k) => k === 'progress')).toBe(true);

    const { signature, probabilities } = await predict(mixedRun.modelPath, mixed.data.features, 3);
    expect(signature).toEqual({
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 5] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }],
    });
    expectDistributions(probabilities, 3);
    // The largest class holds 36% of the rows.
    expect(accuracy(probabilities, mixed.data.labels)).toBeGreaterThan(0.7);
  });

  it('gives finite probabilities for missing values, unknown category indices and extreme numbers', async () => {
    const rows = [
      [Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN],
      [40, 30, 0.5, 7, -1],
      [40, 30, 0.5, 1.5, 3.5],
      [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30, 0, 0],
      [40, 30, 0.5, Number.NaN, 2],
      [40, 30, 0.5, 0, 2],
    ];
    const { probabilities } = await predict(mixedRun.modelPath, rows, 3);
    expectDistributions(probabilities, 3);
    // A missing colour is its own value, not the first category.
    expect(maxDifference([probabilities[4]!], [probabilities[5]!])).toBeGreaterThan(1e-4);
  });

  it('trains the digits example well above chance in a few epochs', async () => {
    const digits = readDataset(digitsCsv, digitsSpecFile);
    const run = await train({ dataset: digitsCsv, spec: digitsSpecFile, params: { epochs: 5, patience: 0 } });
    expect(run.events.filter((e) => e.event === 'progress').map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5]);
    const { signature, probabilities } = await predict(run.modelPath, digits.data.features, 10);
    expect(signature.inputs[0]!.shape).toEqual([-1, 64]);
    expect(signature.outputs[0]!.shape).toEqual([-1, 10]);
    expectDistributions(probabilities, 10);
    expect(accuracy(probabilities, digits.data.labels)).toBeGreaterThan(0.9);
  });

  it('gives the same model for the same seed, and resumes a killed run from its checkpoint to that model', async () => {
    const params = { epochs: 30, patience: 5, checkpoint_every: 5, seed: 7 };
    const predictAll = async (run: TrainerRun) => (await predict(run.modelPath, mixed.data.features, 3)).probabilities;

    const [first, again, otherSeed] = await Promise.all([train({ params }), train({ params }), train({ params: { ...params, seed: 8 } })]);
    const reference = await predictAll(first);
    expect(maxDifference(await predictAll(again), reference)).toBeLessThanOrEqual(1e-6);
    expect(maxDifference(await predictAll(otherSeed), reference)).toBeGreaterThan(1e-3);

    // Killed while held after epoch 10, that is after its checkpoint at epoch 10: past the best epoch
    // so far (9 with this seed), so the resumed run must carry on early stopping's count and weights.
    const checkpointDir = path.join(workDir, 'checkpoints');
    const hold = holdJob(10);
    const held = startTrainer({ params: { ...params, ...hold.params }, checkpointDir });
    await held.stderrShows('holding after epoch 10');
    held.child.kill('SIGKILL');
    const killed = await held.done;
    expect(killed.events.map((e) => e.event)).not.toContain('completed');
    hold.release();

    const resumed = await train({ params: { ...params, ...hold.params }, checkpointDir });
    expect(resumed.events[1]).toMatchObject({ event: 'resumed', epoch: 10 });
    expect(resumed.events.find((e) => e.event === 'progress')?.epoch).toBe(11);
    expect(resumed.events.at(-1)?.metrics).toMatchObject({ resumed_from_epoch: 10, best_epoch: first.events.at(-1)?.metrics?.best_epoch });
    expect(maxDifference(await predictAll(resumed), reference)).toBeLessThanOrEqual(1e-6);
  });

  it('exports the untrained model for epochs 0', async () => {
    const run = await train({ params: { epochs: 0 } });
    expect(run.events.map((e) => e.event)).toEqual(['started', 'completed']);
    expectDistributions((await predict(run.modelPath, mixed.data.features.slice(0, 20), 3)).probabilities, 3);
  });

  it('refuses bad input with exit status 2 and a message that names the problem', async () => {
    const spec = JSON.parse(readFileSync(mixedSpecFile, 'utf8')) as { features: Record<string, unknown>[]; target: Record<string, unknown> };
    const write = (name: string, value: unknown) => {
      const file = path.join(workDir, name);
      writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
      return file;
    };
    const noCategories = write('no-categories.json', { ...spec, features: spec.features.map((f) => (f.name === 'plan' ? { ...f, categories: [] } : f)) });
    const oneClass = write('one-class.json', { ...spec, target: { ...spec.target, classes: ['low'] } });
    const unknownCategory = write('unknown-category.csv', readFileSync(mixedCsv, 'utf8').replace(',basic,', ',platinum,'));
    const cases: [TrainerOptions, RegExp][] = [
      [{ spec: noCategories }, /feature 'plan': categories must be 1 or more distinct strings/],
      [{ spec: oneClass }, /target\.classes must be 2 or more distinct strings/],
      [{ dataset: unknownCategory }, /line \d+: plan 'platinum' is not one of its categories/],
      [{ params: { hidden: 'big' } }, /parameter hidden must be a layer width or a list/],
      [{ params: { validation_fraction: 1 } }, /parameter validation_fraction must be < 1/],
    ];
    const results = await Promise.all(cases.map(([options]) => startTrainer(options).done));
    results.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(cases[i]![1]);
      expect(run.stderr).toMatch(/^error: /m);
    });
  });
});
