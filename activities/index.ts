// createActivities(deps): every activity the pipeline uses, with WindsockErrors turned into Temporal
// ApplicationFailures (non-retryable unless the error says it is retryable).
import { ApplicationFailure } from '@temporalio/common';
import { WindsockError } from '../core/windsock-error';
import type { ActivityDeps } from './activity-deps';
import { batchScoringActivities } from './batch-scoring-activities';
import { crossValidationActivities } from './cross-validation-activities';
import { datasetActivities } from './dataset-activities';
import { edgeActivities } from './edge-activities';
import { evaluationActivities } from './evaluation-activities';
import { notifyActivities } from './notify-activities';
import { registryActivities } from './registry-activities';
import { retrainActivities } from './retrain-activities';
import { reproductionActivities } from './reproduction-activities';
import { trainingActivities } from './training-activities';

export type { ActivityDeps } from './activity-deps';

function withFailureMapping<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        if (err instanceof WindsockError) {
          throw ApplicationFailure.create({
            type: err.code,
            message: err.message,
            nonRetryable: !err.retryable,
            details: err.options.details === undefined ? [] : [err.options.details],
          });
        }
        throw err;
      }
    };
  }
  return wrapped as T;
}

export function createActivities(deps: ActivityDeps) {
  return withFailureMapping({
    ...datasetActivities(deps),
    ...trainingActivities(deps),
    ...evaluationActivities(deps),
    ...crossValidationActivities(deps),
    ...registryActivities(deps),
    ...notifyActivities(deps),
    ...edgeActivities(deps),
    ...retrainActivities(deps),
    ...reproductionActivities(deps),
    ...batchScoringActivities(deps),
  });
}

export type Activities = ReturnType<typeof createActivities>;
