// The job runner's HTTP contract, shared by the runner (which validates) and the `runner` compute
// provider (which sends). Inputs travel first, content-addressed (PUT /v1/inputs/:sha256), and a job
// names them by digest, so a retried submission never uploads a dataset twice.
import { z } from 'zod';
import { sha256Digest as sha256 } from './shared-params';

/** Variables the runner sets for every job; a spec may not set them itself. */
export const reservedEnv = ['WINDSOCK_OUTPUT_DIR', 'WINDSOCK_CHECKPOINT_DIR', 'WINDSOCK_JOB_ID', 'CUDA_VISIBLE_DEVICES'] as const;

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'environment variable names are upper case letters, digits and _');

export const submitJobSchema = z
  .strictObject({
    /** Same key, same spec: the job already submitted. Same key, another spec: 409. */
    idempotencyKey: z.string().min(1).max(512),
    /** argv of the job; a leading `python` runs with the runner's configured interpreter. */
    command: z.array(z.string().min(1)).min(1).optional(),
    /** A container image reference; refused unless the runner has a container runtime (none yet). */
    image: z.string().min(1).optional(),
    env: z.record(envName, z.string()).default({}),
    /** Input files by environment variable name, each a digest uploaded to /v1/inputs first. */
    inputs: z.record(envName, sha256).default({}),
    /** GPUs the job needs; left out: one when the runner has any, none otherwise. */
    gpus: z.number().int().min(0).max(64).optional(),
    /** The runner stops the job (failed, reason deadline_exceeded) after this much running time. */
    deadlineSeconds: z.number().int().min(1).max(7 * 24 * 3600),
    /** The runner stops the job (failed, reason budget_exceeded) once its cost passes this. */
    budgetUsd: z.number().positive().optional(),
    /** Jobs that share a checkpoint key share a checkpoint directory (a retried job resumes). */
    checkpointKey: z.string().min(1).max(512).optional(),
  })
  .superRefine((spec, ctx) => {
    if (!spec.command && !spec.image) ctx.addIssue({ code: 'custom', path: ['command'], message: 'a job needs a command (argv)' });
    for (const name of reservedEnv) {
      if (name in spec.env || name in spec.inputs) ctx.addIssue({ code: 'custom', path: ['env', name], message: `${name} is set by the runner` });
    }
  });

export type SubmitJob = z.input<typeof submitJobSchema>;
export type ValidSubmitJob = z.output<typeof submitJobSchema>;

export type RunnerJobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type RunnerFailureReason = 'job_error' | 'deadline_exceeded' | 'budget_exceeded' | 'lost';

/** GET /v1/jobs/:id */
export interface RunnerJob {
  id: string;
  idempotencyKey: string;
  state: RunnerJobState;
  reason?: RunnerFailureReason;
  error?: string;
  exitCode?: number;
  progress?: Record<string, unknown>;
  gpus: number[];
  /** Processes started for the job; more than one means it was resumed after its process was lost. */
  executions: number;
  submittedAt: number;
  startedAt?: number;
  endedAt?: number;
  /** Billable seconds: running time across executions times max(1, GPUs held). */
  gpuSeconds: number;
  costUsd: number;
}

/** POST /v1/jobs: 201 for a new job, 200 when the key names one already submitted. */
export interface SubmitJobResponse {
  job: RunnerJob;
  created: boolean;
}

/** GET /v1/jobs/:id/artifacts */
export interface RunnerArtifact {
  name: string;
  size: number;
  sha256: string;
}

/** GET /v1/health */
export interface RunnerHealth {
  gpus: Array<{ index: number; name: string; memoryMiB: number }>;
  slots: number;
  running: number;
  queued: number;
  pricePerGpuHourUsd: number;
}
