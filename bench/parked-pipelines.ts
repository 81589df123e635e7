// `npm run bench:parked [-- --pipelines N] [--concurrency C] [--temporal memory|sqlite]`: N pipelines
// parked at approval at once, as when approvers fall behind. How long from the first submit until
// every one reports awaiting_approval, and what holding them costs: RSS of the worker, the Temporal
// dev server and the control API, idle and with all N parked.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finalStages } from '../contracts/model-pipeline-messages';
import { mib, ms, printTable, summarize, writeResults, type Summary } from './bench-report';
import { abortAfter, interrupted, stopAll, startBenchStack, type BenchStack, type Rss } from './bench-stack';
import { submitInstantPipeline, trainReferenceModel, waitForStage } from './instant-pipeline';
import { phase, readPipelineHistory, totalRunning, type Phase, type PipelineHistory } from './pipeline-history';
import { choiceArg, intArg } from './bench-args';

const pipelines = intArg('pipelines', 500);
const concurrency = intArg('concurrency', 16);
const temporalStore = choiceArg('temporal', ['memory', 'sqlite'] as const, 'memory');
// The ramp gets 12 minutes and then reports what it has; the whole bench is cut off at 15.
const RAMP_BUDGET_MS = 12 * 60_000;
const BENCH_BUDGET_MS = 15 * 60_000;
// Every status GET is a query answered by the worker, so polling all N each round would make the
// observer a load of its own. Each round asks only the oldest POLL_BATCH outstanding pipelines
// (they move through the task queue roughly in order); the exact moment each one parked comes
// afterwards from its workflow history.
const POLL_ROUND_MS = 1000;
const POLL_BATCH = 32;
const POLL_CONCURRENCY = 8;

interface Pipeline {
  index: number;
  id?: string;
  /** Epoch ms, comparable with the dev server's history timestamps (same host clock). */
  submittedAt?: number;
  postMs?: number;
  /** The API reported awaiting_approval (epoch ms, at the poll). */
  seenParkedAt?: number;
  history?: PipelineHistory;
  error?: string;
}

type Usage = { temporal?: Rss; worker?: Rss; api?: Rss };

/** Busy and total CPU time of the whole host so far (all cores, anything running), in ticks. */
function hostCpuTicks(): { busy: number; total: number } {
  // user nice system idle iowait irq softirq steal; guest time is already counted in user.
  const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  return { busy: total - ticks[3]! - ticks[4]!, total };
}

/** Runs fn over items with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

/** One full pipeline, so that the "idle" figures include what any first pipeline loads (onnxruntime, caches). */
async function warmUp(stack: BenchStack, modelPath: string): Promise<void> {
  const { id } = await submitInstantPipeline(stack, modelPath, 'parked-warm-up');
  await waitForStage(stack, id, 'awaiting_approval', { pollMs: 50 });
  const approve = await stack.request('POST', `/v1/pipelines/${id}/approve`, { token: stack.tokens.approver, body: {} });
  if (approve.status !== 202) throw new Error(`approve answered ${approve.status}: ${JSON.stringify(approve.body)}`);
  await waitForStage(stack, id, 'succeeded', { pollMs: 50 });
  await stack.client.workflow.getHandle(id).result();
}

abortAfter(BENCH_BUDGET_MS, `bench:parked with ${pipelines} pipelines`);
console.log(`[bench] starting the stack (Temporal dev server ${temporalStore === 'memory' ? 'in memory' : 'on a SQLite file'}, worker, control API)`);
const stack = await startBenchStack({ name: 'parked', temporalStore }).catch(async (err: Error) => {
  if (!interrupted()) console.error(`[bench] the stack did not start: ${err.message}`);
  await stopAll();
  return process.exit(interrupted() ? 130 : 1);
});
let failed = false;
let sampler: NodeJS.Timeout | undefined;
try {
  const idleCold = stack.rss();
  console.log('[bench] training the reference model once (jobs/breast-cancer/train.py, 60 epochs)');
  const reference = await trainReferenceModel(path.join(stack.home, 'reference-model'));
  console.log('[bench] one warm-up pipeline, submit to succeeded');
  await warmUp(stack, reference.modelPath);
  const idleWarm = stack.rss();
  const cpuBefore = stack.cpuSeconds();
  const hostBefore = hostCpuTicks();

  const all: Pipeline[] = Array.from({ length: pipelines }, (_, index) => ({ index }));
  const gets: number[] = [];
  const samples: Array<{ t: number; submitted: number; seenParked: number; usage: Usage }> = [];
  const t0 = Date.now();
  const deadline = t0 + RAMP_BUDGET_MS;
  const counts = () => ({
    submitted: all.filter((p) => p.id).length,
    parked: all.filter((p) => p.seenParkedAt !== undefined).length,
    failed: all.filter((p) => p.error).length,
  });
  sampler = setInterval(() => {
    const c = counts();
    samples.push({ t: Date.now() - t0, submitted: c.submitted, seenParked: c.parked, usage: stack.rss() });
    process.stdout.write(`\r[bench] ${Math.round((Date.now() - t0) / 1000)} s: ${c.submitted} submitted, ${c.parked} seen awaiting approval, ${c.failed} failed   `);
  }, 1000);

  let submittedAllAt = NaN;
  let submissionsDone = false;
  const submitting = pool(all, concurrency, async (p) => {
    if (Date.now() > deadline) return;
    p.submittedAt = Date.now();
    try {
      const res = await submitInstantPipeline(stack, reference.modelPath, `parked-${p.index}`);
      p.id = res.id;
      p.postMs = res.ms;
    } catch (err) {
      p.error = `submit: ${(err as Error).message}`;
    }
  }).then(() => {
    submittedAllAt = Date.now();
    submissionsDone = true;
  });

  // Until every submitted pipeline has been seen parked (or failed), or the ramp budget is spent.
  for (;;) {
    stack.assertAlive();
    const roundStart = Date.now();
    const outstanding = all.filter((p) => p.id && p.seenParkedAt === undefined && !p.error);
    if (submissionsDone && outstanding.length === 0) break;
    if (roundStart > deadline) break;
    await pool(outstanding.slice(0, POLL_BATCH), POLL_CONCURRENCY, async (p) => {
      const res = await stack.request('GET', `/v1/pipelines/${p.id}`, { token: stack.tokens.approver });
      gets.push(res.ms);
      if (res.status === 200 && res.body.stage === 'awaiting_approval') p.seenParkedAt = Date.now();
      else if (res.status === 200 && finalStages.has(res.body.stage)) p.error = `${res.body.stage}: ${JSON.stringify(res.body.error ?? {})}`;
    });
    const wait = roundStart + POLL_ROUND_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await submitting;
  clearInterval(sampler);
  process.stdout.write('\n');
  const rampMs = Date.now() - t0;
  const parkedUsage = stack.rss();
  const cpuAfter = stack.cpuSeconds();
  const hostAfter = hostCpuTicks();
  const hostBusy = (hostAfter.busy - hostBefore.busy) / (hostAfter.total - hostBefore.total);
  const c = counts();

  // Exact times and where they went, from every submitted pipeline's history.
  console.log('[bench] reading workflow histories');
  await pool(
    all.filter((p) => p.id),
    8,
    async (p) => void (p.history = await readPipelineHistory(stack.client, p.id!)),
  );
  const parkedOnes = all.filter((p) => p.seenParkedAt !== undefined && Number.isFinite(p.history?.parked));
  const phases: Phase[] = parkedOnes.map((p) => phase(p.history!, p.history!.workflowStarted, p.history!.parked));
  const lastParked = Math.max(...parkedOnes.map((p) => p.history!.parked)) - t0;
  const lastSeen = Math.max(...parkedOnes.map((p) => p.seenParkedAt!)) - t0;

  const s = {
    toParked: summarize(parkedOnes.map((p) => p.history!.parked - p.submittedAt!)),
    post: summarize(all.filter((p) => p.postMs !== undefined).map((p) => p.postMs!)),
    get: summarize(gets),
    span: summarize(phases.map((p) => p.span)),
    running: summarize(phases.map(totalRunning)),
    trainModel: summarize(phases.map((p) => p.running.trainModel ?? 0)),
    queued: summarize(phases.map((p) => p.queued)),
    rest: summarize(phases.map((p) => p.span - totalRunning(p) - p.queued)),
  };
  // Activity slots: the worker runs at most maxConcurrentActivityTaskExecutions (20) activities at
  // once. Slot time used per second of ramp says how close that limit was.
  const slotsBusy = phases.reduce((sum, p) => sum + totalRunning(p), 0) / lastParked;
  const row = (label: string, x: Summary) => [label, ms(x.p50), ms(x.p95), ms(x.max)];
  const complete = c.parked === pipelines;
  console.log(
    `\nWindsock parked pipelines: ${pipelines} submitted ${concurrency} at a time, instant training job, ` +
      `Temporal dev server ${temporalStore === 'memory' ? 'in memory' : 'on SQLite'}, ${os.cpus().length} CPUs\n`,
  );
  console.log(`  all ${c.submitted} POSTs answered after   ${ms(submittedAllAt - t0)}`);
  if (complete) {
    console.log(`  first submit -> all ${pipelines} awaiting_approval   ${ms(lastParked)} (history; ${(pipelines / (lastParked / 1000)).toFixed(1)} pipelines/s)`);
    console.log(`  ... and all seen so through the API after       ${ms(lastSeen)}`);
  } else if (c.parked + c.failed === pipelines) {
    console.log(`  first submit -> the last of ${c.parked} awaiting_approval   ${ms(lastParked)} (history); ${c.failed} FAILED (below)`);
    console.log(`  ... and all ${c.parked} seen so through the API after   ${ms(lastSeen)}`);
  } else {
    console.log(`  NOT COMPLETE after ${ms(rampMs)}: ${c.parked} of ${pipelines} seen awaiting approval, ${c.failed} failed, ${pipelines - c.submitted} not submitted`);
  }
  for (const p of all.filter((x) => x.error).slice(0, 5)) {
    // Which activity failed, after how many attempts: a retried-away error looks different from one
    // that beat every retry.
    const failedRun = p.history?.runs.find((r) => r.failure);
    const where = failedRun ? ` (${failedRun.type}, attempt ${failedRun.attempt})` : '';
    console.log(`  failed #${p.index}${where}: ${p.error}`);
  }
  console.log(`  activity slots busy, on average             ${slotsBusy.toFixed(1)} of 20 (the worker's maxConcurrentActivityTaskExecutions)`);
  console.log(`  host CPU busy during the ramp                ${(hostBusy * 100).toFixed(0)}% of ${os.cpus().length} cores (everything on the host)`);
  console.log('');
  printTable(
    ['', 'p50', 'p95', 'max'],
    [
      row('submit -> awaiting_approval, per pipeline', s.toParked),
      row('  POST /v1/pipelines', s.post),
      row('  GET /v1/pipelines/:id', s.get),
      ['workflow start -> parked, from history'],
      row('  span', s.span),
      row('  activities running', s.running),
      row('    of which trainModel', s.trainModel),
      row('  activity tasks queued', s.queued),
      row('  workflow tasks, dispatch', s.rest),
    ],
  );
  console.log('');
  const memRow = (label: string, u: Usage, field: keyof Rss = 'rss') => [label, mib(u.temporal?.[field]), mib(u.worker?.[field]), mib(u.api?.[field])];
  const perPipeline = (who: keyof Usage) => {
    const delta = (parkedUsage[who]?.rss ?? NaN) - (idleWarm[who]?.rss ?? NaN);
    return Number.isFinite(delta) && c.parked > 0 ? `${(delta / c.parked / 1024).toFixed(0)} KiB` : '-';
  };
  const cpu = (who: keyof Usage) => ((cpuAfter[who] ?? NaN) - (cpuBefore[who] ?? NaN)).toFixed(1) + ' s';
  printTable(
    ['RSS', 'Temporal dev server', 'worker', 'control API'],
    [
      memRow('idle, just started', idleCold),
      memRow('idle, after one pipeline', idleWarm),
      memRow(`${c.parked} parked`, parkedUsage),
      memRow('peak (VmHWM) by then', parkedUsage, 'peak'),
      ['per parked pipeline (parked - idle)', perPipeline('temporal'), perPipeline('worker'), perPipeline('api')],
      [`CPU time in the ramp (${ms(rampMs)} wall)`, cpu('temporal'), cpu('worker'), cpu('api')],
    ],
  );

  const file = writeResults('parked-pipelines', {
    bench: 'parked-pipelines',
    at: new Date().toISOString(),
    pipelines,
    concurrency,
    temporalStore,
    poll: { roundMs: POLL_ROUND_MS, batch: POLL_BATCH, concurrency: POLL_CONCURRENCY },
    host: { cpus: os.cpus().length, node: process.version, loadavgAtEnd: os.loadavg() },
    complete,
    counts: c,
    submittedAllMs: submittedAllAt - t0,
    allParkedMs: complete ? lastParked : null,
    allSeenParkedMs: complete ? lastSeen : null,
    rampMs,
    summary: s,
    rss: { idleCold, idleWarm, parked: parkedUsage },
    cpuSeconds: { before: cpuBefore, after: cpuAfter },
    hostCpuBusy: hostBusy,
    activitySlotsBusy: slotsBusy,
    samples,
    perPipeline: all.map((p) => ({
      index: p.index,
      id: p.id,
      postMs: p.postMs,
      toParkedMs: p.history && p.submittedAt ? p.history.parked - p.submittedAt : null,
      error: p.error,
    })),
    phases,
  });
  console.log(`\nresults: ${file}`);
  // The dev server's state goes with it (in memory, or a file under the throwaway WINDSOCK_HOME), so
  // stopping it ends the parked workflows; nothing needs terminating one by one.
  console.log(`[bench] stopping the stack; the ${c.parked} parked workflows end with the dev server`);
} catch (err) {
  failed = true;
  if (!interrupted()) console.error(`\n[bench] ${(err as Error).message}`);
} finally {
  clearInterval(sampler);
  await stack.stop({ keepHome: failed });
}
process.exit(interrupted() ? 130 : failed ? 1 : 0);
