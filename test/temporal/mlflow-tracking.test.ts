// Experiment tracking in MLflow: a real pipeline (the built-in tabular trainer on the digits example)
// logs to a real MLflow tracking server (`mlflow server`, SQLite store, proxied artifacts), read back
// through MLflow's REST API and once through MLflow's own Python client. One run per training, even
// when the training activity is retried after it logged; a tracking server that is down costs a
// warning, never the pipeline.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MLFLOW_ARTIFACTS, MLFLOW_TAGS, MlflowTracker, epochMetrics, jobEvents } from '../../activities/mlflow-run-tracking';
import { MlflowClient, type MlflowRun } from '../../activities/mlflow-tracking';
import { projectRoot } from '../../config/project-root';
import { freePort } from '../../scripts/local-processes';
import { WindsockError } from '../../core/windsock-error';
import { startMlflowServer, type MlflowTestServer } from '../mlflow-server';
import { startHarness, type Harness } from './pipeline-harness';

const model = 'digits';
const dataset = 'examples/digits/data/digits.csv';
const epochs = 12;
// Every epoch runs (no early stopping), so each one has its step.
const overrides = { epochs, patience: 0 };
const template = JSON.parse(readFileSync(path.join(projectRoot, 'examples/digits/pipeline.json'), 'utf8')) as { params: Record<string, unknown> };
const classes = (JSON.parse(readFileSync(path.join(projectRoot, 'examples/digits/dataset-spec.json'), 'utf8')) as { target: { classes: string[] } }).target.classes;

let mlflow: MlflowTestServer;
let h: Harness;
const warnings: string[] = [];
let trainings = 0;
let failNextTrainingAfterLogging = false;

/** A tracker whose training, once asked, fails its activity after everything was logged (a lost worker). */
function trackerFor(client: MlflowClient): MlflowTracker {
  const tracker = new MlflowTracker(client, (m) => warnings.push(m));
  const training = tracker.training.bind(tracker);
  tracker.training = (input, beat) => {
    trainings++;
    const tracking = training(input, beat);
    const finished = tracking.finished.bind(tracking);
    tracking.finished = async (...args) => {
      await finished(...args);
      if (failNextTrainingAfterLogging) {
        failNextTrainingAfterLogging = false;
        throw new WindsockError('unavailable', 'worker lost after the training was logged', { retryable: true });
      }
    };
    return tracking;
  };
  return tracker;
}

beforeAll(async () => {
  mlflow = await startMlflowServer();
  h = await startHarness('mlflow', { adjust: (deps) => ({ ...deps, mlflow: trackerFor(mlflow.client) }) });
});
afterAll(async () => {
  await h?.close();
  await mlflow?.stop();
});

async function runOf(pipelineId: string): Promise<MlflowRun[]> {
  const experimentId = await mlflow.client.getExperimentIdByName(model);
  return experimentId ? mlflow.client.searchRunsByTag([experimentId], MLFLOW_TAGS.pipeline, pipelineId) : [];
}

const tagsOf = (run: MlflowRun) => Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('MLflow tracking', () => {
  let pipelineId: string;
  let version: number;

  it("logs a pipeline's params, epochs, metrics, model and version in one run, through a retried training", async () => {
    failNextTrainingAfterLogging = true;
    trainings = 0;
    pipelineId = await h.submit({ model, dataset, params: overrides }, 'mlflow');
    const waiting = await h.waitForStage(pipelineId, ['awaiting_approval', 'failed']);
    expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
    version = waiting.version!;
    // The training activity ran twice (the first attempt failed after it had logged everything).
    expect(trainings).toBe(2);
    expect(warnings).toEqual([]);

    const runs = await runOf(pipelineId);
    expect(runs).toHaveLength(1);
    const run = await mlflow.client.getRun(runs[0]!.info.run_id);
    const registered = await h.registry.requireVersion(model, version);
    expect(run.info).toMatchObject({ run_name: pipelineId, status: 'FINISHED' });
    expect(tagsOf(run)).toMatchObject({
      [MLFLOW_TAGS.pipeline]: pipelineId,
      [MLFLOW_TAGS.model]: model,
      [MLFLOW_TAGS.runId]: registered.pipelineRunId,
      [MLFLOW_TAGS.version]: String(version),
      [MLFLOW_TAGS.modelSha256]: registered.artifactSha256,
      [MLFLOW_TAGS.gate]: 'passed',
      'mlflow.source.git.commit': 'test',
    });
    expect(tagsOf(run)).not.toHaveProperty(MLFLOW_TAGS.trial);

    // The params the job ran with: the template's, with the submitted overrides.
    const params = Object.fromEntries((run.data.params ?? []).map((p) => [p.key, p.value]));
    const expected = { ...template.params, ...overrides };
    expect(params).toEqual(Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])));

    // Each epoch once, with the values the job reported.
    const reported = epochMetrics(jobEvents(new TextDecoder().decode(await h.deps.blobs.get(registered.lineage.jobLogsUri as string))));
    expect([...reported.keys()]).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
    for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy']) {
      const history = await mlflow.client.getMetricHistory(run.info.run_id, key);
      expect(history.map((m) => Number(m.step)).sort((a, b) => a - b), key).toEqual([...reported.keys()]);
      for (const m of history) expect(m.value).toBe(reported.get(Number(m.step))![key]);
    }

    // The job's final metrics and the evaluation's, once each.
    const latest = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
    const jobMetrics = registered.lineage.jobMetrics as Record<string, number>;
    expect(latest['final/train_loss']).toBe(jobMetrics.train_loss);
    expect(latest['final/val_accuracy']).toBe(jobMetrics.val_accuracy);
    expect(latest['evaluation/accuracy']).toBe(registered.metrics.accuracy);
    expect(latest['evaluation/f1_macro']).toBe(registered.metrics.f1_macro);
    for (const key of ['final/train_loss', 'evaluation/accuracy']) expect(await mlflow.client.getMetricHistory(run.info.run_id, key)).toHaveLength(1);

    // The model MLflow keeps is the registered one, byte for byte; the confusion matrix is the registry's.
    expect(sha256(await mlflow.client.downloadArtifact(run, MLFLOW_ARTIFACTS.model))).toBe(registered.artifactSha256);
    const matrix = JSON.parse(new TextDecoder().decode(await mlflow.client.downloadArtifact(run, MLFLOW_ARTIFACTS.confusionMatrix)));
    expect(matrix).toEqual({ labels: classes, rows: 'actual', columns: 'predicted', matrix: registered.confusionMatrix });
  });

  it("reads back the same through MLflow's Python client", async () => {
    expect(pipelineId).toBeDefined();
    const [run] = await runOf(pipelineId);
    const out = await mlflow.python(`
import hashlib, json, tempfile
import mlflow
from mlflow import MlflowClient
client = MlflowClient()
experiment = client.get_experiment_by_name(${JSON.stringify(model)})
runs = client.search_runs([experiment.experiment_id], filter_string="tags.\`windsock.pipeline\` = '${pipelineId}'")
run = runs[0]
with tempfile.TemporaryDirectory() as d:
    local = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path=${JSON.stringify(MLFLOW_ARTIFACTS.model)}, dst_path=d)
    digest = hashlib.sha256(open(local, "rb").read()).hexdigest()
print(json.dumps({
    "runs": len(runs),
    "run_id": run.info.run_id,
    "status": run.info.status,
    "version": run.data.tags.get("windsock.version"),
    "params": run.data.params,
    "loss_steps": sorted(m.step for m in client.get_metric_history(run.info.run_id, "loss")),
    "accuracy": run.data.metrics.get("evaluation/accuracy"),
    "model_sha256": digest,
}))
`);
    const registered = await h.registry.requireVersion(model, version);
    const seen = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(seen).toMatchObject({
      runs: 1,
      run_id: run!.info.run_id,
      status: 'FINISHED',
      version: String(version),
      loss_steps: Array.from({ length: epochs }, (_, i) => i + 1),
      accuracy: registered.metrics.accuracy,
      model_sha256: registered.artifactSha256,
    });
    expect(seen.params.epochs).toBe(String(epochs));
    await h.request('POST', `/v1/pipelines/${pipelineId}/reject`, { as: 'bob', body: { reason: 'test cleanup' } });
  });

  it("logs tuning trials as runs of their own under the pipeline's run", async () => {
    // The training activity's side of trials, against the same server: two trials of one pipeline run.
    const registered = await h.registry.requireVersion(model, version);
    const tracker = new MlflowTracker(mlflow.client, (m) => warnings.push(m));
    const trialPipeline = `tune-${Date.now()}`;
    const read = (uri: string) => h.deps.blobs.get(uri);
    // Started together, as parallel trials are: they share one parent run.
    await Promise.all(
      [1, 2].map(async (trial) => {
        const tracking = tracker.training({ model, pipelineId: trialPipeline, runId: 'run-1', trial, params: { lr: 0.01 * trial }, jobKey: `${trialPipeline}:run-1:train/trial-${trial}`, codeVersion: 'test', command: ['python', 'jobs/tabular/train.py'] });
        await tracking.start();
        await tracking.progress({ event: 'progress', epoch: 1, loss: 1 / trial });
        await tracking.finished({ provider: 'local', jobId: `job-${trial}`, modelUri: `${registered.artifactUri}#trial-${trial}`, modelSha256: registered.artifactSha256, logsUri: registered.lineage.jobLogsUri as string, seconds: 1 }, (uri) => read(uri.split('#')[0]!));
      }),
    );
    const best = `${registered.artifactUri}#trial-2`;
    await tracker.evaluated({ model, modelUri: best, metrics: { accuracy: 0.9 }, confusionMatrix: registered.confusionMatrix, classes, gatePassed: true });
    await tracker.registered({ model, modelUri: best, version: 99, sha256: registered.artifactSha256 });
    expect(warnings).toEqual([]);

    const runs = await runOf(trialPipeline);
    expect(runs).toHaveLength(3);
    const parent = runs.find((r) => !tagsOf(r)[MLFLOW_TAGS.trial])!;
    const trials = runs.filter((r) => tagsOf(r)[MLFLOW_TAGS.trial]).sort((a, b) => Number(tagsOf(a)[MLFLOW_TAGS.trial]) - Number(tagsOf(b)[MLFLOW_TAGS.trial]));
    expect(parent.info).toMatchObject({ run_name: trialPipeline, status: 'FINISHED' });
    expect(trials.map((r) => r.info.status)).toEqual(['FINISHED', 'FINISHED']);
    expect(trials.map((r) => [r.info.run_name, tagsOf(r)[MLFLOW_TAGS.parentRunId], r.data.params?.find((p) => p.key === 'lr')?.value])).toEqual([
      [`${trialPipeline} trial 1`, parent.info.run_id, '0.01'],
      [`${trialPipeline} trial 2`, parent.info.run_id, '0.02'],
    ]);
    // The registered trial and the pipeline's run carry the version; the other trial does not.
    expect([tagsOf(parent)[MLFLOW_TAGS.version], ...trials.map((r) => tagsOf(r)[MLFLOW_TAGS.version])]).toEqual(['99', undefined, '99']);
    // Epoch 1 logged live, then not again from the job's history, which adds the others.
    const history = (await mlflow.client.getMetricHistory(trials[1]!.info.run_id, 'loss')).sort((a, b) => Number(a.step) - Number(b.step));
    expect(history.map((m) => Number(m.step))).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
    expect(history[0]!.value).toBe(0.5);
  });

  it('marks the run FAILED when the training fails', async () => {
    const id = await h.submit({ model, dataset, params: { ...overrides, hidden: 'wide' } }, 'mlflow-failed');
    const failed = await h.waitForStage(id, ['failed', 'awaiting_approval']);
    expect(failed.stage).toBe('failed');
    const runs = await runOf(id);
    expect(runs.map((r) => r.info.status)).toEqual(['FAILED']);
    expect(runs[0]!.data.params?.find((p) => p.key === 'hidden')?.value).toBe('wide');
  });

  it('finishes the pipeline when the tracking server is down, with a warning that holds no secret', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const before = h.deps.mlflow;
    h.deps.mlflow = trackerFor(new MlflowClient({ trackingUri: down, token: 'mlflow-secret-token' }));
    warnings.length = 0;
    try {
      const id = await h.submit({ model, dataset, params: { ...overrides, epochs: 3 } }, 'mlflow-down');
      const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
      expect(waiting.stage, JSON.stringify(waiting.error)).toBe('awaiting_approval');
      expect(waiting.version).toBe(version + 1);
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.join('\n')).toMatch(/MLflow at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
      expect(warnings.join('\n')).not.toContain('mlflow-secret-token');
      expect(await runOf(id)).toEqual([]);
      await h.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: { reason: 'test cleanup' } });
    } finally {
      h.deps.mlflow = before;
    }
  });
});
