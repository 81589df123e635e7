// Stub activities for modelPipeline (also the pipelines retrainModel starts): a dataset that validates,
// a training that returns at once or, with params.hold, heartbeats until released or cancelled, an
// evaluation scored by the real metric gate against a champion the test sets, and a registry that
// numbers versions per model and remembers the champion alias.
import { CancelledFailure, Context } from '@temporalio/activity';
import type { PipelineInput } from '../../../contracts/model-pipeline-messages';
import { evaluateGate } from '../../../core/evaluation/metric-gate';
import type { ReferenceProfile } from '../../../core/monitoring/reference-profile';
import type { modelPipeline } from '../../../workflows/model-pipeline';
import { randomHex, type StubActivities, type StubWorker } from './stub-worker';

/** What every stub training produces, as the evaluation scores it. */
export const candidateMetrics = { accuracy: 0.93, roc_auc: 0.95, f1: 0.9 };

/** The breast-cancer example's gate, which the candidate passes. */
export const passingGate = { roc_auc: { threshold: 0.9, greater_is_better: true } };

export function pipelineInput(pipelineId: string, model: string, overrides: Partial<PipelineInput> = {}): PipelineInput {
  return {
    pipelineId,
    model,
    datasetUri: 'file:///data/breast-cancer.csv',
    spec: {
      features: [{ name: 'mean_radius', type: 'float', nullable: false, min: 0 }],
      target: { name: 'diagnosis', classes: ['benign', 'malignant'], positiveClass: 'malignant' },
      checks: { minClassShare: 0.05, maxDuplicateShare: 0.01, minRows: 50 },
    },
    job: { command: ['python', 'jobs/train.py'], deadlineSeconds: 600 },
    params: { epochs: 3 },
    gate: passingGate,
    holdout: { fraction: 0.2, seed: 42 },
    approvalTimeoutSeconds: 3600,
    submittedBy: 'dave',
    ...overrides,
  };
}

const referenceProfile: ReferenceProfile = {
  version: 1,
  rowCount: 10,
  features: [{ name: 'mean_radius', kind: 'numeric', nulls: 0, edges: [14], counts: [6, 4], min: 7, max: 28, mean: 14.1, std: 3.5 }],
  prediction: { classes: ['benign', 'malignant'], counts: [6, 4], meanProbabilities: [0.6, 0.4] },
};

export interface PipelineStubs {
  stubs: StubActivities;
  /** Lets a training started with params.hold finish. */
  releaseTraining(pipelineId: string): void;
  /** Pipelines whose held training saw its cancellation (a CancelledFailure from the activity context). */
  cancelledTraining: string[];
  /** The champion the evaluation compares the candidate with, per model; none when absent. */
  champions: Map<string, { version: number; metrics: Record<string, number> }>;
}

export function pipelineStubs(): PipelineStubs {
  const released = new Set<string>();
  const cancelledTraining: string[] = [];
  const champions: PipelineStubs['champions'] = new Map();
  const versions = new Map<string, number>();
  const aliases = new Map<string, number>();

  const stubs = {
    async recordPipelineEvent() {},

    async validateDataset(input) {
      return {
        sha256: 'd'.repeat(64),
        rowCount: 569,
        trainRows: 456,
        holdoutRows: 113,
        trainUri: `file:///blobs/${input.pipelineId}/train.csv`,
        holdoutUri: `file:///blobs/${input.pipelineId}/holdout.csv`,
        reportUri: `file:///blobs/${input.pipelineId}/report.json`,
        warnings: [],
        classCounts: { benign: 357, malignant: 212 },
      };
    },

    async trainModel(input) {
      const jobId = `job-${input.pipelineId}`;
      if (input.params.hold === true) {
        const ctx = Context.current();
        try {
          while (!released.has(input.pipelineId)) {
            ctx.heartbeat({ jobId, jobs: 1 });
            await ctx.sleep(100);
          }
        } catch (err) {
          if (err instanceof CancelledFailure) cancelledTraining.push(input.pipelineId);
          throw err;
        }
      }
      return {
        provider: 'stub',
        jobId,
        modelUri: `file:///blobs/${input.pipelineId}/model.onnx`,
        modelSha256: 'a'.repeat(64),
        logsUri: `file:///blobs/${input.pipelineId}/logs.txt`,
        jobMetrics: { loss: 0.1 },
        seconds: 1,
        jobs: 1,
      };
    },

    async stopTrainingJobs() {
      return { stopped: 1 };
    },

    async evaluateModel(input) {
      const champion = champions.get(input.model);
      return {
        metrics: candidateMetrics,
        confusionMatrix: [[68, 4], [3, 38]],
        classMetrics: {
          benign: { precision: 68 / 71, recall: 68 / 72, f1: 136 / 143, support: 72 },
          malignant: { precision: 38 / 42, recall: 38 / 41, f1: 76 / 83, support: 41 },
        },
        signature: {
          inputs: [{ name: 'features', datatype: 'FP32' as const, shape: [-1, 1] }],
          outputs: [{ name: 'probabilities', datatype: 'FP32' as const, shape: [-1, 2] }],
        },
        ...(champion ? { champion } : {}),
        gate: evaluateGate(input.gate, candidateMetrics, champion?.metrics),
        referenceProfile,
      };
    },

    async registerVersion(input) {
      const version = (versions.get(input.modelName) ?? 0) + 1;
      versions.set(input.modelName, version);
      return { version, created: true };
    },

    async requestApproval(input) {
      const now = Date.now();
      return { requestedAt: new Date(now).toISOString(), deadline: new Date(now + input.timeoutSeconds * 1000).toISOString() };
    },

    async notifyApprovers() {},

    async recordDecision() {},

    async promoteChampion(input) {
      const previous = aliases.get(input.model) ?? null;
      aliases.set(input.model, input.version);
      return { previous };
    },

    async markVersion() {},

    async sendNotification(notification) {
      return { deliveryId: `${notification.kind}-${randomHex(8)}` };
    },
  } satisfies StubActivities;

  return { stubs, releaseTraining: (pipelineId) => void released.add(pipelineId), cancelledTraining, champions };
}

/** Starts modelPipeline for a model of its own (so its version is 1 and it has no champion before it). */
export async function startPipeline(w: StubWorker, overrides: Partial<PipelineInput> = {}) {
  const model = `bc-${randomHex(6)}`;
  const input = pipelineInput(w.newId(model), model, overrides);
  const handle = await w.client.workflow.start<typeof modelPipeline>('modelPipeline', { taskQueue: w.taskQueue, workflowId: input.pipelineId, args: [input] });
  return { handle, input, id: input.pipelineId, model };
}
