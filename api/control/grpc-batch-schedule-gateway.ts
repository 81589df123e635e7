// BatchScheduleGateway over gRPC with @temporalio/client's ScheduleClient, as the retraining schedules'.
import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ServiceError } from '@temporalio/client';
import { WindsockError } from '../../core/windsock-error';
import { batchScheduleTemporalId, scheduledBatchWorkflowId, type BatchInput } from '../../contracts/batch-scoring-messages';
import type { BatchScheduleDefinition, BatchScheduleGateway, BatchScheduleView } from './batch-schedule-gateway';

const INVALID_ARGUMENT = 3;

export class GrpcBatchScheduleGateway implements BatchScheduleGateway {
  constructor(private readonly client: Client) {}

  async create(definition: BatchScheduleDefinition, taskQueue: string): Promise<'created' | 'exists'> {
    try {
      await this.client.schedule.create({
        scheduleId: batchScheduleTemporalId(definition.model, definition.id),
        spec: { cronExpressions: [definition.cron] },
        action: {
          type: 'startWorkflow',
          workflowType: 'batchScoring',
          workflowId: scheduledBatchWorkflowId(definition.model, definition.id),
          taskQueue,
          args: [definition.batch],
        },
        // A batch still scoring when the next tick comes finishes first; the tick is skipped.
        policies: { overlap: 'SKIP' },
        memo: { model: definition.model, schedule: definition.id, cron: definition.cron, createdBy: definition.createdBy },
      });
      return 'created';
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) return 'exists';
      if (err instanceof TypeError) throw new WindsockError('bad_request', `Temporal refused the schedule: ${err.message}`);
      if (err instanceof ServiceError && (err.cause as { code?: number } | undefined)?.code === INVALID_ARGUMENT) {
        throw new WindsockError('bad_request', `Temporal refused the schedule: ${(err.cause as Error).message.replace(/^3 INVALID_ARGUMENT: /, '')}`);
      }
      throw err;
    }
  }

  async describe(model: string, id: string): Promise<BatchScheduleView | undefined> {
    let d;
    try {
      d = await this.client.schedule.getHandle(batchScheduleTemporalId(model, id)).describe();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
    const memo = (d.memo ?? {}) as { cron?: string; createdBy?: string };
    const action = d.action as { args?: unknown[] };
    return {
      model,
      id,
      temporalScheduleId: d.scheduleId,
      cron: memo.cron ?? '',
      batch: (action.args?.[0] ?? {}) as BatchInput,
      createdBy: memo.createdBy ?? '',
      paused: d.state.paused,
      nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
      recentBatches: d.info.recentActions.map((a) => ({ batchId: a.action.workflow.workflowId, scheduledAt: a.scheduledAt.toISOString() })),
    };
  }

  async delete(model: string, id: string): Promise<boolean> {
    try {
      await this.client.schedule.getHandle(batchScheduleTemporalId(model, id)).delete();
      return true;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false;
      throw err;
    }
  }
}
