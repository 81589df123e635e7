// RetrainScheduleGateway over gRPC with @temporalio/client's ScheduleClient.
import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ServiceError } from '@temporalio/client';
import { WindsockError } from '../../core/windsock-error';
import type { RetrainSchedule } from '../../registry/registry-types';
import type { ScheduledRetrainInput } from '../../workflows/scheduled-retrain';
import { scheduledRetrainWorkflowId, temporalScheduleId, type RetrainScheduleGateway, type ScheduleRuntime } from './retrain-schedule-gateway';

const INVALID_ARGUMENT = 3;

export class GrpcRetrainScheduleGateway implements RetrainScheduleGateway {
  constructor(private readonly client: Client) {}

  async create(schedule: RetrainSchedule, taskQueue: string): Promise<'created' | 'exists'> {
    const input: ScheduledRetrainInput = { model: schedule.modelName, scheduleId: schedule.id };
    try {
      await this.client.schedule.create({
        scheduleId: temporalScheduleId(schedule.modelName, schedule.id),
        spec: schedule.cron !== null ? { cronExpressions: [schedule.cron] } : { intervals: [{ every: schedule.everySeconds! * 1000 }] },
        action: {
          type: 'startWorkflow',
          workflowType: 'scheduledRetrain',
          workflowId: scheduledRetrainWorkflowId(schedule.modelName, schedule.id),
          taskQueue,
          args: [input],
        },
        policies: { overlap: schedule.overlap === 'skip' ? 'SKIP' : 'BUFFER_ONE', catchupWindow: schedule.catchupWindowSeconds * 1000 },
        state: { paused: schedule.paused, note: schedule.paused ? (schedule.pauseReason ?? 'paused') : schedule.note || undefined },
        memo: { model: schedule.modelName, schedule: schedule.id, createdBy: schedule.createdBy },
      });
      return 'created';
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) return 'exists';
      // The SDK turns "Invalid schedule spec" into a TypeError; other refusals stay ServiceErrors.
      if (err instanceof TypeError) throw new WindsockError('bad_request', `Temporal refused the schedule: ${err.message}`);
      if (err instanceof ServiceError && (err.cause as { code?: number } | undefined)?.code === INVALID_ARGUMENT) {
        throw new WindsockError('bad_request', `Temporal refused the schedule: ${(err.cause as Error).message.replace(/^3 INVALID_ARGUMENT: /, '')}`);
      }
      throw err;
    }
  }

  async describe(model: string, id: string): Promise<ScheduleRuntime | undefined> {
    const d = await this.found(() => this.client.schedule.getHandle(temporalScheduleId(model, id)).describe());
    if (!d) return undefined;
    return {
      paused: d.state.paused,
      pauseNote: d.state.note,
      nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
      recentActions: d.info.recentActions.map((a) => ({
        scheduledAt: a.scheduledAt.toISOString(),
        takenAt: a.takenAt.toISOString(),
        workflowId: a.action.workflow.workflowId,
        runId: a.action.workflow.firstExecutionRunId,
      })),
      runningWorkflows: d.info.runningActions.map((a) => ({ workflowId: a.workflow.workflowId, runId: a.workflow.firstExecutionRunId })),
      actionCount: d.info.numActionsTaken,
      skippedOverlap: d.info.numActionsSkippedOverlap,
      missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    };
  }

  async pause(model: string, id: string, note: string): Promise<boolean> {
    return (await this.found(() => this.client.schedule.getHandle(temporalScheduleId(model, id)).pause(note))) !== undefined;
  }

  async resume(model: string, id: string, note: string): Promise<boolean> {
    return (await this.found(() => this.client.schedule.getHandle(temporalScheduleId(model, id)).unpause(note))) !== undefined;
  }

  async trigger(model: string, id: string): Promise<boolean> {
    return (await this.found(() => this.client.schedule.getHandle(temporalScheduleId(model, id)).trigger('ALLOW_ALL'))) !== undefined;
  }

  async delete(model: string, id: string): Promise<boolean> {
    return (await this.found(() => this.client.schedule.getHandle(temporalScheduleId(model, id)).delete())) !== undefined;
  }

  /** The call's result (void calls give null), or undefined when Temporal has no such schedule. */
  private async found<T>(call: () => Promise<T>): Promise<T | null | undefined> {
    try {
      return (await call()) ?? null;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }
}
