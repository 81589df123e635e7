// `npm run bench:parked [-- --pipelines N] [--concurrency C] [--temporal memory|sqlite]`: N pipelines
// parked at approval at once, as when approvers fall behind. How long from the first submit until
// every one reports awaiting_approval, and what holding them costs: RSS of the worker, the Temporal
// dev server and the control API, idle and with all N parked.
import os from 'node:os';
import path from 'node:path';
import { intArg, mib, ms, printTable, stringArg, summarize, writeResults, type Summary } from './bench-report';
import { abortAfter, startBenchStack, type BenchStack, type Rss } from './bench-stack';
import { submitInstantPipeline, trainReferenceModel, waitForStage } from './instant-pipeline';
import { phase, readPipelineHistory, totalRunning } from './pipeline-history';
import { finalStages } from '../workflows/model-pipeline-messages';

const pipelines = intArg('pipelines', 500);
const concurrency = intArg('concurrency', 16);
const temporalStore = stringArg('temporal', ['memory', 'sqlite'] as const, 'memory');
// The ramp gets 12 minutes and then reports what it has; the whole bench is cut off at 15.
const RAMP_BUDGET_MS = 12 * 60_000;
const BENCH_BUDGET_MS = 15 * 60_000;
// Status polls ask the worker (a query per GET): few at a time, and a pause between rounds, so the
// observer takes little of the CPU the pipelines need.
const POLL_ROUND_MS = 1000;
const POLL_CONCURRENCY = 8;
const HISTORY_SAMPLE = 20;

interface Pipeline {
  index: number;
  id?: string;
  submittedAt?: number;
  postMs?: number;
  parkedAt?: number;
  error?: string;
}

type Usage = { temporal?: Rss; worker?: Rss; api?: Rss };

/** Runs fn over items with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(lanes);
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
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
const stack = await startBenchStack({ name: 'parked', temporalStore });
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

  const all: Pipeline[] = Array.from({ length: pipelines }, (_, index) => ({ index }));
  const gets: number[] = [];
  const samples: Array<{ t: number; submitted: number; parked: number; usage: Usage }> = [];
  const t0 = performance.now();
  const deadline = t0 + RAMP_BUDGET_MS;
  const counts = () => ({
    submitted: all.filter((p) => p.id).length,
    parked: all.filter((p) => p.parkedAt !== undefined).length,
    failed: all.filter((p) => p.error).length,
  });
  sampler = setInterval(() => {
    const c = counts();
    samples.push({ t: performance.now() - t0, submitted: c.submitted, parked: c.parked, usage: stack.rss() });
    process.stdout.write(`\r[bench] ${Math.round((performance.now() - t0) / 1000)} s: ${c.submitted} submitted, ${c.parked} awaiting approval, ${c.failed} failed   `);
  }, 1000);

  let submittedAllAt = NaN;
  const submitting = pool(all, concurrency, async (p) => {
    if (performance.now() > deadline) return;
    p.submittedAt = performance.now();
    try {
      const res = await submitInstantPipeline(stack, reference.modelPath, `parked-${p.index}`);
      p.id = res.id;
      p.postMs = res.ms;
    } catch (err) {
      p.error = `submit: ${(err as Error).message}`;
    }
  }).then(() => (submittedAllAt = performance.now()));

  // Poll in rounds until every submitted pipeline is parked or failed, or the ramp budget is spent.
  let submissionsDone = false;
  void submitting.then(() => (submissionsDone = true));
  for (;;) {
    stack.assertAlive();
    const roundStart = performance.now();
    const outstanding = all.filter((p) => p.id && p.parkedAt === undefined && !p.error);
    if (submissionsDone && outstanding.length === 0) break;
    if (roundStart > deadline) break;
    await pool(outstanding, POLL_CONCURRENCY, async (p) => {
      const res = await stack.request('GET', `/v1/pipelines/${p.id}`, { token: stack.tokens.approver });
      gets.push(res.ms);
      if (res.status === 200 && res.body.stage === 'awaiting_approval') p.parkedAt = performance.now();
      else if (res.status === 200 && finalStages.has(res.body.stage)) p.error = `${res.body.stage}: ${JSON.stringify(res.body.error ?? {})}`;
    });
    await sleepUntil(roundStart + POLL_ROUND_MS);
  }
  await submitting;
  clearInterval(sampler);
  process.stdout.write('\n');
  const rampMs = performance.now() - t0;
  const parkedUsage = stack.rss();
  const cpuAfter = stack.cpuSeconds();
  const c = counts();
  const lastParked = Math.max(...all.map((p) => p.parkedAt ?? -Infinity)) - t0;

  // Where a parked pipeline's time went, from the histories of an even sample of them.
  const parkedOnes = all.filter((p) => p.parkedAt !== undefined);
  const sample = parkedOnes.filter((_, i) => i % Math.max(1, Math.floor(parkedOnes.length / HISTORY_SAMPLE)) === 0).slice(0, HISTORY_SAMPLE);
  const phases = await Promise.all(
    sample.map(async (p) => {
      const h = await readPipelineHistory(stack.client, p.id!);
      return phase(h, h.workflowStarted, h.parked);
    }),
  );

  const s = {
    toParked: summarize(parkedOnes.map((p) => p.parkedAt! - p.submittedAt!)),
    post: summarize(all.filter((p) => p.postMs !== undefined).map((p) => p.postMs!)),
    get: summarize(gets),
    span: summarize(phases.map((p) => p.span)),
    running: summarize(phases.map(totalRunning)),
    trainModel: summarize(phases.map((p) => p.running.trainModel ?? 0)),
    queued: summarize(phases.map((p) => p.queued)),
    rest: summarize(phases.map((p) => p.span - totalRunning(p) - p.queued)),
  };
  const row = (label: string, x: Summary) => [label, ms(x.p50), ms(x.p95), ms(x.max)];
  const complete = c.parked === pipelines;
  console.log(
    `\nWindsock parked pipelines: ${pipelines} submitted ${concurrency} at a time, instant training job, ` +
      `Temporal dev server ${temporalStore === 'memory' ? 'in memory' : 'on SQLite'}, ${os.cpus().length} CPUs\n`,
  );
  console.log(`  all POSTs answered          ${ms(submittedAllAt - t0)}`);
  console.log(
    complete
      ? `  first submit -> all ${pipelines} awaiting_approval   ${ms(lastParked)}  (${(pipelines / (lastParked / 1000)).toFixed(1)} pipelines/s; polled every ${POLL_ROUND_MS} ms)`
      : `  NOT COMPLETE after ${ms(rampMs)}: ${c.parked} of ${pipelines} awaiting approval, ${c.failed} failed, ${pipelines - c.submitted} not submitted`,
  );
  for (const p of all.filter((x) => x.error).slice(0, 5)) console.log(`  failed #${p.index}: ${p.error}`);
  console.log('');
  printTable(
    ['', 'p50', 'p95', 'max'],
    [
      row('submit -> awaiting_approval, per pipeline', s.toParked),
      row('  POST /v1/pipelines', s.post),
      row('  GET /v1/pipelines/:id', s.get),
      [`in history (${phases.length} sampled): workflow start -> parked`],
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
      ['per parked pipeline', perPipeline('temporal'), perPipeline('worker'), perPipeline('api')],
      [`CPU time during the ramp (${ms(rampMs)} wall)`, cpu('temporal'), cpu('worker'), cpu('api')],
    ],
  );

  const file = writeResults('parked-pipelines', {
    bench: 'parked-pipelines',
    at: new Date().toISOString(),
    pipelines,
    concurrency,
    temporalStore,
    pollRoundMs: POLL_ROUND_MS,
    pollConcurrency: POLL_CONCURRENCY,
    host: { cpus: os.cpus().length, node: process.version },
    complete,
    counts: c,
    submittedAllMs: submittedAllAt - t0,
    allParkedMs: complete ? lastParked : null,
    rampMs,
    summary: s,
    rss: { idleCold, idleWarm, parked: parkedUsage },
    cpuSeconds: { before: cpuBefore, after: cpuAfter },
    samples,
    historySample: phases,
    errors: all.filter((p) => p.error).map((p) => ({ index: p.index, error: p.error })),
  });
  console.log(`\nresults: ${file}`);
  // The dev server's state goes with it (in memory, or a file under the throwaway WINDSOCK_HOME), so
  // stopping it ends the parked workflows; nothing needs terminating one by one.
  console.log(`[bench] stopping the stack; the ${c.parked} parked workflows end with the dev server`);
} catch (err) {
  failed = true;
  console.error(`\n[bench] ${(err as Error).message}`);
} finally {
  clearInterval(sampler);
  await stack.stop({ keepHome: failed });
}
process.exit(failed ? 1 : 0);
