// The runner's job records: inserted once per idempotency key, then moved through their states by the
// supervisor. Every change is written before it is acted on, so a runner restart resumes from here.
import { createHash } from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import { runnerJobs } from '../drizzle/runner-schema';
import { WindsockError } from '../core/windsock-error';
import type { RunnerDb } from './runner-db';
import type { RunnerFailureReason, RunnerJob, RunnerJobState, ValidSubmitJob } from '../contracts/runner-protocol';

export type JobRow = typeof runnerJobs.$inferSelect;

export function jobIdFor(idempotencyKey: string): string {
  return `job-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 20)}`;
}

function specHash(spec: ValidSubmitJob): string {
  const { idempotencyKey: _key, ...rest } = spec;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export class RunnerJobStore {
  constructor(
    private readonly db: RunnerDb,
    private readonly pricePerGpuHourUsd: number,
  ) {}

  /** Inserts the job, or returns the one this key already names; the same key with another spec is a 409. */
  async submit(spec: ValidSubmitJob, now = Date.now()): Promise<{ row: JobRow; created: boolean }> {
    const id = jobIdFor(spec.idempotencyKey);
    const hash = specHash(spec);
    const inserted = await this.db
      .insert(runnerJobs)
      .values({ id, idempotencyKey: spec.idempotencyKey, specHash: hash, spec, state: 'queued', gpus: [], submittedAt: now })
      .onConflictDoNothing()
      .returning();
    if (inserted[0]) return { row: inserted[0], created: true };
    const existing = await this.get(id);
    if (!existing) throw new WindsockError('internal', `job ${id} conflicted on insert but cannot be read`);
    if (existing.specHash !== hash) {
      throw new WindsockError('conflict', `idempotency key '${spec.idempotencyKey}' already names job ${id} with another spec; use a new key for a new job`);
    }
    return { row: existing, created: false };
  }

  async get(id: string): Promise<JobRow | undefined> {
    return this.db.query.runnerJobs.findFirst({ where: eq(runnerJobs.id, id) });
  }

  async list(states?: RunnerJobState[]): Promise<JobRow[]> {
    return this.db.query.runnerJobs.findMany({
      where: states ? inArray(runnerJobs.state, states) : undefined,
      orderBy: asc(runnerJobs.submittedAt),
    });
  }

  async update(id: string, changes: Partial<Omit<JobRow, 'id' | 'idempotencyKey' | 'spec' | 'specHash'>>): Promise<void> {
    await this.db.update(runnerJobs).set(changes).where(eq(runnerJobs.id, id));
  }

  /** Marks a queued or running job for cancellation; false when it has already ended. */
  async requestCancel(id: string, now = Date.now()): Promise<boolean> {
    const changed = await this.db
      .update(runnerJobs)
      .set({ cancelRequestedAt: now })
      .where(and(eq(runnerJobs.id, id), inArray(runnerJobs.state, ['queued', 'running'])))
      .returning({ id: runnerJobs.id });
    return changed.length > 0;
  }

  /** Seconds the job has run over all its executions, up to `now`. */
  runningSeconds(row: JobRow, now = Date.now()): number {
    const current = row.state === 'running' && row.executionStartedAt ? (now - row.executionStartedAt) / 1000 : 0;
    return row.priorSeconds + current;
  }

  /** Billable seconds: a job holding GPUs pays for each; a CPU job pays for its slot as one. */
  gpuSeconds(row: JobRow, now = Date.now()): number {
    return this.runningSeconds(row, now) * Math.max(1, row.gpus.length);
  }

  costUsd(row: JobRow, now = Date.now()): number {
    return (this.gpuSeconds(row, now) * this.pricePerGpuHourUsd) / 3600;
  }

  view(row: JobRow, now = Date.now()): RunnerJob {
    return {
      id: row.id,
      idempotencyKey: row.idempotencyKey,
      state: row.state,
      ...(row.reason ? { reason: row.reason as RunnerFailureReason } : {}),
      ...(row.error ? { error: row.error } : {}),
      ...(row.exitCode !== null ? { exitCode: row.exitCode } : {}),
      ...(row.progress ? { progress: row.progress as Record<string, unknown> } : {}),
      gpus: row.gpus,
      executions: row.executions,
      submittedAt: row.submittedAt,
      ...(row.startedAt ? { startedAt: row.startedAt } : {}),
      ...(row.endedAt ? { endedAt: row.endedAt } : {}),
      gpuSeconds: round(this.gpuSeconds(row, now), 3),
      costUsd: round(this.costUsd(row, now), 6),
    };
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
