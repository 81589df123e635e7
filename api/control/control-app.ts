// The control API (Hono on Node): health, pipelines through Temporal, the registry's models, API tokens.
import { OpenAPIHono } from '@hono/zod-openapi';
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
import { mountApiReference } from '../openapi/api-reference-routes';
import { createControlMetrics } from './control-metrics';
import { modelCardRoutes } from './routes/model-card-routes';
import { auditRoutes } from './routes/audit-routes';
import { datasetRoutes, isDatasetStreamingRoute } from './routes/dataset-routes';
import { modelRoutes } from './routes/model-routes';
import { modelTemplateRoutes } from './routes/model-template-routes';
import { newDataRetrains } from './new-data-retrains';
import { pipelineRoutes, type DatasetResolver } from '../pipelines/pipeline-routes';
import { pipelineTrialsRoutes } from '../pipelines/pipeline-trials-routes';
import { retrainScheduleRoutes } from './routes/retrain-schedule-routes';
import { retrainRoutes } from './routes/retrain-routes';
import { reproductionRoutes } from './routes/reproduction-routes';
import { batchRoutes } from './routes/batch-routes';
import type { BatchScheduleGateway } from './batch-schedule-gateway';
import { apiTokenResolver, tokenRoutes } from './routes/token-routes';
import { whoamiRoutes } from './routes/whoami-routes';
import { dashboardApp } from '../dashboard/dashboard-app';
import type { TemporalGateway } from '../temporal/temporal-gateway';
import type { RetrainScheduleGateway } from './retrain-schedule-gateway';

export interface ControlAppDeps {
  gateway: TemporalGateway;
  /** Retraining schedules as Temporal Schedules (the control API's own: gRPC only). */
  schedules: RetrainScheduleGateway;
  /** Batch schedules as Temporal Schedules (gRPC only); absent: a batch with `schedule` is refused. */
  batchSchedules?: BatchScheduleGateway;
  /** Whether object-store credentials are set, which an s3:// batch output needs. */
  objectStore?: boolean;
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
  // OpenAPIHono: the routes declared with createRoute make up GET /openapi.json; plain Hono sub-apps
  // mounted here serve as before and are just not in it.
  const v1 = new OpenAPIHono<ApiEnv>()
    .use(authenticate)
    // Who the token signs in as: the CLI's whoami and --mine.
    .route('/', whoamiRoutes())
    .route('/pipelines', pipelineRoutes({ gateway: deps.gateway, taskQueue: deps.taskQueue, templates, datasets: deps.datasets, rollout: deps.edge !== undefined }))
    .route('/pipelines', pipelineTrialsRoutes({ gateway: deps.gateway }))
    .route('/models', modelTemplateRoutes({ registry: deps.registry }))
    .route('/models', modelRoutes({ registry: deps.registry, blobs: deps.blobs, edge: deps.edge, gateway: deps.gateway }))
    .route('/models', modelCardRoutes({ registry: deps.registry, edge: deps.edge }))
    .route('/models', retrainRoutes({ gateway: deps.gateway, taskQueue: deps.taskQueue, registry: deps.registry }))
    .route('/models', reproductionRoutes({ gateway: deps.gateway, taskQueue: deps.taskQueue, registry: deps.registry, blobs: deps.blobs }))
    .route('/models', retrainScheduleRoutes({ schedules: deps.schedules, taskQueue: deps.taskQueue, registry: deps.registry }))
    .route('/', batchRoutes({ gateway: deps.gateway, schedules: deps.batchSchedules, registry: deps.registry, datasets: deps.datasets, objectStore: deps.objectStore ?? false, taskQueue: deps.taskQueue }))
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
  const root = new OpenAPIHono<ApiEnv>();
  const app = root
    .use(metrics.http.middleware())
    .use(requestId)
    // Dataset uploads stream past this limit under their own.
    .use((c, next) => (isDatasetStreamingRoute(c.req.method, c.req.path) ? next() : jsonBodyLimit(c, next)))
    .get('/healthz', (c) => c.json({ ok: true }))
    // Prometheus scrapes with a viewer token (any role reads it).
    .get('/metrics', authenticate, requireRole('viewer'), exposeMetrics(metrics.registry))
    .route('/v1', v1)
    // The operator dashboard (sign-in, approvals, rollouts, serving, audit) on its own paths under /.
    .route('/', dashboardApp({ gateway: deps.gateway, registry: deps.registry, blobs: deps.blobs, edge: deps.edge, datasets: deps.datasets, templates, taskQueue: deps.taskQueue, authenticate, apiTokens }));
  // GET /openapi.json and GET /docs, public: the API's shape, no data (docs/api-reference.md).
  mountApiReference(root, { title: 'Windsock control API', version: '1', description: 'Pipelines, models, datasets, retraining, audit and API tokens.' });
  app.onError(onError);
  app.notFound(notFound);
  return app;
}

export type ControlApp = ReturnType<typeof createControlApp>;
