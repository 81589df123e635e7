// TemporalGateway over gRPC with @temporalio/client (Node only).
import { Client, isGrpcServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
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

/** temporal.api.enums.v1.WorkflowExecutionStatus by number, named as describe() names them. */
const statusNames = ['UNSPECIFIED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'CONTINUED_AS_NEW', 'TIMED_OUT'];

function isoFromTimestamp(ts: { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined): string | undefined {
  if (!ts) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

export class GrpcTemporalGateway implements TemporalGateway {
  constructor(private readonly client: Client) {}

  async start(options: StartOptions): Promise<{ workflowId: string; started: boolean }> {
    try {
      await this.client.workflow.start(options.workflowType, {
        workflowId: options.workflowId,
        taskQueue: options.taskQueue,
        args: options.args,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      return { workflowId: options.workflowId, started: true };
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId: options.workflowId, started: false };
      throw err;
    }
  }

  async signal(workflowId: string, signal: string, arg: unknown): Promise<void> {
    await this.client.workflow.getHandle(workflowId).signal(signal, arg).catch((err: unknown) => {
      throw err instanceof WorkflowNotFoundError ? notRunning(workflowId) : err;
    });
  }

  async update<T>(workflowId: string, update: string, arg: unknown): Promise<T> {
    try {
      return await this.client.workflow.getHandle(workflowId).executeUpdate<T, [unknown]>(update, { args: [arg] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notRunning(workflowId);
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
        throw updateRefused(cause?.type, cause?.message ?? err.message);
      }
      throw err;
    }
  }

  async signalWithStart(options: StartOptions & { signal: string; signalArg: unknown }): Promise<{ workflowId: string }> {
    await this.client.workflow.signalWithStart(options.workflowType, {
      workflowId: options.workflowId,
      taskQueue: options.taskQueue,
      args: options.args,
      signal: options.signal,
      signalArgs: [options.signalArg],
    });
    return { workflowId: options.workflowId };
  }

  async query<T>(workflowId: string, query: string): Promise<T> {
    return this.client.workflow.getHandle(workflowId).query<T>(query);
  }

  async describe(workflowId: string): Promise<WorkflowDescription | undefined> {
    try {
      const d = await this.client.workflow.getHandle(workflowId).describe();
      return {
        workflowId: d.workflowId,
        runId: d.runId,
        status: d.status.name,
        startTime: d.startTime.toISOString(),
        closeTime: d.closeTime?.toISOString(),
        pendingActivities: (d.raw.pendingActivities ?? []).map((a) => ({
          activityType: a.activityType?.name ?? '',
          attempt: a.attempt ?? 1,
          heartbeat: a.heartbeatDetails?.payloads?.length
            ? this.client.options.loadedDataConverter.payloadConverter.fromPayload(a.heartbeatDetails.payloads[0]!)
            : undefined,
          lastFailure: a.lastFailure?.message ?? undefined,
        })),
      };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async cancel(workflowId: string): Promise<void> {
    await this.client.workflow.getHandle(workflowId).cancel().catch((err: unknown) => {
      throw err instanceof WorkflowNotFoundError ? notRunning(workflowId) : err;
    });
  }

  async list(query: ListQuery): Promise<WorkflowPage> {
    const { namespace, loadedDataConverter } = this.client.options;
    let res;
    try {
      res = await this.client.workflowService.listWorkflowExecutions({
        namespace,
        query: query.query,
        pageSize: query.pageSize,
        ...(query.nextPageToken !== undefined ? { nextPageToken: bytesFromBase64Url(query.nextPageToken) } : {}),
      });
    } catch (err) {
      // INVALID_ARGUMENT for an unknown attribute; a page token the server cannot parse is a masked UNKNOWN.
      if (isGrpcServiceError(err) && (err.code === 3 || err.code === 2)) throw listRefused(query, err.details || err.message, namespace) ?? err;
      throw err;
    }
    return {
      workflows: (res.executions ?? []).map((e) => ({
        workflowId: e.execution?.workflowId ?? '',
        runId: e.execution?.runId ?? '',
        status: statusNames[e.status ?? 0] ?? 'UNKNOWN',
        startTime: isoFromTimestamp(e.startTime),
        closeTime: isoFromTimestamp(e.closeTime),
        searchAttributes: Object.fromEntries(
          Object.entries(e.searchAttributes?.indexedFields ?? {}).map(([name, payload]) => [name, loadedDataConverter.payloadConverter.fromPayload(payload)]),
        ),
      })),
      ...(res.nextPageToken?.length ? { nextPageToken: base64UrlFromBytes(res.nextPageToken) } : {}),
    };
  }
}
