// The compute port: where training jobs run. `local` runs a child process on the worker host; remote
// GPU providers (a Windsock job runner, cloud adapters) implement the same five calls.

/** What a job sees (SageMaker-like): dataset, spec, params and output dir in environment variables. */
export interface JobRequest {
  command: string[];
  env: Record<string, string>;
  /** Files the job reads, copied or mounted by the provider; keyed by environment variable name. */
  inputs: Record<string, string>;
  deadlineSeconds: number;
}

export interface JobProgress {
  epoch?: number;
  epochs?: number;
  loss?: number;
  progress?: number;
  [key: string]: unknown;
}

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobStatus {
  jobId: string;
  state: JobState;
  progress?: JobProgress;
  /** Set for failed jobs: the job's own error text (last lines of stderr). */
  error?: string;
  exitCode?: number;
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
}

export const terminalStates: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);
