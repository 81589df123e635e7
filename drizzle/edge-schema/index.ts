// The edge's tables: one drizzle SQLite schema for D1 (Workers) and libSQL (Node serving).
export { deployments } from './deployments';
export { traffic } from './traffic';
export { sketches } from './sketches';
export { driftReports } from './drift-reports';
export { modelPolicies } from './model-policies';
export { pipelineTemplates } from './pipeline-templates';
export { predictions } from './predictions';
export { labels } from './labels';
