// The compute port: where training jobs run. `local` runs a child process on the worker host; remote
// GPU providers (the Windsock job runner, cloud adapters) implement the same calls. An adapter for
// a managed service (SageMaker training jobs, a Kubernetes Job) is one more file implementing them.

/** What a job sees (SageMaker-like): dataset, spec, params and output dir in environment variables. */
export interface JobRequest {
  command: string[];
  env: Record<string, string>;
  /** Files the job reads, copied or mounted by the provider; keyed by environment variable name. */
  inputs: Record<string, string>;
  deadlineSeconds: number;
  /** Jobs with one checkpoint key share their checkpoints: a job started again resumes. */
  checkpointKey?: string;
  /** GPUs the job needs (providers that place jobs on GPUs); left out: the provider's default. */
  gpus?: number;
  /** Stop the job once its cost passes this (providers that know a price). */
  budgetUsd?: number;
}

export interface JobProgress {
  epoch?: number;
  epochs?: number;
  loss?: number;
  progress?: number;
  [key: string]: unknown;
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * Why a failed job failed. `lost`: its process vanished without an exit status (host restarted,
 * spot instance preempted); a new job with the same checkpoint key resumes it.
 */
export type JobFailureReason = 'job_error' | 'deadline_exceeded' | 'budget_exceeded' | 'lost';

export interface JobStatus {
  jobId: string;
  state: JobState;
  progress?: JobProgress;
  /** Set for failed jobs: the job's own error text (last lines of stderr). */
  error?: string;
  reason?: JobFailureReason;
  exitCode?: number;
  /** Billable GPU-seconds and their cost, from providers that know a price. */
  gpuSeconds?: number;
  costUsd?: number;
  startedAt?: number;
  endedAt?: number;
}

export interface JobOutputs {
  /** Local directory holding what the job wrote (model.onnx, metrics.json, ...). */
  dir: string;
  logs: string;
}

export interface ComputeProvider {
  readonly name: string;
  /** Starts the job, or returns the job already started under this key (never a second job). */
  submit(request: JobRequest, idempotencyKey: string): Promise<{ jobId: string; reattached: boolean }>;
  status(jobId: string): Promise<JobStatus>;
  cancel(jobId: string): Promise<void>;
  outputs(jobId: string): Promise<JobOutputs>;
  /** Stops every unfinished job submitted under a key with this prefix; returns how many it stopped. */
  cancelByKeyPrefix(keyPrefix: string): Promise<number>;
}

export const terminalStates: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);
