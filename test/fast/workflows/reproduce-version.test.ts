// reproduceVersion on stub activities: it prepares, trains the recorded job under the reproduction's id
// with the recorded params, holdout and laid-out code, evaluates, compares, and audits the verdict; a
// version refused at preparation, a failed or cancelled training (its job stopped), and code that
// hashes to another version than the recorded one end `failed` with the reason and no comparison.
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreparedReproduction } from '../../../activities/reproduction-activities';
import { reproductionStatusQuery, reproductionWorkflowId, type ReproduceInput, type ReproductionStatus } from '../../../contracts/reproduction-messages';
import { compareReproduction } from '../../../core/governance/reproduction-comparison';
import type { reproduceVersion } from '../../../workflows/reproduce-version';
import { candidateMetrics, pipelineStubs, type PipelineStubs } from './pipeline-stubs';
import { randomHex, startStubWorker, type StubWorker } from './stub-worker';
import { waitUntil } from './wait-until';

const codeVersion = 'c'.repeat(64);
let w: StubWorker;
let base: PipelineStubs;

function prepared(params: Record<string, unknown>): PreparedReproduction {
  return {
    job: { command: ['python', '/jobs/code/ccc/jobs/tabular/train.py'], deadlineSeconds: 600, provider: 'local' },
    params: { epochs: 3, seed: 42, ...params },
    spec: {
      features: [{ name: 'mean_radius', type: 'float', nullable: false, min: 0 }],
      target: { name: 'diagnosis', classes: ['benign', 'malignant'], positiveClass: 'malignant' },
      checks: { minClassShare: 0.05, maxDuplicateShare: 0.01, minRows: 50 },
    },
    trainUri: 'file:///blobs/train.csv',
    holdoutUri: 'file:///blobs/holdout.csv',
    codeRoot: `/jobs/code/${codeVersion}`,
    codeVersion,
    seed: 42,
    originalModelUri: 'file:///blobs/v1/model.onnx',
    originalModelSha256: 'a'.repeat(64),
    originalMetrics: candidateMetrics,
    gate: {},
  };
}

/** Per version: the params the stub preparation hands out, or the refusal it throws. */
const versions = new Map<number, Record<string, unknown> | Error>();

beforeAll(async () => {
  base = pipelineStubs();
  w = await startStubWorker('reproduce', {
    ...base.stubs,
    async prepareReproduction(input) {
      const found = versions.get(input.version);
      if (found instanceof Error) throw found;
      return prepared(found ?? {});
    },
    async trainModel(input) {
      const trained = await base.stubs.trainModel!(input);
      const ran = typeof input.params.ranCode === 'string' ? input.params.ranCode : codeVersion;
      if (input.params.fail === true) throw ApplicationFailure.nonRetryable('training job exited with code 1: out of memory', 'job_failed');
      return { ...trained, reproducibility: { format: 1, code: { digest: ran, manifestUri: 'file:///m.json', files: 3, bytes: 10 }, seed: 42, job: input.job, datasetSpec: { uri: 'file:///s', sha256: 'b'.repeat(64) }, trainSplit: { uri: input.trainUri, sha256: 'b'.repeat(64) }, holdoutSplit: { uri: input.holdoutUri!, sha256: 'b'.repeat(64) } } };
    },
    async compareReproduction(input) {
      const probabilities = [[0.2, 0.8]];
      return compareReproduction({ ...input, originalProbabilities: probabilities, reproducedProbabilities: probabilities });
    },
  });
});
afterAll(() => w?.close());

async function start(version: number, tolerance = 1e-6) {
  const reproductionId = reproductionWorkflowId('breast-cancer', version, randomHex());
  const input: ReproduceInput = { reproductionId, model: 'breast-cancer', version, requestedBy: 'alice', tolerance };
  const handle = await w.client.workflow.start<typeof reproduceVersion>('reproduceVersion', { workflowId: reproductionId, taskQueue: w.taskQueue, args: [input] });
  return { reproductionId, handle };
}

describe('reproduceVersion', () => {
  it('trains the recorded job under its own id, evaluates, compares, and audits the verdict; it registers nothing', async () => {
    versions.set(1, {});
    const { reproductionId, handle } = await start(1);
    const result = await handle.result();
    expect(result).toMatchObject({ state: 'succeeded', stage: 'done', reproduced: true, maxAbsDelta: 0, codeVersion, seed: 42, identicalArtifact: true });
    expect(result.metrics).toEqual({ original: candidateMetrics, reproduced: candidateMetrics });
    expect(w.log.sequence(reproductionId)).toEqual(['prepareReproduction', 'trainModel', 'evaluateModel', 'compareReproduction']);
    const [train] = w.log.inputs(reproductionId, 'trainModel');
    expect(train).toMatchObject({ pipelineId: reproductionId, model: 'breast-cancer', params: { epochs: 3, seed: 42 }, trainUri: 'file:///blobs/train.csv', holdoutUri: 'file:///blobs/holdout.csv', codeRoot: `/jobs/code/${codeVersion}` });
    expect(train!.job.command[1]).toBe('/jobs/code/ccc/jobs/tabular/train.py');
    expect(w.log.inputs(reproductionId, 'evaluateModel')[0]).toMatchObject({ modelUri: `file:///blobs/${reproductionId}/model.onnx`, holdoutUri: 'file:///blobs/holdout.csv' });
    expect(w.log.events(reproductionId)).toEqual(['version.reproduction_started', 'version.reproduced']);
    expect(w.log.inputs(reproductionId, 'recordPipelineEvent')[0]).toMatchObject({ actor: 'alice', modelName: 'breast-cancer', version: 1, details: { reproductionId } });
    // The status stays readable after it closed.
    expect(await handle.query(reproductionStatusQuery)).toEqual(result);
  });

  it('fails with the refusal when preparation finds the recorded code or data gone, training nothing', async () => {
    versions.set(2, ApplicationFailure.nonRetryable('breast-cancer v2 cannot be reproduced: the train split is gone from the artifact store (file:///blobs/train.csv)', 'conflict'));
    const { reproductionId, handle } = await start(2);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const status = await handle.query(reproductionStatusQuery);
    expect(status).toMatchObject({ state: 'failed', stage: 'checking', error: { code: 'conflict', message: expect.stringContaining('the train split is gone') } });
    expect(w.log.sequence(reproductionId)).toEqual(['prepareReproduction']);
    expect(w.log.events(reproductionId)).toEqual(['version.reproduction_started', 'version.reproduction_failed']);
  });

  it('stops the job and fails when the training fails', async () => {
    versions.set(3, { fail: true });
    const { reproductionId, handle } = await start(3);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    expect(await handle.query(reproductionStatusQuery)).toMatchObject({ state: 'failed', stage: 'training', error: { code: 'job_failed' } });
    expect(w.log.inputs(reproductionId, 'stopTrainingJobs')).toEqual([{ pipelineId: reproductionId, runId: expect.any(String), job: prepared({}).job }]);
    expect(w.log.sequence(reproductionId)).not.toContain('evaluateModel');
  });

  it('fails when the code that ran does not hash to the recorded code version', async () => {
    versions.set(4, { ranCode: 'e'.repeat(64) });
    const { reproductionId, handle } = await start(4);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const status: ReproductionStatus = await handle.query(reproductionStatusQuery);
    expect(status.error).toEqual({ code: 'conflict', message: `the code the reproduction ran hashes to sha256:${'e'.repeat(64)}, not the recorded sha256:${codeVersion}` });
    expect(w.log.sequence(reproductionId)).toEqual(['prepareReproduction', 'trainModel']);
  });

  it('stops a held training when the reproduction is cancelled, and says so', async () => {
    versions.set(5, { hold: true });
    const { reproductionId, handle } = await start(5);
    await waitUntil('the training is running', () => handle.query(reproductionStatusQuery), (s) => s.stage === 'training');
    await handle.cancel();
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    await waitUntil('the job was stopped', () => w.log.inputs(reproductionId, 'stopTrainingJobs').length, (n) => n === 1);
    expect(w.log.events(reproductionId)).toEqual(['version.reproduction_started', 'version.reproduction_failed']);
    expect(w.log.inputs(reproductionId, 'recordPipelineEvent')[1]).toMatchObject({ details: { error: { code: 'cancelled' } } });
  });
});
