// Where a pipeline's time goes, read from its Temporal history (server timestamps): how long each
// activity ran, how long activity tasks waited on the task queue, and the rest (workflow tasks and
// dispatch) between two points of the workflow.
import type { Client } from '@temporalio/client';

export interface Phase {
  /** Span of the phase in history. */
  span: number;
  /** Time activities ran (started -> closed), clipped to the phase, by activity type. */
  running: Record<string, number>;
  /** Time activity tasks waited on the task queue (scheduled -> started), clipped to the phase. */
  queued: number;
}

export interface PipelineHistory {
  workflowStarted: number;
  /** The first signal (the approval); NaN before one arrived. */
  signaled: number;
  /** When awaiting_approval became visible to the status query; NaN before. */
  parked: number;
  /** When succeeded became visible to the status query; NaN before. */
  succeeded: number;
  runs: ActivityRun[];
}

export interface ActivityRun {
  type: string;
  scheduled: number;
  started?: number;
  closed?: number;
  /** The attempt that closed it (Temporal records only the last one's start). */
  attempt?: number;
  failure?: string;
}

/** A history event's time (protobuf Timestamp) in ms. */
export function tsMs(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(String(ts?.seconds ?? 0)) * 1000 + (ts?.nanos ?? 0) / 1e6;
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

export async function readPipelineHistory(client: Client, id: string): Promise<PipelineHistory> {
  const events = (await client.workflow.getHandle(id).fetchHistory()).events ?? [];
  const runs = new Map<string, ActivityRun>();
  let workflowStarted = NaN;
  let signaled = NaN;
  // A stage set after activity X is visible to the status query once the workflow task that
  // follows X's completion completes: requestApproval for awaiting_approval, promoteChampion for
  // succeeded.
  const visibleAfter: Record<string, number> = { requestApproval: NaN, promoteChampion: NaN };
  let closedJustNow: string | undefined;
  for (const e of events) {
    const at = tsMs(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) workflowStarted = at;
    if (e.workflowExecutionSignaledEventAttributes && Number.isNaN(signaled)) signaled = at;
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) runs.set(String(e.eventId), { type: scheduled.activityType?.name ?? '?', scheduled: at });
    const started = e.activityTaskStartedEventAttributes;
    if (started) Object.assign(runs.get(String(started.scheduledEventId))!, { started: at, attempt: started.attempt ?? undefined });
    const closed =
      e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes ?? e.activityTaskCanceledEventAttributes;
    if (closed) {
      const run = runs.get(String(closed.scheduledEventId))!;
      run.closed = at;
      run.failure = e.activityTaskFailedEventAttributes?.failure?.message ?? undefined;
      if (run.type in visibleAfter) closedJustNow = run.type;
    }
    if (e.workflowTaskCompletedEventAttributes && closedJustNow) {
      visibleAfter[closedJustNow] = at;
      closedJustNow = undefined;
    }
  }
  return {
    workflowStarted,
    signaled,
    parked: visibleAfter.requestApproval!,
    succeeded: visibleAfter.promoteChampion!,
    runs: [...runs.values()],
  };
}

export function phase(history: PipelineHistory, from: number, to: number): Phase {
  const running: Record<string, number> = {};
  let queued = 0;
  for (const run of history.runs) {
    // An activity still pending has neither started nor closed in history; count it up to `to`.
    const started = run.started ?? run.closed ?? to;
    queued += overlap(run.scheduled, started, from, to);
    const ran = overlap(started, run.closed ?? to, from, to);
    if (ran > 0) running[run.type] = (running[run.type] ?? 0) + ran;
  }
  return { span: to - from, running, queued };
}

export function totalRunning(p: Phase): number {
  return Object.values(p.running).reduce((a, b) => a + b, 0);
}
