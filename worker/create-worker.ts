// Builds the Temporal worker that runs Windsock's workflows and activities.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** Webpack's notes stay quiet; its warnings and errors still show. */
const bundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/** The workflows bundled once, for prebuilt bundles (production, the tests, the benches) and replay. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ workflowsPath, logger: bundlerLogger });
}

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Path of a prebuilt workflow bundle (production); without it the workflows are bundled at start. */
  workflowBundlePath?: string;
  maxConcurrentActivityTaskExecutions?: number;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const workflows: Pick<WorkerOptions, 'workflowsPath' | 'workflowBundle'> = options.workflowBundlePath
    ? { workflowBundle: { codePath: options.workflowBundlePath } }
    : { workflowsPath };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.deps),
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? 20,
    // Cancellation reaches a running activity only with a heartbeat: forwarding heartbeats at least
    // every second is what lets a cancelled pipeline stop its training job within seconds.
    maxHeartbeatThrottleInterval: '1 second',
    ...workflows,
  });
}
