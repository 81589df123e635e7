export { modelPipeline } from './model-pipeline';
export { canaryRollout } from './canary-rollout';
export { retrainModel } from './retrain-model';
export { scheduledRetrain } from './scheduled-retrain';
export { deliverNotification } from './deliver-notification';
export { batchScoring } from './batch-scoring';
export { reproduceVersion } from './reproduce-version';
