// The control API (Hono on Node): health, pipelines through Temporal, the registry's models, API tokens.
import { Hono } from 'hono';
import type { Principal } from '../../core/auth/principals';
import type { EdgeClient } from '../../activities/edge-client';
import type { BlobStore } from '../../artifacts/blob-store';
import type { RegistryStore } from '../../registry/registry-store';
import { ApiTokenStore } from '../../registry/api-token-store';
import { DatasetStore } from '../../registry/dataset-store';
import type { ApiEnv } from '../http/api-env';
import { bearerAuth, requireRole } from '../http/bearer-auth';
import { limitBody } from '../http/body-limit';
import { notFound, onError, requestId } from '../http/error-envelope';
import { exposeMetrics } from '../http/http-metrics';
import { createControlMetrics } from './control-metrics';
import { modelCardRoutes } from './routes/model-card-routes';
import { auditRoutes } from './routes/audit-routes';
import { datasetRoutes, isDatasetStreamingRoute } from './routes/dataset-routes';
import { modelRoutes } from './routes/model-routes';
import { modelTemplateRoutes } from './routes/model-template-routes';
import { newDataRetrains } from './new-data-retrains';
import { pipelineRoutes, type DatasetResolver } from '../pipelines/pipeline-routes';
import { retrainScheduleRoutes } from './routes/retrain-schedule-routes';
import { retrainRoutes } from './routes/retrain-routes';
import { apiTokenResolver, tokenRoutes } from './routes/token-routes';
import type { TemporalGateway } from '../temporal/temporal-gateway';
import type { RetrainScheduleGateway } from './retrain-schedule-gateway';

export interface ControlAppDeps {
  gateway: TemporalGateway;
  /** Retraining schedules as Temporal Schedules (the control API's own: gRPC only). */
  schedules: RetrainScheduleGateway;
  registry: RegistryStore;
  blobs: BlobStore;
  edge?: EdgeClient;
  datasets: DatasetResolver;
  /** The bootstrap principals (WINDSOCK_TOKENS); API tokens issued into the registry come after them. */
  principals: Principal[];
  /** Defaults to the registry's; tests pass theirs to reach it. */
  apiTokens?: ApiTokenStore;
  taskQueue: string;
  maxBodyBytes?: number;
  /** Datasets uploaded through /v1/datasets; defaults to the registry's. */
  datasetStore?: DatasetStore;
  /** The largest dataset upload (WINDSOCK_DATASET_UPLOAD_MAX_BYTES); 256 MiB when left out. */
  datasetUploadMaxBytes?: number;
  /** Where dataset uploads are spooled while checked; the OS's temp directory when left out. */
  datasetSpoolDir?: string;
}

export function createControlApp(deps: ControlAppDeps) {
  const templates = {
    get: async (name: string) => {
      const model = await deps.registry.getModel(name);
      return model && { template: model.template, revision: model.revision };
    },
    names: async () => (await deps.registry.listModels()).map((m) => m.name),
  };
  const apiTokens = deps.apiTokens ?? new ApiTokenStore(deps.registry);
  const datasetStore = deps.datasetStore ?? new DatasetStore(deps.registry);
  const authenticate = bearerAuth(deps.principals, apiTokenResolver(apiTokens));
  const metrics = createControlMetrics({ registry: deps.registry, edge: deps.edge });
  const v1 = new Hono<ApiEnv>()
    .use(authenticate)
    // Who the token signs in as: the CLI's whoami and --mine.
    .get('/whoami', (c) => c.json({ name: c.get('principal').name, roles: c.get('principal').roles }))
    .route('/pipelines', pipelineRoutes({ gateway: deps.gateway, taskQueue: deps.taskQueue, templates, datasets: deps.datasets, rollout: deps.edge !== undefined }))
    .route('/models', modelTemplateRoutes({ registry: deps.registry }))
    .route('/models', modelRoutes({ registry: deps.registry, blobs: deps.blobs, edge: deps.edge, gateway: deps.gateway }))
    .route('/models', modelCardRoutes({ registry: deps.registry, edge: deps.edge }))
    .route('/models', retrainRoutes({ gateway: deps.gateway, taskQueue: deps.taskQueue, registry: deps.registry }))
    .route('/models', retrainScheduleRoutes({ schedules: deps.schedules, taskQueue: deps.taskQueue, registry: deps.registry }))
    .route('/audit', auditRoutes({ registry: deps.registry }))
    .route('/datasets', datasetRoutes({
        datasets: datasetStore,
        blobs: deps.blobs,
        uploadMaxBytes: deps.datasetUploadMaxBytes,
        spoolDir: deps.datasetSpoolDir,
        onNewVersion: newDataRetrains({ registry: deps.registry, gateway: deps.gateway, taskQueue: deps.taskQueue }),
      }))
    .route('/tokens', tokenRoutes({ tokens: apiTokens, principals: deps.principals }));

  const jsonBodyLimit = limitBody(deps.maxBodyBytes);
  const app = new Hono<ApiEnv>()
    .use(metrics.http.middleware())
    .use(requestId)
    // Dataset uploads stream past this limit under their own.
    .use((c, next) => (isDatasetStreamingRoute(c.req.method, c.req.path) ? next() : jsonBodyLimit(c, next)))
    .get('/healthz', (c) => c.json({ ok: true }))
    // Prometheus scrapes with a viewer token (any role reads it).
    .get('/metrics', authenticate, requireRole('viewer'), exposeMetrics(metrics.registry))
    .route('/v1', v1);
  app.onError(onError);
  app.notFound(notFound);
  return app;
}

export type ControlApp = ReturnType<typeof createControlApp>;
