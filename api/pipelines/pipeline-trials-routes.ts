// GET /v1/pipelines/:id/trials: every trial of a tuning pipeline (params, state, objective curve,
// seconds, cost) and which one won, from the workflow's own status. Viewers may read it.
import { z } from 'zod';
import { statusQuery, type PipelineStatus } from '../../contracts/model-pipeline-messages';
import { pipelineId } from '../../contracts/shared-params';
import { WindsockError } from '../../core/windsock-error';
import { apiRoute, jsonAnswer, openApiRoutes, typedObject } from '../http/openapi-routes';
import type { TemporalGateway } from '../temporal/temporal-gateway';

export const trialsIdParam = z.strictObject({ id: pipelineId });

const trialsRoute = apiRoute(
  { roles: ['viewer'], errors: [503] },
  {
    method: 'get',
    path: '/{id}/trials',
    tags: ['pipelines'],
    summary: "A tuning pipeline's trials (params, state, objective curve, seconds, cost) and the winner; empty for a pipeline without tuning",
    request: { params: trialsIdParam },
    responses: {
      200: jsonAnswer(
        typedObject<{ pipelineId: string; stage: PipelineStatus['stage']; tuning: NonNullable<PipelineStatus['tuning']> | null; trials: NonNullable<PipelineStatus['trials']> }>(
          'PipelineTrials',
          'The search (objective, direction, strategy, trials, parallelism, pruning, best) or null, and every trial: n, params, state, curve (at most 100 points), objective, seconds, costUsd, jobId, reason.',
          { pipelineId: { type: 'string' }, stage: { type: 'string' }, tuning: { type: 'object' }, trials: { type: 'array' } },
        ),
        'the trials',
      ),
    },
  },
);

export function pipelineTrialsRoutes(deps: { gateway: TemporalGateway }) {
  return openApiRoutes().openapi(trialsRoute, async (c) => {
    const { id } = c.req.valid('param');
    const description = await deps.gateway.describe(id);
    if (!description) throw new WindsockError('not_found', `unknown pipeline '${id}'`);
    let status: PipelineStatus;
    try {
      status = await deps.gateway.query<PipelineStatus>(id, statusQuery.name);
    } catch (err) {
      throw new WindsockError('unavailable', `pipeline '${id}' did not answer its status query (is a worker running?): ${(err as Error).message}`, { retryable: true });
    }
    // A pipeline without tuning has no trials: an empty list, not an error, so a client can ask of any pipeline.
    return c.json({ pipelineId: id, stage: status.stage, tuning: status.tuning ?? null, trials: status.trials ?? [] }, 200);
  });
}

export type PipelineTrialsApp = ReturnType<typeof pipelineTrialsRoutes>;
