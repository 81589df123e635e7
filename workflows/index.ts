export { modelPipeline } from './model-pipeline';
export { canaryRollout } from './canary-rollout';
