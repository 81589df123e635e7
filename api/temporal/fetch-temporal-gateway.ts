// TemporalGateway over Temporal's HTTP API with fetch: what the edge (workerd, no HTTP/2 gRPC) uses,
// and it works on Node too. Payloads are sent and read in their full form (base64 json/plain) with
// ?noPayloadShorthand, because the shorthand turns a nested empty array into null.
import { WindsockError } from '../../core/windsock-error';
import {
  base64UrlFromBytes,
  bytesFromBase64Url,
  listRefused,
  notRunning,
  updateRefused,
  type ListQuery,
  type StartOptions,
  type TemporalGateway,
  type WorkflowDescription,
  type WorkflowPage,
} from './temporal-gateway';

export interface FetchGatewayOptions {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:7243 (Temporal Cloud: https://<ns>.<acct>.tmprl.cloud). */
  baseUrl: string;
  namespace: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** One call's limit, the answer's body included (default 10 s). */
  timeoutMs?: number;
}

interface Payload {
  metadata: Record<string, string>;
  data?: string;
}

const JSON_PLAIN = base64FromBytes(new TextEncoder().encode('json/plain'));

function base64FromBytes(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function bytesFromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodePayloads(values: unknown[]): { payloads: Payload[] } {
  return {
    payloads: values.map((value) => ({
      metadata: { encoding: JSON_PLAIN },
      data: base64FromBytes(new TextEncoder().encode(JSON.stringify(value))),
    })),
  };
}

export function decodePayload(payload: Payload | undefined): unknown {
  if (!payload) return undefined;
  const encoding = new TextDecoder().decode(bytesFromBase64(payload.metadata.encoding ?? ''));
  if (encoding === 'binary/null') return null;
  if (encoding !== 'json/plain') throw new Error(`cannot decode a Temporal payload encoded as ${encoding}`);
  return JSON.parse(new TextDecoder().decode(bytesFromBase64(payload.data ?? '')));
}

interface TemporalHttpError {
  code?: number;
  message?: string;
  details?: Array<{ '@type'?: string }>;
}

class TemporalHttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: TemporalHttpError,
  ) {
    super(body.message ?? `Temporal HTTP API answered ${status}`);
  }
  /** The failure's type, e.g. NotFoundFailure or WorkflowExecutionAlreadyStartedFailure. */
  get kind(): string {
    return this.body.details?.[0]?.['@type']?.split('.').pop() ?? '';
  }
}

export class FetchTemporalGateway implements TemporalGateway {
  private readonly fetchImpl: typeof fetch;
  constructor(private readonly options: FetchGatewayOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  private async call<T>(method: 'GET' | 'POST', path: string, payload?: unknown, params?: URLSearchParams): Promise<T> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(this.options.namespace)}${path}?noPayloadShorthand${params ? `&${params}` : ''}`;
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: payload === undefined ? undefined : JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
      throw new WindsockError('unavailable', `Temporal HTTP API unreachable at ${this.options.baseUrl}: ${why}`, { retryable: true });
    }
    const parsed = text ? (JSON.parse(text) as unknown) : {};
    if (!res.ok) throw new TemporalHttpFailure(res.status, parsed as TemporalHttpError);
    return parsed as T;
  }

  private workflowPath(workflowId: string, suffix = ''): string {
    return `/workflows/${encodeURIComponent(workflowId)}${suffix}`;
  }

  async start(options: StartOptions): Promise<{ workflowId: string; started: boolean }> {
    try {
      await this.call('POST', this.workflowPath(options.workflowId), {
        workflowType: { name: options.workflowType },
        taskQueue: { name: options.taskQueue },
        input: encodePayloads(options.args),
        requestId: crypto.randomUUID(),
        workflowIdReusePolicy: 'WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE',
      });
      return { workflowId: options.workflowId, started: true };
    } catch (err) {
      if (err instanceof TemporalHttpFailure && err.kind === 'WorkflowExecutionAlreadyStartedFailure') {
        return { workflowId: options.workflowId, started: false };
      }
      throw err;
    }
  }

  async signal(workflowId: string, signal: string, arg: unknown): Promise<void> {
    await this.call('POST', this.workflowPath(workflowId, `/signal/${encodeURIComponent(signal)}`), {
      input: encodePayloads([arg]),
      requestId: crypto.randomUUID(),
    }).catch((err: unknown) => {
      throw isNotFound(err) ? notRunning(workflowId) : err;
    });
  }

  async update<T>(workflowId: string, update: string, arg: unknown): Promise<T> {
    type UpdateResponse = { outcome?: { success?: { payloads?: Payload[] }; failure?: { message?: string; applicationFailureInfo?: { type?: string }; cause?: { message?: string; applicationFailureInfo?: { type?: string } } } } };
    const res = await this.call<UpdateResponse>('POST', this.workflowPath(workflowId, `/update/${encodeURIComponent(update)}`), {
      waitPolicy: { lifecycleStage: 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED' },
      request: { meta: { updateId: crypto.randomUUID() }, input: { name: update, args: encodePayloads([arg]) } },
    }).catch((err: unknown) => {
      throw isNotFound(err) ? notRunning(workflowId) : err;
    });
    const failure = res.outcome?.failure;
    if (failure) {
      const info = failure.applicationFailureInfo ?? failure.cause?.applicationFailureInfo;
      throw updateRefused(info?.type, failure.message ?? failure.cause?.message ?? `update ${update} failed`);
    }
    if (!res.outcome?.success) throw new WindsockError('unavailable', `update ${update} of ${workflowId} did not complete`, { retryable: true });
    return decodePayload(res.outcome.success.payloads?.[0]) as T;
  }

  async signalWithStart(options: StartOptions & { signal: string; signalArg: unknown }): Promise<{ workflowId: string }> {
    await this.call('POST', this.workflowPath(options.workflowId, `/signal-with-start/${encodeURIComponent(options.signal)}`), {
      workflowType: { name: options.workflowType },
      taskQueue: { name: options.taskQueue },
      input: encodePayloads(options.args),
      signalInput: encodePayloads([options.signalArg]),
      requestId: crypto.randomUUID(),
    });
    return { workflowId: options.workflowId };
  }

  async query<T>(workflowId: string, query: string): Promise<T> {
    const res = await this.call<{ queryResult?: { payloads?: Payload[] }; queryRejected?: unknown }>(
      'POST',
      this.workflowPath(workflowId, `/query/${encodeURIComponent(query)}`),
      { query: { queryType: query } },
    );
    if (res.queryRejected) throw new Error(`query ${query} rejected: ${JSON.stringify(res.queryRejected)}`);
    return decodePayload(res.queryResult?.payloads?.[0]) as T;
  }

  async describe(workflowId: string): Promise<WorkflowDescription | undefined> {
    type Describe = {
      workflowExecutionInfo: { execution: { workflowId: string; runId: string }; status: string; startTime?: string; closeTime?: string };
      pendingActivities?: Array<{ activityType?: { name?: string }; attempt?: number; heartbeatDetails?: { payloads?: Payload[] }; lastFailure?: { message?: string } }>;
    };
    let d: Describe;
    try {
      d = await this.call<Describe>('GET', this.workflowPath(workflowId));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
    const info = d.workflowExecutionInfo;
    return {
      workflowId: info.execution.workflowId,
      runId: info.execution.runId,
      status: info.status.replace('WORKFLOW_EXECUTION_STATUS_', '').replace('CANCELED', 'CANCELLED'),
      startTime: info.startTime,
      closeTime: info.closeTime,
      pendingActivities: (d.pendingActivities ?? []).map((a) => ({
        activityType: a.activityType?.name ?? '',
        attempt: a.attempt ?? 1,
        heartbeat: decodePayload(a.heartbeatDetails?.payloads?.[0]),
        lastFailure: a.lastFailure?.message,
      })),
    };
  }

  async cancel(workflowId: string): Promise<void> {
    await this.call('POST', this.workflowPath(workflowId, '/cancel'), { requestId: crypto.randomUUID() }).catch((err: unknown) => {
      throw isNotFound(err) ? notRunning(workflowId) : err;
    });
  }

  async list(query: ListQuery): Promise<WorkflowPage> {
    type ListResponse = {
      executions?: Array<{
        execution: { workflowId: string; runId: string };
        status: string;
        startTime?: string;
        closeTime?: string;
        searchAttributes?: { indexedFields?: Record<string, Payload> };
      }>;
      nextPageToken?: string;
    };
    const params = new URLSearchParams({ query: query.query, pageSize: String(query.pageSize) });
    if (query.nextPageToken !== undefined) params.set('nextPageToken', base64FromBytes(bytesFromBase64Url(query.nextPageToken)));
    const res = await this.call<ListResponse>('GET', '/workflows', undefined, params).catch((err: unknown) => {
      // 3 is INVALID_ARGUMENT (an unknown attribute); a page token the server cannot parse is a masked 2 (UNKNOWN).
      if (err instanceof TemporalHttpFailure && (err.body.code === 3 || err.body.code === 2)) throw listRefused(query, err.message, this.options.namespace) ?? err;
      throw err;
    });
    return {
      workflows: (res.executions ?? []).map((e) => ({
        workflowId: e.execution.workflowId,
        runId: e.execution.runId,
        status: e.status.replace('WORKFLOW_EXECUTION_STATUS_', '').replace('CANCELED', 'CANCELLED'),
        startTime: e.startTime,
        closeTime: e.closeTime,
        searchAttributes: Object.fromEntries(Object.entries(e.searchAttributes?.indexedFields ?? {}).map(([name, payload]) => [name, decodePayload(payload)])),
      })),
      ...(res.nextPageToken ? { nextPageToken: base64UrlFromBytes(bytesFromBase64(res.nextPageToken)) } : {}),
    };
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof TemporalHttpFailure && (err.status === 404 || err.kind === 'NotFoundFailure');
}
