// Publishes a registered version to the serving side: its model's pipeline template (so edge clients
// can start pipelines) and its drift policy, then the artifact, signature and reference profile. Idempotent.
import type { BlobStore } from '../artifacts/blob-store';
import type { RegistryStore } from '../registry/registry-store';
import type { EdgeClient } from './edge-client';

export async function publishVersion(
  deps: { registry: RegistryStore; blobs: BlobStore; edge: EdgeClient },
  model: string,
  versionNumber: number,
): Promise<{ published: 'created' | 'unchanged' }> {
  const version = await deps.registry.requireVersion(model, versionNumber);
  const { template, revision } = await deps.registry.requireModel(model);
  await deps.edge.putTemplate(model, { ...template, templateRevision: revision });
  if (template.drift) await deps.edge.setDriftPolicy(model, template.drift);
  return deps.edge.publish({
    model,
    version: versionNumber,
    artifact: await deps.blobs.get(version.artifactUri),
    sha256: version.artifactSha256,
    signature: version.signature,
    referenceProfile: version.referenceProfile,
  });
}
