import { sqliteTable, text, integer, real } from 'drizzle-orm/sqlite-core';

/**
 * The job runner's job table: one row per submitted job, kept in the runner's own libSQL file so a
 * runner restart loses no job. `executions` counts the processes started for the job (a job whose
 * process died with its host is started again and resumes from its checkpoints).
 */
export const runnerJobs = sqliteTable('runner_jobs', {
  id: text('id').primaryKey(),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  /** sha256 of the canonical spec: the same key with another spec is a conflict, not a reattach. */
  specHash: text('spec_hash').notNull(),
  spec: text('spec', { mode: 'json' }).notNull(),
  state: text('state', { enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled'] }).notNull(),
  /** Why a failed job failed: its own error, its deadline, its budget, or its process lost too often. */
  reason: text('reason', { enum: ['job_error', 'deadline_exceeded', 'budget_exceeded', 'lost'] }),
  error: text('error'),
  exitCode: integer('exit_code'),
  progress: text('progress', { mode: 'json' }),
  /** GPU indexes given to the job (CUDA_VISIBLE_DEVICES), as a JSON array. */
  gpus: text('gpus', { mode: 'json' }).$type<number[]>().notNull(),
  executions: integer('executions').notNull().default(0),
  /** The local process job that runs the current execution. */
  executionId: text('execution_id'),
  /** Seconds the job has run in earlier executions (a resumed job is billed for all of them). */
  priorSeconds: real('prior_seconds').notNull().default(0),
  executionStartedAt: integer('execution_started_at'),
  submittedAt: integer('submitted_at').notNull(),
  startedAt: integer('started_at'),
  endedAt: integer('ended_at'),
  cancelRequestedAt: integer('cancel_requested_at'),
});
