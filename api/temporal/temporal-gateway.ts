// The one port through which API routes reach Temporal: gRPC (@temporalio/client) on Node, Temporal's
// HTTP API (fetch) on Workers. Routes are written once against it and mounted on both apps.
import { WindsockError } from '../../core/windsock-error';
import { pipelineSearchAttributeNames, registerSearchAttributesCommand } from '../../contracts/model-pipeline-messages';

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

export interface ListQuery {
  /** A visibility query (`WorkflowType = 'modelPipeline' AND ...`). */
  query: string;
  pageSize: number;
  /** The `nextPageToken` of the page before, as the gateway gave it. */
  nextPageToken?: string;
}

export interface WorkflowListing {
  workflowId: string;
  runId: string;
  /** As in WorkflowDescription: RUNNING, COMPLETED, FAILED, CANCELLED, ... */
  status: string;
  startTime?: string;
  closeTime?: string;
  /** Custom search attributes by name, decoded (a Keyword is a string). */
  searchAttributes: Record<string, unknown>;
}

export interface WorkflowPage {
  workflows: WorkflowListing[];
  /** Opaque (base64url); absent on the last page. */
  nextPageToken?: string;
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
  /**
   * One page of workflows matching a visibility query (eventually consistent), in the store's order:
   * open first, newest started first, then closed, most recently closed first. A query on search
   * attributes the namespace lacks is an `unavailable` WindsockError naming them and the command that
   * registers them; a page token the server cannot read is a `bad_request`.
   */
  list(query: ListQuery): Promise<WorkflowPage>;
}

/**
 * What a refused list call answers, on every gateway: the server's INVALID_ARGUMENT (or, for a page
 * token it cannot parse, its masked internal error) turned into an error a person can act on.
 */
export function listRefused(query: ListQuery, message: string, namespace: string): WindsockError | undefined {
  if (/search attribute/i.test(message)) {
    const named = pipelineSearchAttributeNames.filter((name) => new RegExp(`\\b${name}\\b`).test(message));
    const missing = named.length > 0 ? named : pipelineSearchAttributeNames;
    return new WindsockError(
      'unavailable',
      `Temporal namespace '${namespace}' does not know the search attribute${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that pipeline listing needs; ` +
        `register them once with: ${registerSearchAttributesCommand(namespace)} (Temporal Cloud: tcld namespace search-attributes add)`,
    );
  }
  if (query.nextPageToken !== undefined) {
    return new WindsockError('bad_request', 'cursor: not a cursor this listing gave (it may belong to another server); list again without it');
  }
  return undefined;
}

/** Page tokens travel as base64url: URL-safe, no padding. */
export function base64UrlFromBytes(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function bytesFromBase64Url(text: string): Uint8Array {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
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
