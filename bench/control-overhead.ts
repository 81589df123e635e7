// `npm run bench:control [-- --pipelines N] [--temporal memory|sqlite]`: what Windsock's pipeline
// costs beyond the work itself. N pipelines, one after another, whose training job exits at once;
// submit -> awaiting_approval and approve -> succeeded as the client sees them, and, from each
// workflow's history, how much of that is activity work, task-queue wait and workflow tasks.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../config/project-root';
import { ms, printTable, summarize, writeResults, type Summary } from './bench-report';
import { abortAfter, interrupted, stopAll, python, startBenchStack, track, type BenchStack } from './bench-stack';
import { submitInstantPipeline, trainReferenceModel, waitForStage } from './instant-pipeline';
import { phase, readPipelineHistory, totalRunning, type Phase } from './pipeline-history';
import { choiceArg, intArg } from './bench-args';

const pipelines = intArg('pipelines', 20);
const temporalStore = choiceArg('temporal', ['memory', 'sqlite'] as const, 'memory');
const POLL_MS = 20;

interface PipelineTiming {
  id: string;
  /** Client-observed, ms. */
  toParked: number;
  toSucceeded: number;
  post: number;
  approve: number;
  gets: number[];
  history: HistoryBreakdown;
}

interface HistoryBreakdown {
  /** Workflow start -> awaiting_approval visible. */
  parked: Phase;
  /** Approve signal -> succeeded visible. */
  approved: Phase;
}

async function historyBreakdown(stack: BenchStack, id: string): Promise<HistoryBreakdown> {
  // The stage reads succeeded before the workflow's last audit activity ends; wait for the close
  // so that the history read is the whole of it.
  await stack.client.workflow.getHandle(id).result();
  const h = await readPipelineHistory(stack.client, id);
  return { parked: phase(h, h.workflowStarted, h.parked), approved: phase(h, h.signaled, h.succeeded) };
}

// ---------------------------------------------------------------------------------------------

async function runPipeline(stack: BenchStack, modelPath: string, key: string): Promise<PipelineTiming> {
  const gets: number[] = [];
  const t0 = performance.now();
  const post = await submitInstantPipeline(stack, modelPath, key);
  await waitForStage(stack, post.id, 'awaiting_approval', { pollMs: POLL_MS, latencies: gets });
  const t1 = performance.now();
  const approve = await stack.request('POST', `/v1/pipelines/${post.id}/approve`, { token: stack.tokens.approver, body: {} });
  if (approve.status !== 202) throw new Error(`approve answered ${approve.status}: ${JSON.stringify(approve.body)}`);
  await waitForStage(stack, post.id, 'succeeded', { pollMs: POLL_MS, latencies: gets });
  const t2 = performance.now();
  return { id: post.id, toParked: t1 - t0, toSucceeded: t2 - t1, post: post.ms, approve: approve.ms, gets, history: await historyBreakdown(stack, post.id) };
}

/** The instant job alone: Python start-up and a file copy, with nothing of Windsock around it. */
async function timeInstantJob(modelPath: string, outputDir: string): Promise<number> {
  mkdirSync(outputDir, { recursive: true });
  const started = performance.now();
  const child = track(
    spawn(python, [path.join(projectRoot, 'jobs/instant/emit_model.py')], {
      env: { ...process.env, WINDSOCK_PARAMS: JSON.stringify({ model_path: modelPath }), WINDSOCK_OUTPUT_DIR: outputDir },
      stdio: 'ignore',
    }),
  );
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`emit_model.py exited with ${code}`);
  return performance.now() - started;
}

// ---------------------------------------------------------------------------------------------

abortAfter(20 * 60_000, 'bench:control');
console.log(`[bench] starting the stack (Temporal dev server ${temporalStore === 'memory' ? 'in memory' : 'on a SQLite file'}, worker, control API)`);
const stack = await startBenchStack({ name: 'control', temporalStore }).catch(async (err: Error) => {
  if (!interrupted()) console.error(`[bench] the stack did not start: ${err.message}`);
  await stopAll();
  return process.exit(interrupted() ? 130 : 1);
});
let failed = false;
try {
  console.log('[bench] training the reference model once (jobs/breast-cancer/train.py, 60 epochs)');
  const reference = await trainReferenceModel(path.join(stack.home, 'reference-model'));

  // A pipeline that fails is reported and left out, so that one product bug does not cost the run.
  const failures: Array<{ key: string; error: string }> = [];
  const attempt = async (key: string): Promise<PipelineTiming | undefined> => {
    try {
      return await runPipeline(stack, reference.modelPath, key);
    } catch (err) {
      stack.assertAlive();
      failures.push({ key, error: (err as Error).message });
      return undefined;
    }
  };

  // The first pipeline pays for cold paths (onnxruntime load, first registry writes, workflow
  // cache); it is reported apart and left out of the percentiles.
  console.log('[bench] first pipeline (cold, not counted)');
  const cold = await attempt('control-cold');

  const timings: PipelineTiming[] = [];
  for (let i = 0; i < pipelines; i++) {
    const timing = await attempt(`control-${i}`);
    if (timing) timings.push(timing);
    process.stdout.write(`\r[bench] pipelines ${i + 1}/${pipelines}${failures.length ? `, ${failures.length} failed` : ''}`);
  }
  process.stdout.write('\n');
  if (timings.length === 0) throw new Error(`every pipeline failed; the first: ${failures[0]?.error}`);

  const jobAlone: number[] = [];
  for (let i = 0; i < pipelines; i++) jobAlone.push(await timeInstantJob(reference.modelPath, path.join(stack.home, 'instant-job-baseline')));

  const s = {
    toParked: summarize(timings.map((t) => t.toParked)),
    toSucceeded: summarize(timings.map((t) => t.toSucceeded)),
    post: summarize(timings.map((t) => t.post)),
    approve: summarize(timings.map((t) => t.approve)),
    get: summarize(timings.flatMap((t) => t.gets)),
    jobAlone: summarize(jobAlone),
    parkedSpan: summarize(timings.map((t) => t.history.parked.span)),
    approvedSpan: summarize(timings.map((t) => t.history.approved.span)),
  };
  const row = (label: string, x: Summary) => [label, ms(x.p50), ms(x.p95), ms(x.max)];
  const phaseRows = (which: 'parked' | 'approved', clientObserved: number[]): string[][] => {
    const phases = timings.map((t) => t.history[which]);
    const types = [...new Set(phases.flatMap((p) => Object.keys(p.running)))];
    const run = phases.map(totalRunning);
    const rest = phases.map((p, i) => p.span - run[i]! - p.queued);
    const outside = phases.map((p, i) => clientObserved[i]! - p.span);
    return [
      row('    in the workflow history', summarize(phases.map((p) => p.span))),
      row('      activities running', summarize(run)),
      ...types.map((type) => row(`        ${type}`, summarize(phases.map((p) => p.running[type] ?? 0)))),
      row('      activity tasks queued', summarize(phases.map((p) => p.queued))),
      row('      workflow tasks, dispatch', summarize(rest)),
      row('    outside it (API, RPCs, polling)', summarize(outside)),
    ];
  };
  // Shares of all submit -> awaiting_approval time together, so that the parts add up to 100%.
  const total = timings.reduce((a, t) => a + t.toParked, 0);
  const share = (f: (t: PipelineTiming) => number) => `${((timings.reduce((a, t) => a + f(t), 0) / total) * 100).toFixed(0)}%`;
  const shares = {
    activities: share((t) => totalRunning(t.history.parked)),
    trainModel: share((t) => t.history.parked.running.trainModel ?? 0),
    queued: share((t) => t.history.parked.queued),
    workflowTasks: share((t) => t.history.parked.span - totalRunning(t.history.parked) - t.history.parked.queued),
    outside: share((t) => t.toParked - t.history.parked.span),
  };
  const trainP50 = summarize(timings.map((t) => t.history.parked.running.trainModel ?? 0)).p50;

  console.log(
    `\nWindsock control overhead: ${timings.length} of ${pipelines} pipelines one after another, instant training job, ` +
      `Temporal dev server ${temporalStore === 'memory' ? 'in memory' : 'on SQLite'}, status polled every ${POLL_MS} ms\n`,
  );
  printTable(
    ['', 'p50', 'p95', 'max'],
    [
      row('submit -> awaiting_approval (target < 3 s)', s.toParked),
      ...phaseRows('parked', timings.map((t) => t.toParked)),
      row('approve -> succeeded (target < 1 s)', s.toSucceeded),
      ...phaseRows('approved', timings.map((t) => t.toSucceeded)),
      ['baselines'],
      row('  POST /v1/pipelines (validate, start workflow)', s.post),
      row('  POST /v1/pipelines/:id/approve (query, signal)', s.approve),
      row('  GET /v1/pipelines/:id (describe, query)', s.get),
      row('  instant job alone (python emit_model.py)', s.jobAlone),
      ['  first pipeline (cold) -> awaiting_approval', ms(cold?.toParked ?? NaN), '', ''],
      ['  first pipeline (cold), approve -> succeeded', ms(cold?.toSucceeded ?? NaN), '', ''],
      ['  real training, once (train.py, 60 epochs)', ms(reference.seconds * 1000), '', ''],
    ],
  );
  console.log(
    `\nsubmit -> awaiting_approval, all pipelines together: activities ${shares.activities} (trainModel ${shares.trainModel}), ` +
      `activity queue ${shares.queued}, workflow tasks and dispatch ${shares.workflowTasks}, outside the history ${shares.outside}`,
  );
  console.log(
    `ratios (p50): submit -> awaiting_approval is ${(s.toParked.p50 / s.jobAlone.p50).toFixed(0)}x the instant job alone; ` +
      `trainModel runs ${(trainP50 / s.jobAlone.p50).toFixed(0)}x as long as the job it starts (${ms(trainP50)} vs ${ms(s.jobAlone.p50)})`,
  );
  for (const f of failures) console.log(`FAILED ${f.key}: ${f.error}`);
  const file = writeResults('control-overhead', {
    bench: 'control-overhead',
    at: new Date().toISOString(),
    pipelines,
    temporalStore,
    pollMs: POLL_MS,
    host: { cpus: os.cpus().length, node: process.version, loadavgAtEnd: os.loadavg() },
    summary: s,
    shares,
    cold: cold ? { toParked: cold.toParked, toSucceeded: cold.toSucceeded } : null,
    failures,
    referenceTrainingSeconds: reference.seconds,
    jobAlone,
    timings,
  });
  console.log(`\nresults: ${file}`);
} catch (err) {
  failed = true;
  if (!interrupted()) console.error(`\n[bench] ${(err as Error).message}`);
} finally {
  await stack.stop({ keepHome: failed });
}
process.exit(interrupted() ? 130 : failed ? 1 : 0);
