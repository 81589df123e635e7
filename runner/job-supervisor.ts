// Runs the runner's jobs: starts queued jobs while slots and GPUs are free, follows each running
// job's process, stops jobs past their deadline or budget or asked to cancel, and starts a job again
// (resuming from its checkpoints) when its process was lost with the host. One change at a time: the
// tick and cancellations run one after another, never interleaved.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LocalProvider } from '../activities/compute/local-provider';
import type { JobStatus } from '../activities/compute/compute-provider';
import type { Gpu } from './gpu-inventory';
import type { InputStore } from './input-store';
import type { RunnerArtifact, ValidSubmitJob } from '../contracts/runner-protocol';
import type { JobRow, RunnerJobStore } from './runner-job-store';
import { sha256File } from '../artifacts/sha256-file';

export interface SupervisorOptions {
  store: RunnerJobStore;
  inputs: InputStore;
  processes: LocalProvider;
  gpus: Gpu[];
  slots: number;
  /** Processes one job may use in all: a job lost more often than this fails with reason `lost`. */
  maxExecutions: number;
  tickMs: number;
  log?: (line: string) => void;
}

export class JobSupervisor {
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private readonly log: (line: string) => void;

  constructor(private readonly o: SupervisorOptions) {
    this.log = o.log ?? ((line) => console.log(`[runner] ${line}`));
  }

  start(): void {
    const loop = async () => {
      await this.tick().catch((err) => this.log(`tick failed: ${String(err)}`));
      this.timer = setTimeout(loop, this.o.tickMs);
    };
    void loop();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  tick(): Promise<void> {
    return this.exclusive(async () => {
      for (const row of await this.o.store.list(['running'])) await this.follow(row);
      await this.startQueued();
    });
  }

  /** Stops the job now and returns once its process is gone. */
  cancel(id: string): Promise<JobRow | undefined> {
    return this.exclusive(async () => {
      const row = await this.o.store.get(id);
      if (!row || (row.state !== 'queued' && row.state !== 'running')) return row;
      await this.o.store.requestCancel(id);
      if (row.executionId) await this.o.processes.cancel(row.executionId);
      await this.end(row, { state: 'cancelled', error: 'cancelled by request' });
      this.log(`${id} cancelled`);
      return this.o.store.get(id);
    });
  }

  private async follow(row: JobRow): Promise<void> {
    const spec = row.spec as ValidSubmitJob;
    if (row.cancelRequestedAt) {
      if (row.executionId) await this.o.processes.cancel(row.executionId);
      await this.end(row, { state: 'cancelled', error: 'cancelled by request' });
      return;
    }
    const status: JobStatus = await this.o.processes.status(row.executionId!);
    if (status.progress && JSON.stringify(status.progress) !== JSON.stringify(row.progress)) {
      await this.o.store.update(row.id, { progress: status.progress });
    }
    if (status.state === 'succeeded') return this.end(row, { state: 'succeeded', exitCode: 0 });
    if (status.state === 'failed' && status.reason === 'lost') {
      if (row.executions < this.o.maxExecutions) {
        this.log(`${row.id}: its process was lost (${status.error}); starting execution ${row.executions + 1}, which resumes from its checkpoints`);
        await this.o.store.update(row.id, { priorSeconds: this.o.store.runningSeconds(row) });
        return this.execute({ ...row, priorSeconds: this.o.store.runningSeconds(row) });
      }
      return this.end(row, { state: 'failed', reason: 'lost', error: `the job's process was lost ${row.executions} times; giving up` });
    }
    if (status.state === 'failed' || status.state === 'cancelled') {
      return this.end(row, { state: 'failed', reason: 'job_error', exitCode: status.exitCode ?? null, error: status.error ?? 'the job failed' });
    }
    const seconds = this.o.store.runningSeconds(row);
    if (seconds > spec.deadlineSeconds) {
      await this.o.processes.cancel(row.executionId!);
      return this.end(row, { state: 'failed', reason: 'deadline_exceeded', error: `job ran ${seconds.toFixed(1)} s, past its deadline of ${spec.deadlineSeconds} s, and was stopped` });
    }
    const cost = this.o.store.costUsd(row);
    if (spec.budgetUsd !== undefined && cost > spec.budgetUsd) {
      await this.o.processes.cancel(row.executionId!);
      return this.end(row, { state: 'failed', reason: 'budget_exceeded', error: `job cost $${cost.toFixed(4)}, past its budget of $${spec.budgetUsd}, and was stopped` });
    }
  }

  private async end(row: JobRow, changes: Partial<JobRow>): Promise<void> {
    const now = Date.now();
    await this.o.store.update(row.id, { ...changes, priorSeconds: this.o.store.runningSeconds(row, now), executionStartedAt: null, endedAt: now });
    if (changes.state !== 'cancelled') this.log(`${row.id} ${changes.state}${changes.reason ? ` (${changes.reason})` : ''}`);
  }

  private async startQueued(): Promise<void> {
    const running = await this.o.store.list(['running']);
    const busy = new Set(running.flatMap((r) => r.gpus));
    let free = this.o.slots - running.length;
    for (const row of await this.o.store.list(['queued'])) {
      if (free <= 0) return;
      if (row.cancelRequestedAt) {
        await this.end(row, { state: 'cancelled', error: 'cancelled by request' });
        continue;
      }
      const wanted = this.gpusWanted(row.spec as ValidSubmitJob);
      const available = this.o.gpus.map((g) => g.index).filter((i) => !busy.has(i));
      if (available.length < wanted) continue;
      const gpus = available.slice(0, wanted);
      gpus.forEach((g) => busy.add(g));
      free--;
      await this.execute({ ...row, gpus, startedAt: row.startedAt ?? Date.now() });
    }
  }

  gpusWanted(spec: ValidSubmitJob): number {
    return spec.gpus ?? (this.o.gpus.length > 0 ? 1 : 0);
  }

  /** Starts a process for the job; every execution of one job shares its checkpoint directory. */
  private async execute(row: JobRow): Promise<void> {
    const spec = row.spec as ValidSubmitJob;
    const execution = row.executions + 1;
    const inputs = Object.fromEntries(Object.entries(spec.inputs).map(([name, sha]) => [name, this.o.inputs.pathOf(sha)]));
    const env = { ...spec.env, ...(this.o.gpus.length > 0 ? { CUDA_VISIBLE_DEVICES: row.gpus.join(',') } : {}) };
    const { jobId: executionId } = await this.o.processes.submit(
      { command: spec.command!, env, inputs, deadlineSeconds: spec.deadlineSeconds, checkpointKey: spec.checkpointKey ?? row.id },
      `${row.id}#${execution}`,
    );
    const now = Date.now();
    // Progress starts over with each execution: the new process reports where it resumed.
    await this.o.store.update(row.id, { state: 'running', gpus: row.gpus, executions: execution, executionId, executionStartedAt: now, startedAt: row.startedAt ?? now, progress: null });
    this.log(`${row.id} execution ${execution} started${row.gpus.length ? ` on GPU ${row.gpus.join(',')}` : ''}`);
  }

  /** Output files of the job's last execution with their digests. */
  async artifacts(row: JobRow): Promise<RunnerArtifact[]> {
    return Promise.all((await this.artifactNames(row)).map((name) => this.artifact(row, name)));
  }

  async artifactNames(row: JobRow): Promise<string[]> {
    return row.executionId ? listFiles(this.outputDir(row)) : [];
  }

  /** One output file's size and digest (hashing only that file: model files can be large). */
  async artifact(row: JobRow, name: string): Promise<RunnerArtifact> {
    const file = path.join(this.outputDir(row), name);
    return { name, size: (await stat(file)).size, sha256: await sha256File(file) };
  }

  outputDir(row: JobRow): string {
    return path.join(this.o.processes.jobDir(row.executionId!), 'output');
  }

  /** One log stream over all executions, in order, each execution after a marker line. */
  async logs(row: JobRow, stream: 'stdout' | 'stderr'): Promise<string> {
    const parts: string[] = [];
    for (let execution = 1; execution <= row.executions; execution++) {
      const dir = this.o.processes.jobDir(executionIdFor(row.id, execution, this.o.processes));
      const text = await readFile(path.join(dir, `${stream}.log`), 'utf8').catch(() => '');
      parts.push(row.executions > 1 ? `--- execution ${execution} ---\n${text}` : text);
    }
    return parts.join('');
  }
}

function executionIdFor(jobId: string, execution: number, processes: LocalProvider): string {
  return processes.jobIdFor(`${jobId}#${execution}`);
}

async function listFiles(root: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true }).catch(() => []);
  const names: string[] = [];
  for (const entry of entries) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) names.push(...(await listFiles(root, name)));
    else if (entry.isFile()) names.push(name);
  }
  return names.sort();
}
