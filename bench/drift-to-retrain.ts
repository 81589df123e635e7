// `npm run bench:drift-to-retrain [-- --trials N]`: from drift detected to a retraining pipeline
// started, p50 over N trials (10 by default), on a real stack (dev server, worker, control API and
// the Node serving app as the edge, all processes). Each trial runs the edge's drift monitor once
// (POST /admin/drift-monitor/run, what its timer or the Workers cron does each period) over drifted
// traffic, and waits until the control API answers for the retraining pipeline the monitor's
// signal-with-start created. The target: within one monitor period plus 2 s.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/project-root';
import { retrainWorkflowId } from '../contracts/retrain-model-messages';
import { ms, printTable, summarize, writeResults } from './bench-report';
import { abortAfter, startBenchStack, stopAll, type BenchStack } from './bench-stack';
import { submitInstantPipeline, waitForStage } from './instant-pipeline';
import { intArg } from './bench-args';

const trials = intArg('trials', 10);
const MODEL = 'breast-cancer';
abortAfter((4 + trials * 0.5) * 60_000, 'the drift-to-retrain bench');
const fixture = JSON.parse(readFileSync(path.join(projectRoot, 'test/fixtures/breast-cancer-serving.json'), 'utf8')) as { shiftedRows: number[][] };
const fixtureModel = path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx');
const sleep = (msec: number) => new Promise((r) => setTimeout(r, msec));

async function serving(stack: BenchStack, method: string, route: string, body?: unknown): Promise<any> {
  const res = await fetch(`${stack.servingUrl}${route}`, {
    method,
    headers: { authorization: `Bearer ${stack.tokens.submitter}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${route} at the serving app answered ${res.status}: ${await res.text()}`);
  return res.json();
}

async function trial(stack: BenchStack, previous: string | undefined): Promise<{ total: number; monitor: number; pipelineId: string }> {
  const t0 = performance.now();
  const { results } = await serving(stack, 'POST', '/admin/drift-monitor/run');
  const monitor = performance.now() - t0;
  if (!results.some((r: any) => r.model === MODEL && r.retrain?.requested)) throw new Error(`the monitor asked for no retrain: ${JSON.stringify(results)}`);
  for (const by = Date.now() + 60_000; Date.now() < by; await sleep(10)) {
    const retrain = await stack.request('GET', `/v1/models/${MODEL}/retrain`, { token: stack.tokens.approver });
    const pipelineId = retrain.body?.pipelineId as string | undefined;
    if (retrain.status !== 200 || !pipelineId || pipelineId === previous) continue;
    if ((await stack.request('GET', `/v1/pipelines/${pipelineId}`, { token: stack.tokens.approver })).status === 200) {
      return { total: performance.now() - t0, monitor, pipelineId };
    }
  }
  throw new Error('no retraining pipeline within 60 s');
}

console.log('[bench] starting the stack (dev server, worker, control API, Node serving app)');
const stack = await startBenchStack({ name: 'drift-retrain', temporalStore: 'memory', serving: true });
try {
  const champion = await submitInstantPipeline(stack, fixtureModel, `champion-${Date.now()}`);
  await waitForStage(stack, champion.id, 'awaiting_approval', { pollMs: 50 });
  await stack.request('POST', `/v1/pipelines/${champion.id}/approve`, { token: stack.tokens.approver, body: {} });
  await waitForStage(stack, champion.id, 'succeeded', { pollMs: 50 });
  // A 1 s cooldown, so that each trial's monitor run may ask again.
  await serving(stack, 'PUT', `/admin/models/${MODEL}/retrain-policy`, { minSamples: 300, cooldown: 1 });
  const rows = fixture.shiftedRows;
  for (let n = 0; n < 20; n++) {
    await fetch(`${stack.servingUrl}/v2/models/${MODEL}/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, 30], data: rows.flat() }] }),
    });
  }
  await serving(stack, 'POST', '/admin/flush');

  const totals: number[] = [];
  const monitors: number[] = [];
  let previous: string | undefined;
  for (let n = 0; n < trials; n++) {
    const r = await trial(stack, previous);
    totals.push(r.total);
    monitors.push(r.monitor);
    previous = r.pipelineId;
    console.log(`[bench] trial ${n + 1}/${trials}: ${ms(r.total)} (monitor run ${ms(r.monitor)})`);
    // Close this retrain (its pipeline) so the next request starts a new one, and let the cooldown pass.
    const handle = stack.client.workflow.getHandle(retrainWorkflowId(MODEL));
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await sleep(1100);
  }
  const row = (name: string, samples: number[]) => {
    const s = summarize(samples);
    return [name, String(s.n), ms(s.p50), ms(s.p95), ms(s.max)];
  };
  printTable(['drift detected -> retraining', 'n', 'p50', 'p95', 'max'], [
    row('monitor run -> pipeline answering at the API', totals),
    row('  of which: the monitor run (drift + signal-with-start)', monitors),
  ]);
  console.log(`results: ${writeResults('drift-to-retrain', { trials, totals, monitors })}`);
} finally {
  await stopAll();
}
