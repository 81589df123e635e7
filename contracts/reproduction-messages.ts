// reproduceVersion's input, status and query: one workflow per reproduction of a registered version,
// its id (`reproduce:<model>:v<version>:<suffix>`) being the reproductionId the API hands out.
import { defineQuery } from '@temporalio/workflow';
import type { MetricDifference } from '../core/governance/reproduction-comparison';

export interface ReproduceInput {
  reproductionId: string;
  model: string;
  version: number;
  requestedBy: string;
  /** Metrics and probabilities within this of the version's count as reproduced. */
  tolerance: number;
}

export type ReproductionState = 'running' | 'succeeded' | 'failed';

export interface ReproductionStatus {
  reproductionId: string;
  model: string;
  version: number;
  requestedBy: string;
  /** succeeded: it trained and compared (see `reproduced`); failed: it could not (see `error`). */
  state: ReproductionState;
  stage: 'checking' | 'training' | 'evaluating' | 'comparing' | 'done';
  tolerance: number;
  /** The recorded code version (sha256 of its snapshot manifest) and seed it trained with. */
  codeVersion?: string;
  seed?: number | null;
  /** Whether the retrained model's holdout metrics and probabilities are within `tolerance` of the version's. */
  reproduced?: boolean;
  /** max(metricsMaxAbsDelta, probabilitiesMaxAbsDelta); null when something could not be compared. */
  maxAbsDelta?: number | null;
  metricsMaxAbsDelta?: number | null;
  probabilitiesMaxAbsDelta?: number | null;
  /** Both ONNX files have the same sha256 (a stronger statement than the deltas). */
  identicalArtifact?: boolean;
  worstMetric?: string;
  differences?: MetricDifference[];
  unmatched?: string[];
  /** The version's recorded holdout metrics and the retrained model's, side by side. */
  metrics?: { original: Record<string, number | null>; reproduced: Record<string, number | null> };
  training?: { provider: string; jobId: string; seconds: number; modelSha256: string };
  error?: { code: string; message: string };
}

export const reproductionStatusQuery = defineQuery<ReproductionStatus>('reproductionStatus');

const prefix = (model: string, version: number) => `reproduce:${model}:v${version}:`;

export const reproductionWorkflowId = (model: string, version: number, suffix: string) => `${prefix(model, version)}${suffix}`;

/** Whether a reproduction id is one of this version's (the GET route answers 404 for any other). */
export function isReproductionOf(reproductionId: string, model: string, version: number): boolean {
  return reproductionId.startsWith(prefix(model, version)) && /^[0-9a-f]{8,32}$/.test(reproductionId.slice(prefix(model, version).length));
}
