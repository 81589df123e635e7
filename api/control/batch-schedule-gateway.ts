// The port through which the control API keeps batch schedules as Temporal Schedules that start
// `batchScoring` on a cron. Temporal holds each schedule whole (its batch input is the action's
// argument), so the registry keeps nothing of it.
import type { BatchInput } from '../../contracts/batch-scoring-messages';

export interface BatchScheduleDefinition {
  model: string;
  /** The schedule's name within the model (`nightly`). */
  id: string;
  /** A cron expression (5 fields, or Temporal's `@daily` and the like), in UTC. */
  cron: string;
  /** What every run scores; its input is read afresh per run (a `dataset://name` is its newest version then). */
  batch: BatchInput;
  createdBy: string;
}

export interface BatchScheduleView {
  model: string;
  id: string;
  temporalScheduleId: string;
  cron: string;
  batch: BatchInput;
  createdBy: string;
  paused: boolean;
  nextActionTimes: string[];
  /** The batches it started, newest last: their ids are batch ids (GET /v1/batches/:id). */
  recentBatches: Array<{ batchId: string; scheduledAt: string }>;
}

export interface BatchScheduleGateway {
  /** `exists` when Temporal has a schedule of this id already (left as it is); a cron Temporal refuses is a `bad_request`. */
  create(definition: BatchScheduleDefinition, taskQueue: string): Promise<'created' | 'exists'>;
  /** undefined when Temporal has no such schedule. */
  describe(model: string, id: string): Promise<BatchScheduleView | undefined>;
  /** false when Temporal has no such schedule. */
  delete(model: string, id: string): Promise<boolean>;
}
