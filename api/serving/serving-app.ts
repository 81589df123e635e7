// The inference app: Open Inference Protocol routes under /v2 and the admin routes under /admin,
// built from ports so the same app serves on Workers and on Node.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Hono } from 'hono';
import type { InferenceLimits } from '../../core/serving/inference-protocol';
import type { Principal } from '../../core/auth/principals';
import { bearerAuth } from '../http/bearer-auth';
import { limitBody } from '../http/body-limit';
import { servedTemplateSchema } from '../../core/pipeline/pipeline-template';
import { pipelineRoutes, type DatasetResolver } from '../pipelines/pipeline-routes';
import type { TemporalGateway } from '../temporal/temporal-gateway';
import { notFound, onError as envelopeError, requestId } from '../http/error-envelope';
import { mountApiReference } from '../openapi/api-reference-routes';
import { documentInferenceRoutes } from '../openapi/inference-route-docs';
import { servingAdminRoutes } from './serving-admin-routes';
import { temporalRetrainRequester } from './temporal-retrain-requester';
import type { ServingStore } from './serving-store';
import type { ApiEnv } from '../http/api-env';
import { inferenceRoutes, protocolJson, requestIdOf } from './inference-routes';
import { ModelCatalog } from './model-catalog';
import { SketchRecorder, type RecorderOptions, type SketchSink } from './sketch-recorder';
import { workersLatencyClock, type ArtifactSource, type Defer, type InferenceBackend, type LatencyClock } from './serving-ports';
import type { ChangeVerifier } from '../../contracts/serving-change-signature';
import { GroundTruthStore, type PredictionSink } from './ground-truth-store';
import { feedbackRoutes } from './feedback-routes';
import { accuracyRoutes } from './accuracy-routes';

export interface ServingAppOptions {
  store: ServingStore;
  artifacts: ArtifactSource;
  backend: InferenceBackend;
  principals: Principal[];
  defer: (c: Context) => Defer;
  /** How requests are timed (default: the Workers way, right on any runtime but coarse on Node). */
  clock?: LatencyClock;
  /** How long an isolate or replica trusts its cached weights (a weight change reaches all within it). */
  routingCacheMs?: number;
  recorder?: Partial<RecorderOptions>;
  /** Where the recorder writes its batches (default: the store, on the request path's thread). */
  sketchSink?: SketchSink;
  /** Off turns the recording of serving statistics off (benchmarks compare the two). */
  recording?: boolean;
  /** Off stops remembering predictions for ground truth (labels then find nothing to join); on by default. */
  rememberPredictions?: boolean;
  /** Where remembered predictions are written (default: the store, on the request path's thread). */
  predictionSink?: PredictionSink;
  /** Who may send labels (POST /v2/models/:name/feedback) besides the admin principals: WINDSOCK_FEEDBACK_TOKENS. */
  feedbackPrincipals?: Principal[];
  limits?: Partial<InferenceLimits & { maxBodyBytes: number; maxArtifactBytes: number }>;
  /** Checks publishes and traffic changes against the control plane's signing key (WINDSOCK_CHANGE_PUBLIC_KEY). */
  verifyChange?: ChangeVerifier;
  /** Mounts the pipeline routes (/v1/pipelines), reaching Temporal through this gateway. */
  pipelines?: { gateway: TemporalGateway; taskQueue: string; datasets: DatasetResolver; rollout?: boolean };
}

export interface ServingApp {
  app: Hono<ApiEnv>;
  catalog: ModelCatalog;
  recorder: SketchRecorder;
}

export function createServingApp(options: ServingAppOptions): ServingApp {
  const catalog = new ModelCatalog(options.store, options.artifacts, options.backend, options.routingCacheMs ?? 5000);
  const clock = options.clock ?? workersLatencyClock;
  const groundTruth = new GroundTruthStore(options.store.db);
  const predictionSink = options.rememberPredictions === false ? undefined : (options.predictionSink ?? groundTruth);
  const recorder = new SketchRecorder(options.sketchSink ?? options.store, { maxPendingRequests: 500, maxPendingMs: 2000, ...options.recorder }, clock, undefined, predictionSink);
  const limits = { maxBatch: 1024, maxElements: 1_000_000, maxBodyBytes: 4 * 1024 * 1024, maxArtifactBytes: 100 * 1024 * 1024, ...options.limits };

  // OpenAPIHono: the admin and pipeline routes' declarations make up GET /openapi.json.
  const app = new OpenAPIHono<ApiEnv>();
  // /v2 runs without middleware (Hono then calls its handler directly): its handlers take the
  // request id and the arrival time themselves, and set their headers in the Response they build.
  app.route('/v2', inferenceRoutes({ catalog, recorder, clock, recording: options.recording ?? true, defer: options.defer, limits, ready: async () => (await options.store.listModels(), true) }));
  const admins = options.principals.filter((p) => p.roles.includes('admin'));
  app.route('/v2', feedbackRoutes({ store: options.store, groundTruth, principals: [...(options.feedbackPrincipals ?? []), ...admins] }));
  app.use('/admin/*', requestId);
  // Artifacts have their own, larger limit (maxArtifactBytes, checked as they stream in).
  const jsonLimit = limitBody();
  app.use('/admin/*', (c, next) => (c.req.path.endsWith('/artifact') ? next() : jsonLimit(c, next)));
  app.use('/admin/*', bearerAuth(options.principals));
  const retrain = options.pipelines ? temporalRetrainRequester(options.pipelines.gateway, options.pipelines.taskQueue) : undefined;
  app.route('/admin', accuracyRoutes({ store: options.store, groundTruth }));
  app.route('/admin', servingAdminRoutes({ store: options.store, artifacts: options.artifacts, backend: options.backend, catalog, recorder, maxArtifactBytes: limits.maxArtifactBytes, retrain, verifyChange: options.verifyChange }));
  if (options.pipelines) {
    const templates = {
      get: async (name: string) => {
        const stored = await options.store.getTemplate(name);
        if (stored === undefined) return undefined;
        const { templateRevision, ...template } = servedTemplateSchema.parse(stored);
        return { template, revision: templateRevision };
      },
      names: () => options.store.templateNames(),
    };
    app.use('/v1/*', requestId);
    app.use('/v1/*', jsonLimit);
    app.use('/v1/*', bearerAuth(options.principals));
    app.route('/v1/pipelines', pipelineRoutes({ ...options.pipelines, templates, rollout: options.pipelines.rollout ?? true }));
  }
  // GET /openapi.json and GET /docs, public: the API's shape, no data (docs/api-reference.md).
  documentInferenceRoutes(app);
  mountApiReference(app, { title: 'Windsock inference app', version: '1', description: 'The Open Inference Protocol (/v2), the admin routes a rollout drives (/admin), and the pipeline routes (/v1/pipelines) where Temporal is reachable.' });
  app.onError((err, c) => {
    // The protocol routes answer in the protocol's error form; never a stack trace.
    if (c.req.path.startsWith('/v2/')) {
      console.error(`[inference] ${requestIdOf(c)} ${c.req.method} ${c.req.path}:`, err);
      return protocolJson(c, { error: `internal error (request ${requestIdOf(c)})` }, 500);
    }
    return envelopeError(err, c);
  });
  app.notFound(async (c) => {
    if (c.req.path.startsWith('/v2/')) return protocolJson(c, { error: `no route for ${c.req.method} ${c.req.path}` }, 404);
    // Paths outside /admin and /v1 had no requestId middleware; the envelope still carries an id.
    if (c.get('requestId') === undefined) await requestId(c, async () => {});
    return notFound(c);
  });
  return { app, catalog, recorder };
}
