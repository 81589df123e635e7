// `npm run bench:runner-faults [-- --trials N]`: how fast Windsock recovers a training job on the job
// runner from each fault, p50 over N trials (10 by default), on a real stack (dev server, worker and
// API processes, a runner process, the real example job):
//   cancel    POST /v1/pipelines/:id/cancel -> the runner job cancelled and its process gone;
//   reattach  the worker SIGKILLed mid-job -> a new worker's activity heartbeating the same job
//             (the runner must have seen one submission);
//   resume    the runner and its job's processes SIGKILLed (a lost host) -> the runner restarted ->
//             the job's new process resumed from its checkpoint (epochs redone counted).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../activities/compute/local-provider';
import { startRunnerProcess, type RunnerProcess } from '../scripts/runner-process';
import { ms, printTable, summarize, writeResults } from './bench-report';
import { abortAfter, python, startBenchStack, stopAll, type BenchStack } from './bench-stack';
import { intArg } from './bench-args';

const trials = intArg('trials', 10);
const POLL_MS = 20;
abortAfter((3 + trials * 1.5) * 60_000, 'the runner fault bench');

const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
    await sleep(POLL_MS);
  }
}

async function submit(stack: BenchStack, key: string, params: Record<string, unknown>): Promise<string> {
  const res = await stack.request('POST', '/v1/pipelines', {
    token: stack.tokens.submitter,
    body: { model: 'breast-cancer', dataset: 'examples/breast-cancer/data/breast-cancer.csv', params },
    headers: { 'idempotency-key': `${key}-${Date.now()}` },
  });
  if (res.status !== 202) throw new Error(`POST /v1/pipelines answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.pipelineId as string;
}

async function pipeline(stack: BenchStack, id: string): Promise<any> {
  return (await stack.request('GET', `/v1/pipelines/${id}`, { token: stack.tokens.approver })).body;
}

/** Waits until the pipeline's training reports this epoch; returns the runner job id. */
async function atEpoch(stack: BenchStack, id: string, epoch: number): Promise<string> {
  return until(`pipeline ${id} reaching epoch ${epoch}`, 120_000, async () => {
    const status = await pipeline(stack, id);
    if (status.stage !== 'training' && status.stage !== 'validating') throw new Error(`pipeline ${id} left training: ${JSON.stringify(status.error ?? status.stage)}`);
    return (status.progress?.progress?.epoch ?? 0) >= epoch ? (status.progress.jobId as string) : undefined;
  });
}

async function cancelAndWait(stack: BenchStack, runner: RunnerProcess, id: string, jobId: string): Promise<void> {
  await stack.request('POST', `/v1/pipelines/${id}/cancel`, { token: stack.tokens.submitter });
  await until(`job ${jobId} cancelled`, 60_000, async () => ((await runner.get(`/v1/jobs/${jobId}`)).state === 'cancelled' ? true : undefined));
}

async function cancelTrial(stack: BenchStack, runner: RunnerProcess, n: number): Promise<number> {
  const id = await submit(stack, `cancel-${n}`, { epochs: 100_000 });
  const jobId = await atEpoch(stack, id, 3);
  const t0 = performance.now();
  await stack.request('POST', `/v1/pipelines/${id}/cancel`, { token: stack.tokens.submitter });
  const job = await until(`job ${jobId} cancelled`, 60_000, async () => {
    const j = await runner.get(`/v1/jobs/${jobId}`);
    return j.state === 'cancelled' && !runner.executionPids(jobId, j.executions).some(isAlive) ? j : undefined;
  });
  if (job.executions !== 1) throw new Error(`job ${jobId} had ${job.executions} executions`);
  return performance.now() - t0;
}

async function reattachTrial(stack: BenchStack, runner: RunnerProcess, n: number): Promise<{ total: number; workerStart: number }> {
  const id = await submit(stack, `reattach-${n}`, { epochs: 100_000 });
  const jobId = await atEpoch(stack, id, 3);
  const t0 = performance.now();
  await stack.restartWorker('SIGKILL');
  const workerStart = performance.now() - t0;
  // Heartbeat details carry over to the next attempt: only a later epoch shows the new attempt running.
  const epochAtKill = (await runner.get(`/v1/jobs/${jobId}`)).progress?.epoch as number;
  await until(`pipeline ${id} reattached`, 120_000, async () => {
    const status = await pipeline(stack, id);
    return status.progress?.attempt >= 2 && status.progress.jobId === jobId && status.progress.progress?.epoch > epochAtKill ? true : undefined;
  });
  const total = performance.now() - t0;
  const jobs = await runner.jobs(id);
  if (jobs.length !== 1) throw new Error(`pipeline ${id} made ${jobs.length} runner jobs, not 1`);
  await cancelAndWait(stack, runner, id, jobId);
  return { total, workerStart };
}

async function resumeTrial(stack: BenchStack, runner: RunnerProcess, n: number): Promise<{ fromRestart: number; fromKill: number; epochsRedone: number }> {
  const id = await submit(stack, `resume-${n}`, { epochs: 100_000, checkpoint_every: 10 });
  const jobId = await atEpoch(stack, id, 25);
  const before = await runner.get(`/v1/jobs/${jobId}`);
  const t0 = performance.now();
  runner.crash();
  runner.killJobProcess(jobId, before.executions);
  await runner.start();
  const t1 = performance.now();
  const resumed = await until(`job ${jobId} resumed`, 120_000, async () => {
    const j = await runner.get(`/v1/jobs/${jobId}`);
    return j.executions === before.executions + 1 && j.state === 'running' && (j.progress?.event === 'resumed' || j.progress?.event === 'progress') ? j : undefined;
  });
  const t2 = performance.now();
  const log: string = await (await fetch(`${runner.url}/v1/jobs/${jobId}/logs`, { headers: { authorization: `Bearer ${runner.token}` } })).text();
  const [lost, after] = log.split(`--- execution ${before.executions + 1} ---`);
  const killEpoch = Math.max(...[...lost!.matchAll(/"event": "progress", "epoch": (\d+)/g)].map((m) => Number(m[1])));
  const resumedAt = /"event": "resumed", "epoch": (\d+)/.exec(after ?? '')?.[1];
  if (resumedAt === undefined) throw new Error(`job ${jobId} did not resume from a checkpoint: ${JSON.stringify(resumed.progress)}; its log starts:\n${log.slice(0, 600)}\n...\n${log.slice(-300)}`);
  await cancelAndWait(stack, runner, id, jobId);
  return { fromRestart: t2 - t1, fromKill: t2 - t0, epochsRedone: Math.max(0, killEpoch - Number(resumedAt)) };
}

const runnerHome = mkdtempSync(path.join(os.tmpdir(), 'windsock-bench-runner-'));
const runner = await startRunnerProcess({ home: runnerHome, env: { WINDSOCK_PYTHON: python, WINDSOCK_RUNNER_TICK_MS: '100' } });
try {
  const stack = await startBenchStack({
    name: 'runner-faults',
    temporalStore: 'memory',
    env: { WINDSOCK_RUNNER_URL: runner.url, WINDSOCK_RUNNER_TOKEN: runner.token, WINDSOCK_COMPUTE: 'runner' },
  });
  const cancel: number[] = [];
  const reattach: number[] = [];
  const workerStart: number[] = [];
  const resumeFromRestart: number[] = [];
  const resumeFromKill: number[] = [];
  const epochsRedone: number[] = [];
  for (let n = 0; n < trials; n++) {
    cancel.push(await cancelTrial(stack, runner, n));
    const r = await reattachTrial(stack, runner, n);
    reattach.push(r.total);
    workerStart.push(r.workerStart);
    const s = await resumeTrial(stack, runner, n);
    resumeFromRestart.push(s.fromRestart);
    resumeFromKill.push(s.fromKill);
    epochsRedone.push(s.epochsRedone);
    console.log(`[bench] trial ${n + 1}/${trials}: cancel ${ms(cancel.at(-1)!)}, reattach ${ms(r.total)}, resume ${ms(s.fromRestart)} (${s.epochsRedone} epochs redone)`);
  }
  const row = (name: string, samples: number[], format: (v: number) => string = ms) => {
    const s = summarize(samples);
    return [name, String(s.n), format(s.p50), format(s.p95), format(s.max)];
  };
  printTable(['fault -> recovered', 'n', 'p50', 'p95', 'max'], [
    row('cancel -> runner job stopped, process gone', cancel),
    row('worker SIGKILL -> same job heartbeating again', reattach),
    row('  of which: a new worker process polling', workerStart),
    row('runner restarted -> lost job resumed', resumeFromRestart),
    row('host lost (runner+job killed) -> resumed', resumeFromKill),
    row('epochs redone after resume (checkpoint every 10)', epochsRedone, (v) => String(v)),
  ]);
  console.log(`results: ${writeResults('runner-faults', { trials, cancel, reattach, workerStart, resumeFromRestart, resumeFromKill, epochsRedone })}`);
} finally {
  await runner.stop();
  await stopAll();
  rmSync(runnerHome, { recursive: true, force: true });
}
