// Whether what a version recorded is still there to train it again: the code snapshot (manifest and
// every file), the dataset spec, the train and holdout splits and the version's model, each with the
// digest recorded at training. The control API refuses a reproduction on the answer (409) and the
// reproduction workflow checks again before it trains.
import { reproductionPlan, type ReproductionRecord } from '../core/governance/reproduction-record';
import { WindsockError } from '../core/windsock-error';
import type { BlobStore } from './blob-store';
import { missingCodeFiles } from './code-snapshot';
import { sha256File } from './sha256-file';

async function problemWith(blobs: BlobStore, input: { what: string; uri: string; sha256: string }): Promise<string | undefined> {
  if (!(await blobs.exists(input.uri))) return `${input.what} is gone from the artifact store (${input.uri})`;
  const actual = await sha256File(await blobs.localPath(input.uri));
  if (actual !== input.sha256) return `${input.what} no longer matches its recorded sha256 (${input.uri})`;
  return undefined;
}

/**
 * The version's reproducibility record once everything it names is available and unchanged; else a
 * `conflict` WindsockError naming each thing that is missing or changed.
 */
export async function requireRecordedInputs(
  blobs: BlobStore,
  version: { modelName: string; version: number; artifactUri: string; artifactSha256: string; lineage: unknown },
): Promise<ReproductionRecord> {
  const plan = reproductionPlan(version);
  if (!plan.ok) throw new WindsockError('conflict', `${version.modelName} ${plan.reason}`);
  const problems: string[] = [];
  for (const input of plan.inputs) {
    const problem = await problemWith(blobs, input);
    if (problem) problems.push(problem);
  }
  // The files only when their manifest is there to list them.
  if (problems.length === 0 || !problems[0]!.startsWith('the code snapshot')) {
    const missing = await missingCodeFiles(blobs, plan.record.code!).catch(() => []);
    if (missing.length > 0) problems.unshift(`the code snapshot sha256:${plan.record.code!.digest} is no longer available: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
  if (problems.length > 0) {
    throw new WindsockError('conflict', `${version.modelName} v${version.version} cannot be reproduced: ${problems.join('; ')}`);
  }
  return plan.record;
}
