// The one port through which API routes reach Temporal: gRPC (@temporalio/client) on Node, Temporal's
// HTTP API (fetch) on Workers. Routes are written once against it and mounted on both apps.
import { WindsockError } from '../../core/windsock-error';
export interface WorkflowDescription {
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, FAILED, CANCELED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT */
  status: string;
  startTime?: string;
  closeTime?: string;
  /** Heartbeat details of pending activities (training progress). */
  pendingActivities: Array<{ activityType: string; attempt: number; heartbeat?: unknown; lastFailure?: string }>;
}

export interface StartOptions {
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args: unknown[];
}

export interface TemporalGateway {
  /** Starts a workflow; `started: false` when one with this id already exists (running or closed). */
  start(options: StartOptions): Promise<{ workflowId: string; started: boolean }>;
  /** Throws a `conflict` WindsockError when no running workflow has this id (it closed, or never was). */
  signal(workflowId: string, signal: string, arg: unknown): Promise<void>;
  /**
   * Sends an update and waits for its result. The workflow's refusal (its validator or handler
   * failing with type `conflict`, `forbidden` or `bad_request`) is a WindsockError of that code with
   * the workflow's message; a workflow that is not running is a `conflict`.
   */
  update<T>(workflowId: string, update: string, arg: unknown): Promise<T>;
  signalWithStart(options: StartOptions & { signal: string; signalArg: unknown }): Promise<{ workflowId: string }>;
  query<T>(workflowId: string, query: string): Promise<T>;
  /** undefined when no workflow has this id. */
  describe(workflowId: string): Promise<WorkflowDescription | undefined>;
  /** Throws a `conflict` WindsockError when no running workflow has this id. */
  cancel(workflowId: string): Promise<void>;
}

/** What a signal or cancellation of a workflow that is not running answers, on every gateway. */
export function notRunning(workflowId: string): WindsockError {
  return new WindsockError('conflict', `workflow '${workflowId}' is not running (it has closed, or never started)`);
}

const REFUSALS = new Set(['conflict', 'forbidden', 'bad_request']);

/** The workflow's refusal of an update, as the routes answer it; anything else refused is a conflict. */
export function updateRefused(type: string | undefined | null, message: string): WindsockError {
  return new WindsockError(type && REFUSALS.has(type) ? (type as 'conflict' | 'forbidden' | 'bad_request') : 'conflict', message);
}
