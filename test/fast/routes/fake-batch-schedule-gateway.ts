// An in-memory BatchScheduleGateway for route tests: the schedules Temporal would hold and every
// command a route sent (create, describe is a read, delete), whatever the answer was.
import { WindsockError } from '../../../core/windsock-error';
import { batchScheduleTemporalId } from '../../../contracts/batch-scoring-messages';
import type { BatchScheduleDefinition, BatchScheduleGateway, BatchScheduleView } from '../../../api/control/batch-schedule-gateway';

export class FakeBatchScheduleGateway implements BatchScheduleGateway {
  readonly commands: Array<{ kind: 'create' | 'delete'; model: string; id: string }> = [];
  readonly schedules = new Map<string, BatchScheduleDefinition>();
  /** Cron expressions Temporal refuses, as the gRPC gateway reports them. */
  readonly refusedCrons = new Set<string>();

  reset() {
    this.commands.length = 0;
    this.schedules.clear();
    this.refusedCrons.clear();
  }

  async create(definition: BatchScheduleDefinition): Promise<'created' | 'exists'> {
    this.commands.push({ kind: 'create', model: definition.model, id: definition.id });
    if (this.refusedCrons.has(definition.cron)) throw new WindsockError('bad_request', `Temporal refused the schedule: invalid cron expression '${definition.cron}'`);
    const key = `${definition.model}/${definition.id}`;
    if (this.schedules.has(key)) return 'exists';
    this.schedules.set(key, structuredClone(definition));
    return 'created';
  }

  async describe(model: string, id: string): Promise<BatchScheduleView | undefined> {
    const found = this.schedules.get(`${model}/${id}`);
    if (!found) return undefined;
    return { model, id, temporalScheduleId: batchScheduleTemporalId(model, id), cron: found.cron, batch: found.batch, createdBy: found.createdBy, paused: false, nextActionTimes: [], recentBatches: [] };
  }

  async delete(model: string, id: string): Promise<boolean> {
    this.commands.push({ kind: 'delete', model, id });
    return this.schedules.delete(`${model}/${id}`);
  }
}
