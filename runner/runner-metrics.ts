// The job runner's Prometheus metrics: its HTTP traffic, jobs by state, slots and GPUs in use, and the
// running time of the jobs that ended, read from its job table when scraped (a small table: one row
// per job; the ended jobs since the last scrape only, by (endedAt, id)).
import { and, asc, eq, gt, isNotNull, or, sql } from 'drizzle-orm';
import { Gauge, Histogram } from 'prom-client';
import { createMetricsRegistry, HttpRequestMetrics } from '../api/http/http-metrics';
import { runnerJobs } from '../drizzle/runner-schema';
import type { RunnerDb } from './runner-db';

export interface RunnerMetricsOptions {
  db: RunnerDb;
  slots: number;
  gpus: number;
}

const jobStates = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
/** Seconds: a CPU smoke job to a day on a GPU. */
const jobBuckets = [1, 10, 30, 60, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400];
const pageSize = 1000;

export function createRunnerMetrics(options: RunnerMetricsOptions) {
  const { db } = options;
  const registry = createMetricsRegistry();
  const http = new HttpRequestMetrics(registry);

  // One read of the table per scrape, shared by the metrics a scrape collects at once.
  let inFlight: Promise<void> | undefined;
  const sync = () => (inFlight ??= read().finally(() => (inFlight = undefined)));

  new Gauge({ name: 'windsock_runner_slots', help: 'Jobs the runner runs at once (WINDSOCK_RUNNER_SLOTS).', registers: [registry] }).set(options.slots);
  new Gauge({ name: 'windsock_runner_gpus', help: "The host's GPUs.", registers: [registry] }).set(options.gpus);
  const jobs = new Gauge({ name: 'windsock_runner_jobs', help: 'Jobs in the job table by state.', labelNames: ['state'], registers: [registry], collect: sync });
  const slotsInUse = new Gauge({ name: 'windsock_runner_slots_in_use', help: 'Slots held by running jobs.', registers: [registry], collect: sync });
  const gpusInUse = new Gauge({ name: 'windsock_runner_gpus_in_use', help: 'GPUs held by running jobs.', registers: [registry], collect: sync });
  const jobSeconds = new Histogram({ name: 'windsock_runner_job_seconds', help: 'Running time of ended jobs over all their executions, by final state.', labelNames: ['state'], buckets: jobBuckets, registers: [registry], collect: sync });

  let last = { endedAt: 0, id: '' };
  async function read() {
    const counts = await db
      .select({ state: runnerJobs.state, n: sql<number>`count(*)`, gpus: sql<number>`coalesce(sum(json_array_length(${runnerJobs.gpus})), 0)` })
      .from(runnerJobs)
      .groupBy(runnerJobs.state);
    const byState = new Map(counts.map((c) => [c.state, c]));
    for (const state of jobStates) jobs.set({ state }, byState.get(state)?.n ?? 0);
    slotsInUse.set(byState.get('running')?.n ?? 0);
    gpusInUse.set(byState.get('running')?.gpus ?? 0);
    for (;;) {
      const ended = await db
        .select({ id: runnerJobs.id, state: runnerJobs.state, seconds: runnerJobs.priorSeconds, endedAt: runnerJobs.endedAt })
        .from(runnerJobs)
        .where(and(isNotNull(runnerJobs.endedAt), or(gt(runnerJobs.endedAt, last.endedAt), and(eq(runnerJobs.endedAt, last.endedAt), gt(runnerJobs.id, last.id)))))
        .orderBy(asc(runnerJobs.endedAt), asc(runnerJobs.id))
        .limit(pageSize);
      for (const row of ended) {
        jobSeconds.observe({ state: row.state }, row.seconds);
        last = { endedAt: row.endedAt!, id: row.id };
      }
      if (ended.length < pageSize) return;
    }
  }

  return { registry, http };
}

export type RunnerMetrics = ReturnType<typeof createRunnerMetrics>;
