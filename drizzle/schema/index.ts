export { models } from './models';
export { modelVersions } from './model-versions';
export { aliases } from './aliases';
export { approvals } from './approvals';
export { auditEvents } from './audit-events';
export { retrainSchedules } from './retrain-schedules';
export { apiTokens } from './api-tokens';
