// Recreates, at control API start, every retraining schedule the registry has and Temporal lacks (a
// dev server started on a fresh file, a cluster restored from an older backup), paused as recorded.
// Schedules Temporal already has are left as they are; running it twice creates nothing the second time.
import type { RegistryStore } from '../../registry/registry-store';
import { temporalScheduleId, type RetrainScheduleGateway } from './retrain-schedule-gateway';

export interface ReconcileResult {
  /** Temporal schedule ids created now. */
  created: string[];
  /** Temporal schedule ids that were already there. */
  present: string[];
  failed: Array<{ schedule: string; error: string }>;
}

export async function reconcileSchedules(deps: { registry: RegistryStore; schedules: RetrainScheduleGateway; taskQueue: string }): Promise<ReconcileResult> {
  const result: ReconcileResult = { created: [], present: [], failed: [] };
  for (const schedule of await deps.registry.listRetrainSchedules()) {
    const id = temporalScheduleId(schedule.modelName, schedule.id);
    try {
      // Create-or-exists rather than describe-then-create: nothing to race with another API process.
      const outcome = await deps.schedules.create(schedule, deps.taskQueue);
      (outcome === 'created' ? result.created : result.present).push(id);
    } catch (err) {
      result.failed.push({ schedule: id, error: (err as Error).message });
    }
  }
  return result;
}
