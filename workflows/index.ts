export { modelPipeline } from './model-pipeline';
