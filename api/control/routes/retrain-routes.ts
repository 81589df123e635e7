// /v1/models/:name/retrain: retraining by hand, and its state. Every retrain of a model goes through
// one workflow (`retrain:<model>`) by signal-with-start, as drift alerts and schedules do.
import { Hono } from 'hono';
import { z } from 'zod';
import { WindsockError } from '../../../core/windsock-error';
import type { RegistryStore } from '../../../registry/registry-store';
import { retrainSignalWithStart, retrainWorkflowId, type RetrainRequest, type RetrainStatus } from '../../../contracts/retrain-model-messages';
import type { ApiEnv } from '../../http/api-env';
import { requireRole } from '../../http/bearer-auth';
import type { TemporalGateway } from '../../temporal/temporal-gateway';
import { validate } from '../../http/validate';
import { modelParam } from '../../../contracts/shared-params';

const retrainBody = z.strictObject({ reason: z.string().min(1).max(2000).optional() });

export interface RetrainRouteDeps {
  gateway: TemporalGateway;
  taskQueue: string;
  registry: RegistryStore;
}

export function retrainRoutes({ gateway, taskQueue, registry }: RetrainRouteDeps) {
  return new Hono<ApiEnv>()
    .post('/:name/retrain', requireRole('submitter', 'admin'), validate('param', modelParam), validate('json', retrainBody), async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      if (!model.template.retrain) {
        throw new WindsockError('bad_request', `model '${model.name}' has no retrain settings: set retrain.dataset in its template to where fresh data lands`);
      }
      const principal = c.get('principal').name;
      const request: RetrainRequest = { source: 'manual', reason: c.req.valid('json').reason ?? `requested by ${principal}`, requestedBy: principal };
      const { workflowId } = await gateway.signalWithStart(retrainSignalWithStart(model.name, taskQueue, request));
      return c.json({ workflowId, location: `/v1/models/${model.name}/retrain` }, 202);
    })
    .get('/:name/retrain', validate('param', modelParam), async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      const workflowId = retrainWorkflowId(model.name);
      const description = await gateway.describe(workflowId);
      if (!description) throw new WindsockError('not_found', `model '${model.name}' has not been retrained yet`);
      const status = await gateway.query<RetrainStatus>(workflowId, 'retrainStatus').catch(() => undefined);
      return c.json({ workflowId, temporal: { status: description.status, startTime: description.startTime, closeTime: description.closeTime }, ...(status ?? {}) });
    });
}
