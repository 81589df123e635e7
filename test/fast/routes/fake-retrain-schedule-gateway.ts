// An in-memory RetrainScheduleGateway for route tests: the Temporal Schedules it holds, and every
// command a route sent it (create, pause, resume, trigger, delete), whatever the answer was.
import { WindsockError } from '../../../core/windsock-error';
import type { RetrainSchedule } from '../../../registry/registry-types';
import type { RetrainScheduleGateway, ScheduleRuntime } from '../../../api/control/retrain-schedule-gateway';

export type ScheduleCommand = { kind: 'create' | 'pause' | 'resume' | 'trigger' | 'delete'; model: string; id: string };

export class FakeRetrainScheduleGateway implements RetrainScheduleGateway {
  readonly commands: ScheduleCommand[] = [];
  /** Temporal's schedules by `model/id`: whether each is paused. */
  readonly schedules = new Map<string, { paused: boolean }>();
  /** Cron expressions Temporal refuses, as the gRPC gateway reports them. */
  readonly refusedCrons = new Set<string>();

  reset() {
    this.commands.length = 0;
    this.schedules.clear();
    this.refusedCrons.clear();
  }

  /** A schedule Temporal has that the registry may not know (made behind Windsock's back). */
  put(model: string, id: string, paused = false) {
    this.schedules.set(`${model}/${id}`, { paused });
  }

  async create(schedule: RetrainSchedule): Promise<'created' | 'exists'> {
    this.commands.push({ kind: 'create', model: schedule.modelName, id: schedule.id });
    if (schedule.cron !== null && this.refusedCrons.has(schedule.cron)) {
      throw new WindsockError('bad_request', `Temporal refused the schedule: invalid cron expression '${schedule.cron}'`);
    }
    const key = `${schedule.modelName}/${schedule.id}`;
    if (this.schedules.has(key)) return 'exists';
    this.schedules.set(key, { paused: schedule.paused });
    return 'created';
  }

  async describe(model: string, id: string): Promise<ScheduleRuntime | undefined> {
    const found = this.schedules.get(`${model}/${id}`);
    if (!found) return undefined;
    return { paused: found.paused, nextActionTimes: [], recentActions: [], runningWorkflows: [], actionCount: 0, skippedOverlap: 0, missedCatchupWindow: 0 };
  }

  async pause(model: string, id: string) {
    return this.change('pause', model, id, (s) => (s.paused = true));
  }

  async resume(model: string, id: string) {
    return this.change('resume', model, id, (s) => (s.paused = false));
  }

  async trigger(model: string, id: string) {
    return this.change('trigger', model, id, () => undefined);
  }

  async delete(model: string, id: string) {
    return this.change('delete', model, id, () => this.schedules.delete(`${model}/${id}`));
  }

  private change(kind: ScheduleCommand['kind'], model: string, id: string, apply: (s: { paused: boolean }) => void): boolean {
    this.commands.push({ kind, model, id });
    const found = this.schedules.get(`${model}/${id}`);
    if (!found) return false;
    apply(found);
    return true;
  }
}
