// A worker per test file for the fast tier: the real workflows (bundled once by the global setup) on
// the run's shared dev server, on a task queue named after the test, with stub activities that record
// every call, so a test asserts what the workflow asked for and with which arguments.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import type { Activities } from '../../../activities';

/** Stubs for the activities a workflow calls; a call to one that is missing fails at once, naming it. */
export type StubActivities = Partial<Activities>;

type ActivityName = keyof Activities;
type InputOf<K extends ActivityName> = Parameters<Activities[K]>[0];

export interface ActivityCall {
  activity: ActivityName;
  /** The workflow that scheduled the call (a child rollout or notification has its own id). */
  workflowId: string;
  input: unknown;
  /** Wall clock when the call arrived, for what must happen before a deadline. */
  at: number;
}

/** Every activity call the worker ran, in the order they arrived. */
export class ActivityLog {
  readonly calls: ActivityCall[] = [];

  /** The inputs of one activity's calls from one workflow, in order. */
  inputs<K extends ActivityName>(workflowId: string, activity: K): InputOf<K>[] {
    return this.callsOf(workflowId, activity).map((c) => c.input as InputOf<K>);
  }

  callsOf(workflowId: string, activity: ActivityName): ActivityCall[] {
    return this.calls.filter((c) => c.workflowId === workflowId && c.activity === activity);
  }

  /** Activity names one workflow called, in order, without the audit trail's recordPipelineEvent. */
  sequence(workflowId: string): ActivityName[] {
    return this.calls.filter((c) => c.workflowId === workflowId && c.activity !== 'recordPipelineEvent').map((c) => c.activity);
  }

  /** The audit events one workflow wrote, in order. */
  events(workflowId: string): string[] {
    return this.inputs(workflowId, 'recordPipelineEvent').map((e) => e.event);
  }

  record(stubs: StubActivities): StubActivities {
    const recorded: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, stub] of Object.entries(stubs) as Array<[ActivityName, (input: unknown) => Promise<unknown>]>) {
      recorded[name] = async (input) => {
        const { workflowExecution } = Context.current().info;
        this.calls.push({ activity: name, workflowId: workflowExecution.workflowId, input, at: Date.now() });
        return stub(input);
      };
    }
    // The worker's fallback for an activity type it lacks: without it, a missing stub is retried until the test times out.
    recorded.default = async () => {
      throw ApplicationFailure.nonRetryable(`no stub for activity ${Context.current().info.activityType} in this test`, 'missing_stub');
    };
    return recorded as StubActivities;
  }
}

export interface StubWorker {
  client: Client;
  taskQueue: string;
  log: ActivityLog;
  /** A workflow id for this test file: `<prefix>-<16 hex>`, the API's pipeline id shape. */
  newId(prefix: string): string;
  /** Terminates what is still open on the task queue, stops the worker and closes the connections. */
  close(): Promise<void>;
}

let runtimeInstalled = false;
/**
 * The SDK logs every worker state change at info; a test run shows only its errors. Worker
 * heartbeating (not activity heartbeats) is off: the dev server's bundled 1.29 does not support it.
 */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const quiet = () => undefined;
  try {
    Runtime.install({
      logger: { log: quiet, trace: quiet, debug: quiet, info: quiet, warn: quiet, error: (message: string) => console.error(message) } as never,
      workerHeartbeatInterval: 0,
    });
  } catch {
    // Installed already by an earlier test file in this process: one runtime per process is all there is.
  }
}

export function randomHex(length = 16): string {
  let hex = '';
  while (hex.length < length) hex += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return hex.slice(0, length);
}

export async function startStubWorker(name: string, stubs: StubActivities): Promise<StubWorker> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createFromExistingServer({ address: inject('fastTemporalAddress') });
  const taskQueue = `fast-${name}-${randomHex(6)}`;
  const log = new ActivityLog();
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('fastWorkflowBundlePath') },
    activities: log.record(stubs),
    // As worker/create-worker.ts sets it: a cancelled workflow reaches its running activity within a second.
    maxHeartbeatThrottleInterval: '1 second',
  });
  const running = worker.run();
  return {
    client: env.client,
    taskQueue,
    log,
    newId: (prefix) => `${prefix}-${randomHex()}`,
    async close() {
      try {
        // Background notifications and anything a failed test left behind, so the shared server stays clean.
        for await (const open of env.client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
          await env.client.workflow.getHandle(open.workflowId, open.runId).terminate('fast test finished').catch(() => undefined);
        }
      } finally {
        worker.shutdown();
        await running;
        await env.teardown();
      }
    },
  };
}
