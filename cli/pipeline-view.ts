// GET /v1/pipelines/:id as the CLI reads it: the route's own response type, with `progress` narrowed to
// what it holds. The route spreads the training activity's heartbeat into `progress` as an `object`
// (Temporal hands heartbeat details back untyped), so the epoch fields are the one thing typed here.
import type { InferResponseType } from 'hono/client';
import type { TrainingHeartbeat } from '../activities/training-activities';
import type { ControlClient } from './control-client';

export type PipelineBody = InferResponseType<ControlClient['v1']['pipelines'][':id']['$get'], 200>;

export type PipelineView = Omit<PipelineBody, 'progress'> & {
  progress?: NonNullable<PipelineBody['progress']> & Partial<TrainingHeartbeat>;
};

export function pipelineView(body: PipelineBody): PipelineView {
  return body as PipelineView;
}

/** The gate in one line: the metrics it judged and, when it failed, why. */
export function gateSummary(gate: PipelineView['gate']): string | undefined {
  if (!gate) return undefined;
  if (!gate.passed) return `gate failed: ${gate.checks.filter((c) => !c.passed).map((c) => c.message).join('; ')}`;
  const judged = new Map(gate.checks.filter((c) => c.candidate !== null).map((c) => [c.metric, c.candidate!]));
  const values = [...judged].map(([metric, value]) => `${metric}=${Number.isInteger(value) ? value : value.toFixed(4)}`).join(' ');
  return `gate passed${values ? `: ${values}` : ''}`;
}
