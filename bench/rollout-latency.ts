// `npx tsx bench/rollout-latency.ts [--runs N]`: how fast a rollout's traffic changes reach the
// serving side, on a throwaway stack whose edge is the Node serving app (api/node-serving/main.ts)
// with live traffic. (a) approve -> canary weight live at the edge, for a good version, which is then
// aborted so that version 1 stays stable; (b) rollback decision -> stable weights restored, for a
// version that predicts one class and rolls back on its own. Client-observed figures from polling,
// checked against the registry's audit timestamps and broken down from the Temporal histories.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { projectRoot } from '../config/project-root';
import type { RolloutStatus } from '../contracts/canary-rollout-messages';
import { rolloutWorkflowId } from '../contracts/canary-rollout-messages';
import { finalStages } from '../contracts/model-pipeline-messages';
import { ms, printTable, summarize, writeResults, type Summary } from './bench-report';
import { abortAfter, interrupted, startBenchStack, stopAll, type BenchStack } from './bench-stack';
import { instantJob, waitForStage } from './instant-pipeline';
import { phase, totalRunning, tsMs, type ActivityRun, type Phase, type PipelineHistory } from './pipeline-history';
import { intArg } from './bench-args';

const runs = intArg('runs', 10);
const MODEL = 'breast-cancer';
const EDGE_POLL_MS = 10;
// A pipeline status read is a describe and one or two workflow queries, which the worker answers:
// polling it as often as the edge would load the worker that is being measured.
const STATUS_POLL_MS = 20;
const RUN_TIMEOUT_MS = 120_000;

const goodModel = path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx');
// Calls every row malignant: it passes an empty gate and the canary rolls it back on its class mix.
const constantClassModel = path.join(projectRoot, 'test/fixtures/constant-class-model.onnx');
const holdoutRows = (JSON.parse(readFileSync(path.join(projectRoot, 'test/fixtures/breast-cancer-serving.json'), 'utf8')) as { holdoutRows: number[][] }).holdoutRows;

const rolloutPlan = {
  strategy: 'canary',
  steps: [10, 100],
  bakeSeconds: 1,
  policy: { minRequests: 20, maxExtensions: 10, predictionDivergencePValue: 0.001, maxLatencyRatio: 4, minLatencyDeltaMs: 50 },
};

/** Wall-clock ms with sub-ms precision, comparable with Temporal's event times and the audit log (one host). */
const now = () => performance.timeOrigin + performance.now();

type Weights = Record<string, number>;

// ---------------------------------------------------------------------------------------------
// Reading the edge and the pipeline

interface Observation<T> {
  value: T;
  /** When the request that saw it was sent and when its answer arrived (wall clock, ms). */
  sentAt: number;
  at: number;
}

async function edgeWeights(stack: BenchStack): Promise<Weights | undefined> {
  const res = await fetch(`${stack.servingUrl}/admin/models/${MODEL}`, {
    headers: { authorization: `Bearer ${stack.tokens.submitter}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`GET /admin/models/${MODEL} at the serving app answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { traffic: { weights: Weights } | null }).traffic?.weights;
}

async function pipelineStatus(stack: BenchStack, id: string): Promise<any> {
  const res = await stack.request('GET', `/v1/pipelines/${id}`, { token: stack.tokens.approver });
  if (res.status !== 200) throw new Error(`GET /v1/pipelines/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Reads every `intervalMs` until `done` holds for a value, or throws with the last value read once
 * `until.deadline` passes (setting it to 0 stops a poll whose partner failed). Each read's round trip
 * goes into `latencies`: an observation is only as fine as the poll interval plus that.
 */
async function pollUntil<T>(
  stack: BenchStack,
  what: string,
  intervalMs: number,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  latencies: number[],
  until = { deadline: Date.now() + RUN_TIMEOUT_MS },
): Promise<Observation<T>> {
  for (;;) {
    stack.assertAlive();
    const sentAt = now();
    const value = await read();
    const at = now();
    latencies.push(at - sentAt);
    if (done(value)) return { value, sentAt, at };
    if (Date.now() > until.deadline) throw new Error(`${what} not seen within ${RUN_TIMEOUT_MS / 1000} s; last read: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

const stableAt100 = (stable: number, version: number) => (w: Weights | undefined) => w?.[String(stable)] === 100 && !((w?.[String(version)] ?? 0) > 0);

// ---------------------------------------------------------------------------------------------
// Traffic: clients calling the model with random routing keys, so that each canary has requests to
// be judged on. One sequential client, as the rollout tests send; bounded by stop() and a deadline.

interface Traffic {
  stop(): Promise<TrafficStats>;
}

interface TrafficStats {
  sent: number;
  byStatus: Record<string, number>;
  byVersion: Record<string, number>;
  seconds: number;
}

function startTraffic(servingUrl: string, maxMs: number): Traffic {
  const stats: TrafficStats = { sent: 0, byStatus: {}, byVersion: {}, seconds: 0 };
  const started = Date.now();
  let running = true;
  const loop = (async () => {
    while (running && Date.now() - started < maxMs) {
      const row = holdoutRows[stats.sent % holdoutRows.length]!;
      let status = 'unreachable';
      try {
        const res = await fetch(`${servingUrl}/v2/models/${MODEL}/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-windsock-routing-key': `client-${Math.random()}` },
          body: JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 30], data: row }] }),
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer();
        status = String(res.status);
        const version = res.headers.get('x-windsock-model-version');
        if (version) stats.byVersion[version] = (stats.byVersion[version] ?? 0) + 1;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
      stats.sent++;
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      stats.seconds = (Date.now() - started) / 1000;
      return stats;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Temporal histories: server timestamps of activities, workflow tasks, signals and the child start.

interface Timeline extends PipelineHistory {
  workflowTasks: WorkflowTask[];
  childInitiated: number;
}

interface WorkflowTask {
  scheduled: number;
  started?: number;
  completed?: number;
}

const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));

/** Time workflow tasks waited on the task queue and ran in the worker, clipped to [from, to]. */
function workflowTaskTime(t: Timeline, from: number, to: number): { queued: number; running: number } {
  let queued = 0;
  let running = 0;
  for (const task of t.workflowTasks) {
    const started = task.started ?? task.completed ?? to;
    queued += overlap(task.scheduled, started, from, to);
    running += overlap(started, task.completed ?? to, from, to);
  }
  return { queued, running };
}

/** A stretch of one history: activities, their queue, workflow tasks, and whatever is left. */
interface Breakdown extends Phase {
  workflowTasksQueued: number;
  workflowTasksRunning: number;
}

function breakdown(t: Timeline, from: number, to: number): Breakdown {
  const tasks = workflowTaskTime(t, from, to);
  return { ...phase(t, from, to), workflowTasksQueued: tasks.queued, workflowTasksRunning: tasks.running };
}

const otherTime = (b: Breakdown) => b.span - totalRunning(b) - b.queued - b.workflowTasksQueued - b.workflowTasksRunning;

async function readTimeline(client: Client, workflowId: string): Promise<Timeline> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const runs = new Map<string, ActivityRun>();
  const tasks = new Map<string, WorkflowTask>();
  const timeline: Timeline = { workflowStarted: NaN, signaled: NaN, parked: NaN, succeeded: NaN, runs: [], workflowTasks: [], childInitiated: NaN };
  for (const e of events) {
    const at = tsMs(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) timeline.workflowStarted = at;
    if (e.workflowExecutionSignaledEventAttributes && Number.isNaN(timeline.signaled)) timeline.signaled = at;
    if (e.startChildWorkflowExecutionInitiatedEventAttributes) timeline.childInitiated = at;
    if (e.workflowTaskScheduledEventAttributes) tasks.set(String(e.eventId), { scheduled: at });
    if (e.workflowTaskStartedEventAttributes) tasks.get(String(e.workflowTaskStartedEventAttributes.scheduledEventId))!.started = at;
    const taskClosed = e.workflowTaskCompletedEventAttributes ?? e.workflowTaskFailedEventAttributes ?? e.workflowTaskTimedOutEventAttributes;
    if (taskClosed) tasks.get(String(taskClosed.scheduledEventId))!.completed = at;
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) runs.set(String(e.eventId), { type: scheduled.activityType?.name ?? '?', scheduled: at });
    const started = e.activityTaskStartedEventAttributes;
    if (started) Object.assign(runs.get(String(started.scheduledEventId))!, { started: at, attempt: started.attempt ?? undefined });
    const closed =
      e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed) runs.get(String(closed.scheduledEventId))!.closed = at;
  }
  timeline.runs = [...runs.values()];
  timeline.workflowTasks = [...tasks.values()];
  return timeline;
}

function firstRun(t: Timeline, type: string, scheduledFrom = -Infinity): ActivityRun {
  const run = t.runs.find((r) => r.type === type && r.scheduled >= scheduledFrom);
  if (!run?.started || !run.closed) throw new Error(`no finished ${type} activity in the history after ${new Date(scheduledFrom).toISOString()}`);
  return run;
}

// ---------------------------------------------------------------------------------------------
// Submitting and approving

async function submitAndPark(stack: BenchStack, key: string, modelPath: string, extra: Record<string, unknown> = {}): Promise<{ id: string; version: number }> {
  const res = await stack.request('POST', '/v1/pipelines', {
    token: stack.tokens.submitter,
    headers: { 'idempotency-key': key },
    body: { model: MODEL, dataset: 'examples/breast-cancer/data/breast-cancer.csv', job: instantJob, params: { model_path: modelPath }, rollout: rolloutPlan, ...extra },
  });
  if (res.status !== 202) throw new Error(`POST /v1/pipelines answered ${res.status}: ${JSON.stringify(res.body)}`);
  const id = res.body.pipelineId as string;
  await waitForStage(stack, id, 'awaiting_approval', { pollMs: 50 });
  return { id, version: (await pipelineStatus(stack, id)).version as number };
}

async function approve(stack: BenchStack, id: string): Promise<number> {
  const res = await stack.request('POST', `/v1/pipelines/${id}/approve`, { token: stack.tokens.approver, body: {} });
  if (res.status !== 202) throw new Error(`approve answered ${res.status}: ${JSON.stringify(res.body)}`);
  return now();
}

/** The version with the most weight at the edge now: what a new rollout will treat as stable. */
async function stableVersion(stack: BenchStack): Promise<number> {
  const weights = (await edgeWeights(stack)) ?? {};
  const [version] = Object.entries(weights).sort((a, b) => b[1] - a[1])[0] ?? [];
  if (version === undefined || weights[version] !== 100) throw new Error(`the edge is not on one stable version: ${JSON.stringify(weights)}`);
  return Number(version);
}

// ---------------------------------------------------------------------------------------------
// (a) approval -> canary weight live

interface ApprovalRun {
  id: string;
  version: number;
  /** Approve POST returned -> first edge read with the new version's weight > 0, ms. */
  toCanaryLive: number;
  /** Abort POST returned -> first edge read with stable back at 100, ms. */
  abortToStable: number;
  history: {
    /** Approve signal (history) -> setEdgeWeights of the first step completed. */
    span: number;
    /** Approve signal -> child workflow start initiated, in the pipeline's history. */
    parent: Breakdown;
    /** Child workflow started -> first setEdgeWeights completed, in canaryRollout's history. */
    child: Breakdown;
    /** Approve POST returned, after the signal was recorded (the POST also queried the status first). */
    approveReturnedAfterSignal: number;
    /** setEdgeWeights started -> the edge poll that saw the weight answered. */
    seenAfterSetWeightsStarted: number;
  };
  edgePolls: number[];
}

async function approvalRun(stack: BenchStack, key: string): Promise<ApprovalRun> {
  const { id, version } = await submitAndPark(stack, key, goodModel);
  const stable = await stableVersion(stack);
  const edgePolls: number[] = [];
  const approvedAt = await approve(stack, id);
  const live = await pollUntil(stack, `v${version} weight > 0 at the edge`, EDGE_POLL_MS, () => edgeWeights(stack), (w) => (w?.[String(version)] ?? 0) > 0, edgePolls);

  // Abort rather than promote: version 1 stays the champion and stable for every run, and the abort
  // path (restoreStable) is timed as well.
  const abort = await stack.request('POST', `/v1/pipelines/${id}/rollout/abort`, { token: stack.tokens.approver, body: { reason: 'bench: canary live, measured' } });
  if (abort.status !== 202) throw new Error(`rollout abort answered ${abort.status}: ${JSON.stringify(abort.body)}`);
  const abortedAt = now();
  const restored = await pollUntil(stack, `v${stable} back at 100`, EDGE_POLL_MS, () => edgeWeights(stack), stableAt100(stable, version), edgePolls);

  const done = (await stack.client.workflow.getHandle(id).result()) as { stage: string };
  if (done.stage !== 'rolled_back') throw new Error(`pipeline ${id} ended as ${done.stage} after the abort`);
  const parent = await readTimeline(stack.client, id);
  const child = await readTimeline(stack.client, rolloutWorkflowId(id));
  const setWeights = firstRun(child, 'setEdgeWeights');
  return {
    id,
    version,
    toCanaryLive: live.at - approvedAt,
    abortToStable: restored.at - abortedAt,
    history: {
      span: setWeights.closed! - parent.signaled,
      parent: breakdown(parent, parent.signaled, parent.childInitiated),
      child: breakdown(child, child.workflowStarted, setWeights.closed!),
      approveReturnedAfterSignal: approvedAt - parent.signaled,
      seenAfterSetWeightsStarted: live.at - setWeights.started!,
    },
    edgePolls,
  };
}

// ---------------------------------------------------------------------------------------------
// (b) rollback decision -> stable weights restored

interface RollbackRun {
  id: string;
  version: number;
  /** First status read with a rollback verdict -> first edge read with stable at 100 again, ms. */
  decisionToStable: number;
  /** The same from the registry's audit log: rollout.analysis (rollback) -> rollout.weights (percent 0). */
  audit: { decisionToStable: number; analysisAt: string; weightsAt: string } | null;
  history: {
    /** Workflow task that decided rollback completed -> setEdgeWeights (restore) completed. */
    span: number;
    /** recordPipelineEvent for rollout.analysis, which the workflow awaits before restoring. */
    auditQueued: number;
    auditRunning: number;
    /** Audit completed -> setEdgeWeights scheduled: one workflow task. */
    workflowTask: number;
    setWeightsQueued: number;
    setWeightsRunning: number;
    /** readEdgeSketches completed -> the deciding workflow task completed (decideCanary runs in it). */
    analysisTask: number;
    /** Deciding workflow task completed -> the status poll that showed the verdict answered. */
    verdictSeenAfter: number;
    /** setEdgeWeights started -> the edge poll that saw stable at 100 answered. */
    stableSeenAfterSetWeightsStarted: number;
  };
  /** Approve POST returned -> stable restored: the whole canary, bakes included. */
  approveToStable: number;
  analyses: Array<{ verdict: string; reasons: string[] }>;
  statusPolls: number[];
  edgePolls: number[];
}

async function rollbackRun(stack: BenchStack, key: string): Promise<RollbackRun> {
  const { id, version } = await submitAndPark(stack, key, constantClassModel, { gate: {} });
  const stable = await stableVersion(stack);
  const statusPolls: number[] = [];
  const edgePolls: number[] = [];
  const approvedAt = await approve(stack, id);

  const until = { deadline: Date.now() + RUN_TIMEOUT_MS };
  const hasRollback = (s: any) => ((s.rollout as RolloutStatus | undefined)?.analyses ?? []).some((a) => a.verdict === 'rollback');
  // Both are polled together: the verdict from the pipeline's status, the weights from the edge.
  // The edge's weights count only after the canary was seen there, and a promotion ends the wait.
  let canarySeen = false;
  const [verdict, restored] = await Promise.all([
    pollUntil(stack, `a rollback verdict for v${version}`, STATUS_POLL_MS, () => pipelineStatus(stack, id), (s) => hasRollback(s) || finalStages.has(s.stage), statusPolls, until),
    pollUntil(
      stack,
      `v${stable} back at 100 after v${version}'s canary`,
      EDGE_POLL_MS,
      () => edgeWeights(stack),
      (w) => {
        if ((w?.[String(version)] ?? 0) > 0) canarySeen = true;
        return (canarySeen && stableAt100(stable, version)(w)) || w?.[String(version)] === 100;
      },
      edgePolls,
      until,
    ),
  ]).catch((err: unknown) => {
    until.deadline = 0;
    throw err;
  });
  const done = (await stack.client.workflow.getHandle(id).result()) as { stage: string; rollout?: RolloutStatus };
  const analyses = (done.rollout?.analyses ?? []).map((a) => ({ verdict: a.verdict, reasons: a.reasons }));
  if (done.stage !== 'rolled_back' || !hasRollback(verdict.value)) {
    throw new Error(`pipeline ${id} (constant-class v${version}) ended as ${done.stage}, not rolled back on an analysis: ${JSON.stringify(analyses)}`);
  }

  const versionRecord = await stack.request('GET', `/v1/models/${MODEL}/versions/${version}`, { token: stack.tokens.approver });
  const events = (versionRecord.body?.audit ?? []) as Array<{ event: string; at: string; details: any; pipelineId: string | null }>;
  const analysisEvent = events.find((e) => e.pipelineId === id && e.event === 'rollout.analysis' && e.details?.verdict === 'rollback');
  const weightsEvent = analysisEvent && events.find((e) => e.pipelineId === id && e.event === 'rollout.weights' && e.details?.percent === 0 && e.at >= analysisEvent.at);

  const child = await readTimeline(stack.client, rolloutWorkflowId(id));
  const sketches = child.runs.filter((r) => r.type === 'readEdgeSketches').at(-1);
  if (!sketches?.closed) throw new Error(`no finished readEdgeSketches in ${rolloutWorkflowId(id)}`);
  const decidedAt = child.workflowTasks.map((t) => t.completed ?? NaN).find((t) => t >= sketches.closed!)!;
  const auditRun = firstRun(child, 'recordPipelineEvent', decidedAt);
  const setWeights = firstRun(child, 'setEdgeWeights', auditRun.closed!);
  return {
    id,
    version,
    decisionToStable: restored.at - verdict.at,
    audit: weightsEvent
      ? { decisionToStable: Date.parse(weightsEvent.at) - Date.parse(analysisEvent!.at), analysisAt: analysisEvent!.at, weightsAt: weightsEvent.at }
      : null,
    history: {
      span: setWeights.closed! - decidedAt,
      auditQueued: auditRun.started! - auditRun.scheduled,
      auditRunning: auditRun.closed! - auditRun.started!,
      workflowTask: setWeights.scheduled - auditRun.closed!,
      setWeightsQueued: setWeights.started! - setWeights.scheduled,
      setWeightsRunning: setWeights.closed! - setWeights.started!,
      analysisTask: decidedAt - sketches.closed,
      verdictSeenAfter: verdict.at - decidedAt,
      stableSeenAfterSetWeightsStarted: restored.at - setWeights.started!,
    },
    approveToStable: restored.at - approvedAt,
    analyses,
    statusPolls,
    edgePolls,
  };
}

// ---------------------------------------------------------------------------------------------

abortAfter(40 * 60_000, 'bench:rollout');
console.log('[bench] starting the stack (Temporal dev server in memory, worker, control API, Node serving app as the edge)');
const stack = await startBenchStack({ name: 'rollout', temporalStore: 'memory', serving: true }).catch(async (err: Error) => {
  if (!interrupted()) console.error(`[bench] the stack did not start: ${err.message}`);
  await stopAll();
  return process.exit(interrupted() ? 130 : 1);
});
let failed = false;
let traffic: Traffic | undefined;
try {
  // The first version has nothing to compare with and goes straight to 100%.
  console.log('[bench] version 1: straight to 100% (first version of the model)');
  const first = await submitAndPark(stack, `rollout-first-${Date.now()}`, goodModel);
  const firstApprovedAt = await approve(stack, first.id);
  const firstLive = await pollUntil(stack, 'v1 at 100', EDGE_POLL_MS, () => edgeWeights(stack), (w) => w?.[String(first.version)] === 100, []);
  await waitForStage(stack, first.id, 'succeeded', { pollMs: 50 });

  traffic = startTraffic(stack.servingUrl!, 35 * 60_000);
  const failures: Array<{ key: string; error: string }> = [];
  async function attempt<T>(key: string, run: (key: string) => Promise<T>): Promise<T | undefined> {
    try {
      return await run(key);
    } catch (err) {
      stack.assertAlive();
      failures.push({ key, error: (err as Error).message });
      return undefined;
    }
  }

  const stamp = Date.now();
  const approvals: ApprovalRun[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await attempt(`rollout-approve-${stamp}-${i}`, (key) => approvalRun(stack, key));
    if (run) approvals.push(run);
    process.stdout.write(`\r[bench] (a) approve -> canary live: ${i + 1}/${runs}${failures.length ? `, ${failures.length} failed` : ''}`);
  }
  process.stdout.write('\n');
  const rollbacks: RollbackRun[] = [];
  for (let i = 0; i < runs; i++) {
    const run = await attempt(`rollout-rollback-${stamp}-${i}`, (key) => rollbackRun(stack, key));
    if (run) rollbacks.push(run);
    process.stdout.write(`\r[bench] (b) rollback decision -> stable restored: ${i + 1}/${runs}${failures.length ? `, ${failures.length} failed` : ''}`);
  }
  process.stdout.write('\n');
  const trafficStats = await traffic.stop();
  traffic = undefined;
  if (approvals.length === 0 && rollbacks.length === 0) throw new Error(`every run failed; the first: ${failures[0]?.error}`);

  const row = (label: string, x: Summary) => [label, ms(x.p50), ms(x.p95), ms(x.max)];
  const of = <T>(xs: T[], f: (x: T) => number) => summarize(xs.map(f));
  const s = {
    a: {
      toCanaryLive: of(approvals, (r) => r.toCanaryLive),
      span: of(approvals, (r) => r.history.span),
      parentSpan: of(approvals, (r) => r.history.parent.span),
      parentActivities: of(approvals, (r) => totalRunning(r.history.parent)),
      parentQueued: of(approvals, (r) => r.history.parent.queued),
      parentTasksQueued: of(approvals, (r) => r.history.parent.workflowTasksQueued),
      parentTasksRunning: of(approvals, (r) => r.history.parent.workflowTasksRunning),
      parentOther: of(approvals, (r) => otherTime(r.history.parent)),
      childSpan: of(approvals, (r) => r.history.child.span),
      publishToEdge: of(approvals, (r) => r.history.child.running.publishToEdge ?? 0),
      getEdgeTraffic: of(approvals, (r) => r.history.child.running.getEdgeTraffic ?? 0),
      setEdgeWeights: of(approvals, (r) => r.history.child.running.setEdgeWeights ?? 0),
      childQueued: of(approvals, (r) => r.history.child.queued),
      childTasksQueued: of(approvals, (r) => r.history.child.workflowTasksQueued),
      childTasksRunning: of(approvals, (r) => r.history.child.workflowTasksRunning),
      childOther: of(approvals, (r) => otherTime(r.history.child)),
      childStart: of(approvals, (r) => r.history.span - r.history.parent.span - r.history.child.span),
      approveReturnedAfterSignal: of(approvals, (r) => r.history.approveReturnedAfterSignal),
      seenAfterSetWeightsStarted: of(approvals, (r) => r.history.seenAfterSetWeightsStarted),
      abortToStable: of(approvals, (r) => r.abortToStable),
    },
    b: {
      decisionToStable: of(rollbacks, (r) => r.decisionToStable),
      audit: summarize(rollbacks.flatMap((r) => (r.audit ? [r.audit.decisionToStable] : []))),
      span: of(rollbacks, (r) => r.history.span),
      auditQueued: of(rollbacks, (r) => r.history.auditQueued),
      auditRunning: of(rollbacks, (r) => r.history.auditRunning),
      workflowTask: of(rollbacks, (r) => r.history.workflowTask),
      setWeightsQueued: of(rollbacks, (r) => r.history.setWeightsQueued),
      setWeightsRunning: of(rollbacks, (r) => r.history.setWeightsRunning),
      analysisTask: of(rollbacks, (r) => r.history.analysisTask),
      verdictSeenAfter: of(rollbacks, (r) => r.history.verdictSeenAfter),
      stableSeenAfterSetWeightsStarted: of(rollbacks, (r) => r.history.stableSeenAfterSetWeightsStarted),
      approveToStable: of(rollbacks, (r) => r.approveToStable),
      analyses: of(rollbacks, (r) => r.analyses.length),
    },
    edgePoll: summarize([...approvals.flatMap((r) => r.edgePolls), ...rollbacks.flatMap((r) => r.edgePolls)]),
    statusPoll: summarize(rollbacks.flatMap((r) => r.statusPolls)),
  };

  console.log(
    `\nWindsock rollout latency: ${approvals.length} + ${rollbacks.length} of ${runs} + ${runs} runs, Node serving app as the edge, ` +
      `canary steps [10, 100], 1 s bakes; edge polled every ${EDGE_POLL_MS} ms, pipeline status every ${STATUS_POLL_MS} ms; ` +
      `traffic ${(trafficStats.sent / trafficStats.seconds).toFixed(0)} req/s\n`,
  );
  printTable(
    ['', 'p50', 'p95', 'max'],
    [
      row('(a) approve -> canary weight live at the edge (target < 2 s)', s.a.toCanaryLive),
      row('    in the histories: approve signal -> setEdgeWeights done', s.a.span),
      row('      pipeline: signal -> child workflow started', s.a.parentSpan),
      row('        activities (recordDecision, audit rolling_out)', s.a.parentActivities),
      row('        activity tasks queued', s.a.parentQueued),
      row('        workflow tasks queued', s.a.parentTasksQueued),
      row('        workflow tasks running (worker)', s.a.parentTasksRunning),
      row('        other', s.a.parentOther),
      row('      child start initiated -> child started', s.a.childStart),
      row('      canaryRollout: started -> setEdgeWeights done', s.a.childSpan),
      row('        publishToEdge (artifact upload, load check)', s.a.publishToEdge),
      row('        getEdgeTraffic', s.a.getEdgeTraffic),
      row('        setEdgeWeights', s.a.setEdgeWeights),
      row('        activity tasks queued', s.a.childQueued),
      row('        workflow tasks queued', s.a.childTasksQueued),
      row('        workflow tasks running (worker)', s.a.childTasksRunning),
      row('        other', s.a.childOther),
      row('    approve POST returned, after the signal landed', s.a.approveReturnedAfterSignal),
      row('    edge poll saw it, after setEdgeWeights started', s.a.seenAfterSetWeightsStarted),
      row('    abort POST -> stable back at 100 at the edge', s.a.abortToStable),
      ['', '', '', ''],
      row('(b) rollback verdict -> stable restored, polled (target < 1 s)', s.b.decisionToStable),
      row('    audit log: rollout.analysis -> rollout.weights', s.b.audit),
      row('    in the history: deciding task -> setEdgeWeights done', s.b.span),
      row('      audit rollout.analysis, queued', s.b.auditQueued),
      row('      audit rollout.analysis, running', s.b.auditRunning),
      row('      workflow task (audit done -> setEdgeWeights scheduled)', s.b.workflowTask),
      row('      setEdgeWeights, queued', s.b.setWeightsQueued),
      row('      setEdgeWeights, running', s.b.setWeightsRunning),
      row('    readEdgeSketches done -> deciding task done', s.b.analysisTask),
      row('    status poll saw the verdict, after the task', s.b.verdictSeenAfter),
      row('    edge poll saw stable, after setEdgeWeights started', s.b.stableSeenAfterSetWeightsStarted),
      row('    approve -> stable restored (bakes included)', s.b.approveToStable),
      ['    analyses per canary (holds + the rollback)', String(s.b.analyses.p50), String(s.b.analyses.p95), String(s.b.analyses.max)],
      ['', '', '', ''],
      ['baselines'],
      row('  GET /admin/models/:name at the serving app (edge poll)', s.edgePoll),
      row('  GET /v1/pipelines/:id (status poll)', s.statusPoll),
      ['  version 1 (straight to 100%), approve -> live, once', ms(firstLive.at - firstApprovedAt), '', ''],
    ],
  );
  console.log(`\ntraffic: ${trafficStats.sent} requests in ${trafficStats.seconds.toFixed(0)} s, by status ${JSON.stringify(trafficStats.byStatus)}`);
  for (const f of failures) console.log(`FAILED ${f.key}: ${f.error}`);
  const file = writeResults('rollout-latency', {
    bench: 'rollout-latency',
    at: new Date().toISOString(),
    runs,
    rolloutPlan,
    edgePollMs: EDGE_POLL_MS,
    statusPollMs: STATUS_POLL_MS,
    approvalRunsEndWith: 'abort (version 1 stays stable)',
    host: { cpus: os.cpus().length, node: process.version, loadavgAtEnd: os.loadavg() },
    summary: s,
    firstVersionToLive: firstLive.at - firstApprovedAt,
    traffic: trafficStats,
    failures,
    approvals,
    rollbacks,
  });
  console.log(`\nresults: ${file}`);
} catch (err) {
  failed = true;
  if (!interrupted()) console.error(`\n[bench] ${(err as Error).message}`);
} finally {
  await traffic?.stop();
  await stack.stop({ keepHome: failed });
}
process.exit(interrupted() ? 130 : failed ? 1 : 0);
