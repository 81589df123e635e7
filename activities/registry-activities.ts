// Lifecycle steps 4, 5 and 7 as seen by the registry: register the version, record decisions,
// move the champion alias, and write every pipeline transition to the audit log.
import { CHAMPION, type RegistryStore } from '../registry/registry-store';
import type { AuditEvent, NewVersion, VersionStatus } from '../registry/registry-types';
import type { ActivityDeps } from './activity-deps';

export function registryActivities(deps: ActivityDeps) {
  return {
    async registerVersion(input: Omit<NewVersion, 'lineage'> & { lineage: Omit<NewVersion['lineage'], 'codeVersion'> }): Promise<{ version: number; created: boolean }> {
      const registered = await deps.registry.registerVersion({ ...input, lineage: { ...input.lineage, codeVersion: deps.codeVersion } });
      // Best effort: the version number on the MLflow run that trained it.
      await deps.mlflow?.registered({ model: input.modelName, modelUri: input.artifactUri, version: registered.version, sha256: input.artifactSha256 });
      return registered;
    },

    async recordPipelineEvent(event: AuditEvent): Promise<void> {
      await deps.registry.appendAudit(event);
    },

    async recordDecision(input: Omit<Parameters<RegistryStore['recordDecision']>[0], 'modelName'> & { model: string }): Promise<void> {
      await deps.registry.recordDecision({ ...input, modelName: input.model });
    },

    async promoteChampion(input: { model: string; version: number; by: string; pipelineId: string }): Promise<{ previous: number | null }> {
      return deps.registry.setAlias(input.model, CHAMPION, input.version, input.by, input.pipelineId);
    },

    async markVersion(input: { model: string; version: number; status: VersionStatus; reason: string }): Promise<void> {
      await deps.registry.setVersionStatus(input.model, input.version, input.status, input.reason);
    },
  };
}
