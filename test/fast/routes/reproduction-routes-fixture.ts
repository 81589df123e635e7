// A registered version that records what a reproduction needs (lineage.reproducibility) over real blobs
// in the route fixture's artifact store: the breast-cancer job's code snapshot, a dataset spec, the
// splits and the model; the route tests refuse or accept reproductions of it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { captureJobCode } from '../../../artifacts/code-snapshot';
import { LocalBlobStore } from '../../../artifacts/local-blob-store';
import { projectRoot } from '../../../config/project-root';
import type { ReproductionRecord } from '../../../core/governance/reproduction-record';
import { modelSignatureSchema } from '../../../core/serving/model-signature';
import servingFixture from '../../fixtures/breast-cancer-serving.json';
import type { ControlFixture } from './control-app-fixture';

let made = 0;

export async function registerReproducibleVersion(f: ControlFixture, model = 'breast-cancer'): Promise<{ version: number; record: ReproductionRecord; blobs: LocalBlobStore }> {
  const blobs = new LocalBlobStore(path.join(f.home, 'artifacts'));
  const run = `reproducible-run-${++made}`;
  const command = ['python', 'jobs/breast-cancer/train.py'];
  const code = await captureJobCode(blobs, command, projectRoot);
  if (!code.ok) throw new Error(code.reason);
  const spec = await blobs.put(`models/${model}/runs/${run}/dataset-spec.json`, readFileSync(path.join(projectRoot, 'examples/breast-cancer/dataset-spec.json')));
  const train = await blobs.put(`datasets/${run}/train.csv`, 'radius,diagnosis\n1,benign\n');
  const holdout = await blobs.put(`datasets/${run}/holdout.csv`, 'radius,diagnosis\n2,malignant\n');
  const artifact = await blobs.putFile(`models/${model}/runs/${run}/model.onnx`, path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx'));
  const record: ReproductionRecord = {
    format: 1,
    code: code.snapshot,
    seed: 42,
    job: { command, deadlineSeconds: 900 },
    datasetSpec: { uri: spec.uri, sha256: spec.sha256 },
    trainSplit: { uri: train.uri, sha256: train.sha256 },
    holdoutSplit: { uri: holdout.uri, sha256: holdout.sha256 },
  };
  const { version } = await f.registry.registerVersion({
    modelName: model,
    artifactUri: artifact.uri,
    artifactSha256: artifact.sha256,
    signature: modelSignatureSchema.parse(servingFixture.signature),
    metrics: { roc_auc: 0.99, f1: 0.95 },
    confusionMatrix: [[1, 0], [0, 1]],
    gate: {},
    referenceProfile: servingFixture.referenceProfile,
    lineage: {
      datasetUri: 'file:///data.csv', datasetSha256: '0'.repeat(64), trainSplitUri: train.uri, holdoutSplitUri: holdout.uri,
      codeVersion: 'test', params: { epochs: 3 }, computeProvider: 'local', computeJobId: run, workflowId: run, runId: run,
      // Through a variable: the registry's Lineage type predates the record, which it stores as JSON.
      ...({ reproducibility: record } as object),
    },
    pipelineId: `${model}-${'1'.repeat(15)}${made % 10}`,
    pipelineRunId: run,
    createdBy: 'dave',
  });
  return { version, record, blobs };
}
