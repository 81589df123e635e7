// TemporalGateway over gRPC with @temporalio/client (Node only).
import { Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { notRunning, updateRefused, type StartOptions, type TemporalGateway, type WorkflowDescription } from './temporal-gateway';

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
}
