// The port through which the control API keeps retraining schedules as Temporal Schedules. Only the
// control plane (Node, gRPC) manages schedules, so the edge's HTTP gateway has no part of it.
import type { RetrainSchedule } from '../../registry/registry-types';

/** The Temporal Schedule of a model's retraining schedule, as seen in the Temporal UI. */
export const temporalScheduleId = (model: string, id: string) => `retrain-schedule:${model}:${id}`;
/** The id of the `scheduledRetrain` workflows the schedule starts (Temporal appends the tick's time). */
export const scheduledRetrainWorkflowId = (model: string, id: string) => `retrain-schedule-${model}-${id}`;

/** What Temporal knows of a schedule beyond its definition. */
export interface ScheduleRuntime {
  paused: boolean;
  pauseNote?: string;
  nextActionTimes: string[];
  recentActions: Array<{ scheduledAt: string; takenAt: string; workflowId: string; runId: string }>;
  runningWorkflows: Array<{ workflowId: string; runId: string }>;
  actionCount: number;
  skippedOverlap: number;
  missedCatchupWindow: number;
}

export interface RetrainScheduleGateway {
  /**
   * Creates the Temporal Schedule for this definition (paused if it is), starting `scheduledRetrain`
   * on `taskQueue`. `exists` when Temporal already has one with this id (left as it is). A spec that
   * Temporal refuses (an invalid cron) is a WindsockError `bad_request`.
   */
  create(schedule: RetrainSchedule, taskQueue: string): Promise<'created' | 'exists'>;
  /** undefined when Temporal has no such schedule. */
  describe(model: string, id: string): Promise<ScheduleRuntime | undefined>;
  /** These answer false when Temporal has no such schedule. */
  pause(model: string, id: string, note: string): Promise<boolean>;
  resume(model: string, id: string, note: string): Promise<boolean>;
  /** Runs the schedule's action now, whatever its overlap policy and paused state. */
  trigger(model: string, id: string): Promise<boolean>;
  delete(model: string, id: string): Promise<boolean>;
}
