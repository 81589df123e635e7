// /v1/models/:name/retrain: retraining by hand, and its state. Every retrain of a model goes through
// one workflow (`retrain:<model>`) by signal-with-start, as drift alerts and schedules do.
import { z } from 'zod';
import { WindsockError } from '../../../core/windsock-error';
import type { RegistryStore } from '../../../registry/registry-store';
import { retrainSignalWithStart, retrainWorkflowId, type RetrainRequest, type RetrainStatus } from '../../../contracts/retrain-model-messages';
import type { TemporalGateway } from '../../temporal/temporal-gateway';
import { apiRoute, jsonAnswer, jsonBody, openApiRoutes, typedObject } from '../../http/openapi-routes';
import { modelParam } from '../../../contracts/shared-params';

export const retrainBody = z.strictObject({ reason: z.string().min(1).max(2000).optional() });

export interface RetrainRouteDeps {
  gateway: TemporalGateway;
  taskQueue: string;
  registry: RegistryStore;
}

const retrainStateSchema = typedObject<{ workflowId: string; temporal: { status: string; startTime?: string; closeTime?: string } } & Partial<RetrainStatus>>(
  'RetrainState',
  "The model's retrain workflow (retrain:<model>) as Temporal describes it, and its own status: state, cause, pipeline, outcome, coalesced requests.",
  { workflowId: { type: 'string' }, temporal: { type: 'object' }, state: { type: 'string' } },
);

const requestRetrainRoute = apiRoute(
  { roles: ['submitter', 'admin'] },
  {
    method: 'post',
    path: '/{name}/retrain',
    tags: ['retraining'],
    summary: 'Asks for a retrain of the model (signal-with-start of its retrain workflow)',
    request: { params: modelParam, body: jsonBody(retrainBody) },
    responses: { 202: jsonAnswer(z.object({ workflowId: z.string(), location: z.string() }).openapi('RetrainAccepted'), 'the request reached the retrain workflow') },
  },
);
const retrainStateRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/{name}/retrain',
    tags: ['retraining'],
    summary: "The state of the model's retraining",
    request: { params: modelParam },
    responses: { 200: jsonAnswer(retrainStateSchema, 'the state') },
  },
);

export function retrainRoutes({ gateway, taskQueue, registry }: RetrainRouteDeps) {
  return openApiRoutes()
    .openapi(requestRetrainRoute, async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      if (!model.template.retrain) {
        throw new WindsockError('bad_request', `model '${model.name}' has no retrain settings: set retrain.dataset in its template to where fresh data lands`);
      }
      const principal = c.get('principal').name;
      const request: RetrainRequest = { source: 'manual', reason: c.req.valid('json').reason ?? `requested by ${principal}`, requestedBy: principal };
      const { workflowId } = await gateway.signalWithStart(retrainSignalWithStart(model.name, taskQueue, request));
      return c.json({ workflowId, location: `/v1/models/${model.name}/retrain` }, 202);
    })
    .openapi(retrainStateRoute, async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      const workflowId = retrainWorkflowId(model.name);
      const description = await gateway.describe(workflowId);
      if (!description) throw new WindsockError('not_found', `model '${model.name}' has not been retrained yet`);
      const status = await gateway.query<RetrainStatus>(workflowId, 'retrainStatus').catch(() => undefined);
      return c.json({ workflowId, temporal: { status: description.status, startTime: description.startTime, closeTime: description.closeTime }, ...(status ?? {}) }, 200);
    });
}
