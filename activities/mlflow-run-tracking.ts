// What Windsock records in MLflow (WINDSOCK_MLFLOW_TRACKING_URI), and when: the training activity makes
// one run per training (experiment = the model), logs its params, each epoch's metrics once (step = epoch),
// the job's final metrics and the ONNX model; evaluation adds the holdout metrics and the confusion
// matrix; registration tags the version. Runs are found again by tags, so a retried activity never
// makes a second one. Tracking is best effort: a tracking server that is down or refuses a call costs a
// warning, never a pipeline; after its first failure a tracking does nothing more.
import { createHash } from 'node:crypto';
import type { JobProgress } from './compute/compute-provider';
import { mlflowKey, mlflowParam, mlflowTag, type MlflowClient, type MlflowKeyValue, type MlflowMetric, type MlflowRun } from './mlflow-tracking';

export const MLFLOW_TAGS = {
  pipeline: 'windsock.pipeline',
  model: 'windsock.model',
  runId: 'windsock.run_id',
  trial: 'windsock.trial',
  jobKey: 'windsock.job_key',
  /** Hash of pipeline, run and trial: what a retried training searches for. */
  runKey: 'windsock.run_key',
  /** Hash of the trained model's artifact URI: how evaluation and registration find the run that trained it. */
  modelKey: 'windsock.model_key',
  modelUri: 'windsock.model_uri',
  modelSha256: 'windsock.model_sha256',
  version: 'windsock.version',
  gate: 'windsock.gate',
  parentRunId: 'mlflow.parentRunId',
} as const;

/** Where the trained model and the confusion matrix go in a run's artifacts. */
export const MLFLOW_ARTIFACTS = { model: 'model/model.onnx', confusionMatrix: 'evaluation/confusion_matrix.json' } as const;

const key32 = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);
export const mlflowRunKey = (pipelineId: string, runId: string, trial?: number) => key32(`${pipelineId}\n${runId}\n${trial ?? ''}`);
export const mlflowModelKey = (modelUri: string) => key32(modelUri);

/** Progress fields that are not metrics. */
const NOT_METRICS = new Set(['event', 'epoch', 'epochs', 'progress']);

/** Each epoch's metrics from a job's progress events (`{"event":"progress","epoch":e,...}`); a later event for an epoch wins. */
export function epochMetrics(events: Iterable<Record<string, unknown>>): Map<number, Record<string, number>> {
  const byEpoch = new Map<number, Record<string, number>>();
  for (const e of events) {
    if ((e.event !== undefined && e.event !== 'progress') || !Number.isInteger(e.epoch)) continue;
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(e)) if (!NOT_METRICS.has(k) && typeof v === 'number' && Number.isFinite(v)) metrics[mlflowKey(k)] = v;
    if (Object.keys(metrics).length) byEpoch.set(e.epoch as number, metrics);
  }
  return byEpoch;
}

/** The JSON events of a job's stdout, as providers return its logs (stdout, then `--- stderr ---`). */
export function jobEvents(logs: string): Record<string, unknown>[] {
  const stdout = logs.split('\n--- stderr ---\n')[0] ?? '';
  const events: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const parsed: unknown = JSON.parse(line);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) events.push(parsed as Record<string, unknown>);
    } catch {
      // a line that is not an event
    }
  }
  return events;
}

/** The finite numbers among a job's final metrics (metrics.json), prefixed. */
function finalMetrics(jobMetrics: Record<string, unknown> | undefined, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(jobMetrics ?? {})) if (typeof v === 'number' && Number.isFinite(v)) out[mlflowKey(`${prefix}${k}`)] = v;
  return out;
}

export interface TrainingRunInput {
  model: string;
  pipelineId: string;
  runId: string;
  trial?: number;
  params: Record<string, unknown>;
  jobKey: string;
  codeVersion: string;
  command: string[];
}

export interface TrainingOutcome {
  provider: string;
  jobId: string;
  modelUri: string;
  modelSha256: string;
  logsUri: string;
  jobMetrics?: Record<string, unknown>;
  seconds: number;
  gpuSeconds?: number;
  costUsd?: number;
}

type Warn = (message: string) => void;
/** What the training activity's heartbeat carries besides the job id. */
export interface TrainingBeat {
  progress?: JobProgress;
  costUsd?: number;
}
type Beat = (last: TrainingBeat) => void;

export class MlflowTracker {
  /** Pipelines' parent runs being found or made, so that trials started together share one. */
  private readonly parents = new Map<string, Promise<MlflowRun>>();

  constructor(
    readonly client: MlflowClient,
    private readonly warn: Warn = (m) => console.warn(`[mlflow] ${m}`),
  ) {}

  /**
   * The tracking of one training attempt. `beat` keeps the activity's heartbeat going while it logs,
   * with the progress and cost last reported to `progress()` (a heartbeat without them would hide them).
   */
  training(input: TrainingRunInput, beat: Beat = () => undefined): TrainingTracking {
    return new TrainingTracking(this.client, input, beat, this.warn, (key, make) => this.parentRun(key, make));
  }

  /** The evaluation's metrics (`evaluation/<name>`: the holdout's, and cross-validation's when it ran), the gate's verdict and the confusion matrix, on the run that trained the model. */
  async evaluated(input: {
    model: string;
    modelUri: string;
    metrics: Record<string, number | null>;
    confusionMatrix: number[][];
    classes: readonly string[];
    gatePassed: boolean;
  }): Promise<void> {
    await this.bestEffort('logging the evaluation', async () => {
      const run = await this.runOfModel(input.model, input.modelUri);
      if (!run) return;
      const logged = new Set((run.data.metrics ?? []).map((m) => m.key));
      const now = Date.now();
      const metrics: MlflowMetric[] = Object.entries(input.metrics)
        .filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]))
        .map(([k, value]) => ({ key: mlflowKey(`evaluation/${k}`), value, step: 0, timestamp: now }))
        // Logged once: a retried evaluation scores the same model on the same holdout.
        .filter((m) => !logged.has(m.key));
      await this.client.logBatch(run.info.run_id, { metrics, tags: [mlflowTag(MLFLOW_TAGS.gate, input.gatePassed ? 'passed' : 'failed')] });
      const matrix = { labels: input.classes, rows: 'actual', columns: 'predicted', matrix: input.confusionMatrix };
      await this.client.uploadArtifact(run, MLFLOW_ARTIFACTS.confusionMatrix, JSON.stringify(matrix, null, 2), 'application/json');
      // A tuning pipeline's run ends with its search: its best trial is what was evaluated.
      const parent = parentOf(run);
      if (parent && (await this.client.getRun(parent)).info.status === 'RUNNING') await this.client.updateRun(parent, 'FINISHED', Date.now());
    });
  }

  /** The registered version's number, on the run that trained it and on its parent. */
  async registered(input: { model: string; modelUri: string; version: number; sha256: string }): Promise<void> {
    await this.bestEffort('tagging the registered version', async () => {
      const run = await this.runOfModel(input.model, input.modelUri);
      if (!run) return;
      const tags = [mlflowTag(MLFLOW_TAGS.version, String(input.version)), mlflowTag(MLFLOW_TAGS.modelSha256, input.sha256)];
      await this.client.logBatch(run.info.run_id, { tags });
      const parent = parentOf(run);
      if (parent) await this.client.logBatch(parent, { tags });
    });
  }

  private parentRun(key: string, make: () => Promise<MlflowRun>): Promise<MlflowRun> {
    let run = this.parents.get(key);
    if (!run) {
      run = make();
      this.parents.set(key, run);
      // Kept while its trials run; a failed attempt is forgotten so that the next one tries again.
      run.catch(() => this.parents.delete(key));
      if (this.parents.size > 1000) this.parents.delete(this.parents.keys().next().value!);
    }
    return run;
  }

  private async runOfModel(model: string, modelUri: string): Promise<MlflowRun | undefined> {
    const experimentId = await this.client.getExperimentIdByName(model);
    const [run] = experimentId ? await this.client.searchRunsByTag([experimentId], MLFLOW_TAGS.modelKey, mlflowModelKey(modelUri), 1) : [];
    // Trained while tracking was off or down: nothing to add to.
    return run;
  }

  private async bestEffort(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.warn(`${what} failed; the pipeline goes on without it: ${(err as Error).message}`);
    }
  }
}

export class TrainingTracking {
  private run?: MlflowRun;
  private broken = false;
  private lastLiveEpoch = 0;
  private last: TrainingBeat = {};
  /** Steps of each metric known to be logged, as progress goes. */
  private readonly liveSteps = new Map<string, Set<number>>();

  constructor(
    private readonly client: MlflowClient,
    private readonly input: TrainingRunInput,
    private readonly beat: Beat,
    private readonly warn: Warn,
    private readonly parentRun: (key: string, make: () => Promise<MlflowRun>) => Promise<MlflowRun>,
  ) {}

  /** Finds the run of this training (a retry) or makes it, and logs its params. */
  async start(): Promise<void> {
    await this.step('starting the run', async () => {
      const { input } = this;
      const experimentId = await this.client.ensureExperiment(input.model, [mlflowTag('windsock.model', input.model)]);
      const tags = [
        mlflowTag(MLFLOW_TAGS.pipeline, input.pipelineId),
        mlflowTag(MLFLOW_TAGS.model, input.model),
        mlflowTag(MLFLOW_TAGS.runId, input.runId),
        mlflowTag('mlflow.source.type', 'JOB'),
        mlflowTag('mlflow.source.name', input.command.join(' ')),
        mlflowTag('mlflow.source.git.commit', input.codeVersion),
      ];
      if (input.trial !== undefined) {
        // Trials are runs of their own under the pipeline's run, which MLflow's UI shows nested.
        const parentKey = mlflowRunKey(input.pipelineId, input.runId);
        const parent = await this.parentRun(`${experimentId}\n${parentKey}`, () => this.findOrCreate(experimentId, parentKey, input.pipelineId, [...tags]));
        tags.push(mlflowTag(MLFLOW_TAGS.trial, String(input.trial)), mlflowTag(MLFLOW_TAGS.parentRunId, parent.info.run_id));
      }
      tags.push(mlflowTag(MLFLOW_TAGS.jobKey, input.jobKey));
      const name = input.trial === undefined ? input.pipelineId : `${input.pipelineId} trial ${input.trial}`;
      this.run = await this.findOrCreate(experimentId, mlflowRunKey(input.pipelineId, input.runId, input.trial), name, tags);
      // The same values again on a retry: MLflow takes an unchanged param without complaint.
      await this.client.logBatch(this.run.info.run_id, { params: Object.entries(input.params).map(([k, v]) => mlflowParam(k, v)) });
    });
  }

  /** Logs the epoch of a progress report as it is seen, so that a long training shows in MLflow as it goes. */
  async progress(progress: JobProgress | undefined, costUsd?: number): Promise<void> {
    this.last = { ...(progress ? { progress } : {}), ...(costUsd !== undefined ? { costUsd } : {}) };
    if (!progress || !Number.isInteger(progress.epoch) || (progress.epoch as number) <= this.lastLiveEpoch) return;
    const [entry] = epochMetrics([progress]);
    if (!entry) return;
    const [epoch, metrics] = entry;
    // Epochs a poll skipped are filled in from the job's full history when it finishes.
    this.lastLiveEpoch = epoch;
    await this.step('logging progress', async () => {
      if (!this.run) return;
      // What the server has is read once per key (a retry may find a previous attempt's epochs); after that this attempt keeps count.
      const unknown = Object.keys(metrics).filter((k) => !this.liveSteps.has(k));
      for (const [key, steps] of await this.loggedSteps(unknown, true)) this.liveSteps.set(key, steps);
      const now = Date.now();
      const fresh = Object.entries(metrics).filter(([k]) => !this.liveSteps.get(k)!.has(epoch)).map(([key, value]) => ({ key, value, step: epoch, timestamp: now }));
      if (fresh.length) await this.client.logBatch(this.run.info.run_id, { metrics: fresh });
      for (const m of fresh) this.liveSteps.get(m.key)!.add(epoch);
    });
  }

  /**
   * The finished training: every epoch not logged yet (from the job's own history), the job's final
   * metrics, the trained model, and the run marked FINISHED.
   */
  async finished(outcome: TrainingOutcome, read: (uri: string) => Promise<Uint8Array>): Promise<void> {
    await this.step('logging the finished training', async () => {
      const run = this.run;
      if (!run) return;
      const history = epochMetrics(jobEvents(new TextDecoder().decode(await read(outcome.logsUri))));
      const keys = [...new Set([...history.values()].flatMap((m) => Object.keys(m)))];
      const existing = await this.loggedSteps(keys);
      const now = Date.now();
      const metrics: MlflowMetric[] = [];
      for (const [epoch, values] of history) {
        for (const [key, value] of Object.entries(values)) if (!existing.get(key)?.has(epoch)) metrics.push({ key, value, step: epoch, timestamp: now });
      }
      const finals = {
        ...finalMetrics(outcome.jobMetrics, 'final/'),
        'job/seconds': outcome.seconds,
        ...(outcome.gpuSeconds !== undefined ? { 'job/gpu_seconds': outcome.gpuSeconds } : {}),
        ...(outcome.costUsd !== undefined ? { 'job/cost_usd': outcome.costUsd } : {}),
      };
      const current = await this.client.getRun(run.info.run_id);
      const logged = new Set((current.data.metrics ?? []).map((m) => m.key));
      for (const [key, value] of Object.entries(finals)) if (!logged.has(key)) metrics.push({ key, value, step: 0, timestamp: now });
      const tags: MlflowKeyValue[] = [
        mlflowTag(MLFLOW_TAGS.modelKey, mlflowModelKey(outcome.modelUri)),
        mlflowTag(MLFLOW_TAGS.modelUri, outcome.modelUri),
        mlflowTag(MLFLOW_TAGS.modelSha256, outcome.modelSha256),
        mlflowTag('windsock.provider', outcome.provider),
        mlflowTag('windsock.job_id', outcome.jobId),
      ];
      await this.client.logBatch(run.info.run_id, { metrics, tags });
      // The run is finished even when its model cannot be kept (a server without --serve-artifacts).
      const notUploaded = await this.client.uploadArtifact(run, MLFLOW_ARTIFACTS.model, await read(outcome.modelUri)).then(
        () => undefined,
        (err: unknown) => err,
      );
      await this.client.updateRun(run.info.run_id, 'FINISHED', Date.now());
      if (notUploaded) throw notUploaded;
    });
  }

  /** A training that failed for good (FAILED) or was cancelled (KILLED). */
  async ended(status: 'FAILED' | 'KILLED'): Promise<void> {
    await this.step(`marking the run ${status}`, async () => {
      if (this.run) await this.client.updateRun(this.run.info.run_id, status, Date.now());
    });
  }

  /** The MLflow run id of this training, once started (absent when tracking failed). */
  get runId(): string | undefined {
    return this.run?.info.run_id;
  }

  private async findOrCreate(experimentId: string, runKey: string, runName: string, tags: MlflowKeyValue[]): Promise<MlflowRun> {
    const found = await this.client.searchRunsByTag([experimentId], MLFLOW_TAGS.runKey, runKey, 10);
    if (found.length) return first(found);
    const made = await this.client.createRun({ experimentId, runName, startTime: Date.now(), tags: [...tags, mlflowTag(MLFLOW_TAGS.runKey, runKey)] });
    // Two workers that made the run at once (parallel trials, their parent) keep the first and drop the other.
    const winner = first([made, ...(await this.client.searchRunsByTag([experimentId], MLFLOW_TAGS.runKey, runKey, 10))]);
    if (winner.info.run_id === made.info.run_id) return made;
    await this.client.deleteRun(made.info.run_id);
    return winner;
  }

  /** The steps already logged for each metric key (empty, or with `all` absent, for a key the run does not have yet). */
  private async loggedSteps(keys: string[], all = false): Promise<Map<string, Set<number>>> {
    const out = new Map<string, Set<number>>();
    if (!this.run || keys.length === 0) return out;
    const current = await this.client.getRun(this.run.info.run_id);
    const present = new Set((current.data.metrics ?? []).map((m) => m.key));
    for (const key of keys) {
      if (!present.has(key)) {
        if (all) out.set(key, new Set());
        continue;
      }
      out.set(key, new Set((await this.client.getMetricHistory(this.run.info.run_id, key)).map((m) => Number(m.step))));
    }
    return out;
  }

  /** Runs one piece of tracking with the heartbeat going; its first failure ends this tracking with a warning. */
  private async step(what: string, work: () => Promise<void>): Promise<void> {
    if (this.broken) return;
    const beat = () => this.beat(this.last);
    beat();
    const beats = setInterval(beat, 2000);
    try {
      await work();
    } catch (err) {
      this.broken = true;
      this.warn(`${what} failed; training goes on without MLflow tracking: ${(err as Error).message}`);
    } finally {
      clearInterval(beats);
    }
  }
}

/** The earliest run (then the smallest id): the one every finder of a run key settles on. */
function first(runs: MlflowRun[]): MlflowRun {
  return [...runs].sort((a, b) => Number(a.info.start_time ?? 0) - Number(b.info.start_time ?? 0) || a.info.run_id.localeCompare(b.info.run_id))[0]!;
}

const parentOf = (run: MlflowRun) => run.data.tags?.find((t) => t.key === MLFLOW_TAGS.parentRunId)?.value;
