// The model version a batch scores with, as the API checks it at submit and the worker resolves it when
// the batch starts: a version by number or by alias (`champion` unless told), approved, and the
// dataset spec it was trained under (its template revision's), which says how rows become features.
import type { DatasetSpec } from '../core/data/dataset-spec';
import { WindsockError } from '../core/windsock-error';
import { CHAMPION, type RegistryStore } from './registry-store';
import type { ModelVersion } from './registry-types';

export interface ScoringVersion {
  version: ModelVersion;
  spec: DatasetSpec;
}

/** A refusal is a `bad_request` naming the model, the version or alias, and why (for the API's 400). */
export async function resolveScoringVersion(registry: RegistryStore, model: string, pick: { version?: number; alias?: string }): Promise<ScoringVersion> {
  const current = await registry.requireModel(model);
  let number = pick.version;
  if (number === undefined) {
    const alias = pick.alias ?? CHAMPION;
    const found = await registry.getAlias(model, alias);
    if (!found) throw new WindsockError('bad_request', `model '${model}' has no alias '${alias}'${alias === CHAMPION ? ' (no version has been approved yet)' : ''}; name a version`);
    number = found.version;
  }
  const version = await registry.getVersion(model, number);
  if (!version) throw new WindsockError('bad_request', `model '${model}' has no version ${number}`);
  if (version.status !== 'approved') {
    throw new WindsockError('bad_request', `${model} v${number} is ${version.status}; batches score with approved versions only`);
  }
  const revision = version.lineage.templateRevision;
  const trained = revision === undefined ? undefined : (await registry.listTemplateRevisions(model)).find((r) => r.revision === revision);
  return { version, spec: trained?.template.datasetSpec ?? current.template.datasetSpec };
}
