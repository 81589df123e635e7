// /v1/models/:name/versions/:v/reproduce and .../reproductions/:id: train a registered version again
// from what it recorded and compare (workflows/reproduce-version.ts). A version whose code snapshot or
// dataset splits are gone or changed is refused up front (409), so no reproduction starts that could
// only fail.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { requireRecordedInputs } from '../../../artifacts/recorded-inputs';
import type { BlobStore } from '../../../artifacts/blob-store';
import { modelVersionParam } from '../../../contracts/shared-params';
import {
  isReproductionOf,
  reproductionStatusQuery,
  reproductionWorkflowId,
  type ReproduceInput,
  type ReproductionStatus,
} from '../../../contracts/reproduction-messages';
import { DEFAULT_REPRODUCTION_TOLERANCE } from '../../../core/governance/reproduction-comparison';
import { WindsockError } from '../../../core/windsock-error';
import type { RegistryStore } from '../../../registry/registry-store';
import { apiRoute, jsonAnswer, jsonBody, openApiRoutes, typedObject } from '../../http/openapi-routes';
import type { TemporalGateway } from '../../temporal/temporal-gateway';

export const reproduceBody = z.strictObject({
  /** Metrics and probabilities within this of the version's count as reproduced. */
  tolerance: z.number().min(0).max(1).default(DEFAULT_REPRODUCTION_TOLERANCE),
});

export const reproductionParam = modelVersionParam.extend({ id: z.string().min(1).max(200) });

export interface ReproductionRouteDeps {
  gateway: TemporalGateway;
  taskQueue: string;
  registry: RegistryStore;
  blobs: BlobStore;
}

const location = (model: string, version: number, id: string) => `/v1/models/${model}/versions/${version}/reproductions/${encodeURIComponent(id)}`;

const tag = ['reproductions'];
type TemporalView = { status: string; startTime?: string; closeTime?: string };

const reproduceRoute = apiRoute(
  { roles: ['submitter', 'admin'], errors: [409] },
  {
    method: 'post',
    path: '/{name}/versions/{v}/reproduce',
    tags: tag,
    summary: 'Trains the version again from what it recorded (code snapshot, dataset splits, seed) and compares; 409 when a recorded input is gone or changed',
    request: { params: modelVersionParam, body: jsonBody(reproduceBody) },
    responses: {
      202: jsonAnswer(
        z.object({ reproductionId: z.string(), state: z.literal('running'), location: z.string().openapi({ description: 'Where to read its state.' }) }).openapi('ReproductionStarted'),
        'started',
      ),
    },
  },
);
const reproductionRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/{name}/versions/{v}/reproductions/{id}',
    tags: tag,
    summary: "A reproduction's state and, once compared, whether the version reproduced (metric and probability deltas)",
    request: { params: reproductionParam },
    responses: {
      200: jsonAnswer(
        typedObject<(ReproductionStatus | Pick<ReproductionStatus, 'reproductionId' | 'model' | 'version' | 'state'>) & { temporal: TemporalView }>(
          'ReproductionState',
          "The reproduction's state, stage, tolerance and, once compared, reproduced, deltas, differences and both metric sets; only what Temporal knows while no worker answers.",
          { reproductionId: { type: 'string' }, model: { type: 'string' }, version: { type: 'integer' }, state: { type: 'string' }, temporal: { type: 'object' } },
        ),
        'the reproduction',
      ),
    },
  },
);

export function reproductionRoutes({ gateway, taskQueue, registry, blobs }: ReproductionRouteDeps) {
  return openApiRoutes()
    .openapi(reproduceRoute, async (c) => {
      const { name, v } = c.req.valid('param');
      await registry.requireModel(name);
      const version = await registry.requireVersion(name, v);
      // 409 naming what is missing or changed; nothing is started.
      await requireRecordedInputs(blobs, version);
      const reproductionId = reproductionWorkflowId(name, v, randomUUID().replace(/-/g, '').slice(0, 16));
      const input: ReproduceInput = { reproductionId, model: name, version: v, requestedBy: c.get('principal').name, tolerance: c.req.valid('json').tolerance };
      await gateway.start({ workflowType: 'reproduceVersion', workflowId: reproductionId, taskQueue, args: [input] });
      const where = location(name, v, reproductionId);
      c.header('location', where);
      return c.json({ reproductionId, state: 'running' as const, location: where }, 202);
    })
    .openapi(reproductionRoute, async (c) => {
      const { name, v, id } = c.req.valid('param');
      const unknown = () => new WindsockError('not_found', `model '${name}' version ${v} has no reproduction '${id.slice(0, 200)}'`);
      if (!isReproductionOf(id, name, v)) throw unknown();
      const description = await gateway.describe(id);
      if (!description) throw unknown();
      const status = await gateway.query<ReproductionStatus>(id, reproductionStatusQuery.name).catch(() => undefined);
      const temporal = { status: description.status, startTime: description.startTime, closeTime: description.closeTime };
      if (!status) {
        // No worker answered the query: what Temporal knows.
        const state = description.status === 'RUNNING' ? 'running' : description.status === 'COMPLETED' ? 'succeeded' : 'failed';
        return c.json({ reproductionId: id, model: name, version: v, state, temporal }, 200);
      }
      return c.json({ ...status, temporal }, 200);
    });
}
