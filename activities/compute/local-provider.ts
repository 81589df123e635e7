// Runs training jobs as child processes on the worker host. Each job lives in its own directory
// (spec, pid, logs, exit code, outputs) and its process outlives the worker, so a retried activity
// or a restarted worker reattaches to the running job instead of starting a second one.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ComputeProvider, JobOutputs, JobProgress, JobRequest, JobStatus } from './compute-provider';
import { DEFAULT_JOB_ENV_ALLOW, hostEnvForJob } from './job-environment';

export interface LocalProviderOptions {
  jobsDir: string;
  /** Interpreter that replaces a leading `python` in job commands. */
  python: string;
  /** Working directory of jobs (relative command paths resolve here). */
  cwd: string;
  /** Host variables a job may see (job-environment.ts); the default allow-list when absent. */
  envAllow?: readonly string[];
  /** The host environment the allow-list picks from (process.env). */
  hostEnv?: NodeJS.ProcessEnv;
}

// The wrapper shell records the exit status in a file, so that the outcome of a job survives the
// death of the worker that started it.
const WRAPPER = '"$@" >stdout.log 2>stderr.log; code=$?; echo $code > exit_code.tmp; mv exit_code.tmp exit_code';

export class LocalProvider implements ComputeProvider {
  readonly name = 'local';
  constructor(private readonly options: LocalProviderOptions) {}

  jobIdFor(idempotencyKey: string): string {
    return `local-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}`;
  }

  jobDir(jobId: string): string {
    return path.join(this.options.jobsDir, jobId);
  }

  async submit(request: JobRequest, idempotencyKey: string): Promise<{ jobId: string; reattached: boolean }> {
    const jobId = this.jobIdFor(idempotencyKey);
    const dir = this.jobDir(jobId);
    if (existsSync(path.join(dir, 'pid'))) return { jobId, reattached: true };
    await mkdir(path.join(dir, 'output'), { recursive: true });
    const checkpoints = request.checkpointKey ? this.checkpointDir(request.checkpointKey) : path.join(dir, 'checkpoints');
    await mkdir(checkpoints, { recursive: true });
    const [first, ...rest] = request.command;
    const argv = [first === 'python' ? this.options.python : first!, ...rest.map((a) => this.resolveArg(a))];
    const env = {
      ...hostEnvForJob(this.options.hostEnv ?? process.env, this.options.envAllow ?? DEFAULT_JOB_ENV_ALLOW),
      ...request.env,
      ...request.inputs,
      WINDSOCK_OUTPUT_DIR: path.join(dir, 'output'),
      WINDSOCK_CHECKPOINT_DIR: checkpoints,
      WINDSOCK_JOB_ID: jobId,
      PYTHONUNBUFFERED: '1',
    };
    await writeFile(path.join(dir, 'spec.json'), JSON.stringify({ argv, request, idempotencyKey, submittedAt: Date.now() }, null, 2));
    const child = spawn('/bin/sh', ['-c', WRAPPER, 'windsock-job', ...argv], {
      cwd: dir,
      env,
      detached: true,
      stdio: 'ignore',
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.unref();
    await writeFile(path.join(dir, 'pid'), String(child.pid));
    return { jobId, reattached: false };
  }

  /** Shared by every job submitted with this checkpoint key. */
  checkpointDir(checkpointKey: string): string {
    return path.join(this.options.jobsDir, 'checkpoints', createHash('sha256').update(checkpointKey).digest('hex').slice(0, 24));
  }

  private resolveArg(arg: string): string {
    // Relative script paths in a job command are relative to the project, not the job directory.
    return !path.isAbsolute(arg) && /\.(py|sh|js|mjs)$/.test(arg) ? path.resolve(this.options.cwd, arg) : arg;
  }

  async status(jobId: string): Promise<JobStatus> {
    const dir = this.jobDir(jobId);
    const spec = JSON.parse(await readFile(path.join(dir, 'spec.json'), 'utf8')) as { submittedAt: number };
    const progress = await this.lastProgress(dir);
    const exit = await readOptional(path.join(dir, 'exit_code'));
    const base = { jobId, progress, startedAt: spec.submittedAt };
    if (existsSync(path.join(dir, 'cancelled'))) return { ...base, state: 'cancelled' };
    if (exit !== undefined) {
      const exitCode = Number(exit.trim());
      const endedAt = (await stat(path.join(dir, 'exit_code'))).mtimeMs;
      if (exitCode === 0) return { ...base, state: 'succeeded', exitCode, endedAt };
      return { ...base, state: 'failed', reason: 'job_error', exitCode, endedAt, error: await this.errorText(dir, exitCode) };
    }
    const pid = Number(await readFile(path.join(dir, 'pid'), 'utf8'));
    if (isAlive(pid)) return { ...base, state: 'running' };
    // The job may have exited between the two reads: its wrapper writes the exit code before it ends.
    if (existsSync(path.join(dir, 'exit_code'))) return this.status(jobId);
    return { ...base, state: 'failed', reason: 'lost', error: 'the job process disappeared without recording an exit status (host restarted?)' };
  }

  async cancel(jobId: string): Promise<void> {
    const dir = this.jobDir(jobId);
    const pidText = await readOptional(path.join(dir, 'pid'));
    if (pidText === undefined || existsSync(path.join(dir, 'exit_code'))) return;
    await writeFile(path.join(dir, 'cancelled'), String(Date.now()));
    const pid = Number(pidText);
    killGroup(pid, 'SIGTERM');
    // Give the job a moment to exit on SIGTERM, then make sure nothing of it is left.
    const deadline = Date.now() + 5000;
    while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    killGroup(pid, 'SIGKILL');
  }

  async cancelByKeyPrefix(keyPrefix: string): Promise<number> {
    let stopped = 0;
    for (const entry of await readdir(this.options.jobsDir).catch(() => [] as string[])) {
      if (!entry.startsWith('local-')) continue;
      const spec = await readOptional(path.join(this.jobDir(entry), 'spec.json'));
      if (!spec || !(JSON.parse(spec) as { idempotencyKey: string }).idempotencyKey.startsWith(keyPrefix)) continue;
      if ((await this.status(entry)).state !== 'running') continue;
      await this.cancel(entry);
      stopped++;
    }
    return stopped;
  }

  async outputs(jobId: string): Promise<JobOutputs> {
    const dir = this.jobDir(jobId);
    const logs = [await readOptional(path.join(dir, 'stdout.log')), await readOptional(path.join(dir, 'stderr.log'))]
      .map((l) => l ?? '')
      .join('\n--- stderr ---\n');
    return { dir: path.join(dir, 'output'), logs };
  }

  private async lastProgress(dir: string): Promise<JobProgress | undefined> {
    const stdout = await readOptional(path.join(dir, 'stdout.log'));
    if (!stdout) return undefined;
    const lines = stdout.trimEnd().split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      try {
        const parsed = JSON.parse(lines[i]!) as Record<string, unknown>;
        if (parsed && typeof parsed === 'object') return parsed as JobProgress;
      } catch {
        // not a progress line
      }
    }
    return undefined;
  }

  private async errorText(dir: string, exitCode: number): Promise<string> {
    const stderr = (await readOptional(path.join(dir, 'stderr.log'))) ?? '';
    const tail = stderr.trimEnd().split('\n').slice(-8).join('\n');
    return `training job exited with code ${exitCode}${tail ? `: ${tail}` : ''}`;
  }
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
