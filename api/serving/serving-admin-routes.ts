// /admin: what rollouts and operators do to the serving side: publish a version (artifact, signature,
// reference profile), set traffic weights, read metrics and drift, unpublish. Admin role only.
// Every write is idempotent, so a retried rollout activity is safe.
import type { Context } from 'hono';
import { z } from 'zod';
import { computeDrift, driftPolicySchema, type DriftReport } from '../../core/monitoring/drift-report';
import { retrainPolicySchema } from '../../core/monitoring/retrain-trigger';
import { runDriftMonitor, type DriftMonitorResult, type RetrainRequester } from './drift-monitor';
import { modelSignatureSchema } from '../../core/serving/model-signature';
import { servedTemplateSchema } from '../../core/pipeline/pipeline-template';
import { referenceProfileSchema } from '../../core/monitoring/reference-profile';
import { summarizeSketch, type SketchSummary } from '../../core/monitoring/sketch-summary';
import { validateWeights } from '../../core/serving/traffic-routing';
import { driftCurrentOf, type VersionSketch } from '../../core/monitoring/version-sketch';
import { WindsockError } from '../../core/windsock-error';
import { requireRole } from '../http/bearer-auth';
import { validate } from '../http/validate';
import { apiRoute, documentRoute, jsonAnswer, jsonBody, openApiRoutes, typedObject } from '../http/openapi-routes';
import type { Deployment, ServingStore, TrafficWeights } from './serving-store';
import type { ApiEnv } from '../http/api-env';
import { mergedSketches } from './merged-sketches';
import type { ModelCatalog } from './model-catalog';
import type { SketchRecorder } from './sketch-recorder';
import type { ArtifactSource, InferenceBackend } from './serving-ports';
import { timeWindowQuery, windowMinutes } from './time-window';
import { modelParam, modelVersionParam, sha256Digest as sha256, sha256Pattern } from '../../contracts/shared-params';
import { sha256Hex } from '../http/sha256-hex';
import { BodyTooLarge, readBoundedBytes } from '../http/bounded-body';
import { CHANGE_AT_HEADER, CHANGE_SIGNATURE_HEADER, type ChangeVerifier } from '../../contracts/serving-change-signature';

export interface ServingAdminDeps {
  store: ServingStore;
  artifacts: ArtifactSource;
  backend: InferenceBackend;
  catalog: ModelCatalog;
  recorder: SketchRecorder;
  maxArtifactBytes: number;
  /** Where the drift monitor sends retrain requests; absent when this app has no Temporal gateway. */
  retrain?: RetrainRequester;
  /** Checks that a publish or traffic change was signed by the control plane; absent: unsigned changes are taken. */
  verifyChange?: ChangeVerifier;
}

export const publishBody = z.strictObject({
  artifactSha256: sha256,
  signature: modelSignatureSchema,
  referenceProfile: referenceProfileSchema,
});

export const trafficBody = z.strictObject({
  weights: z.record(z.string().regex(/^\d+$/, 'version numbers'), z.number()),
  /** The rollout step that made this change: a change with a lower step than the current one is stale. */
  step: z.number().int().min(0).optional(),
});

export const artifactKey = (name: string, version: number, digest: string) => `models/${name}/${version}/${digest}.onnx`;

export const retrainPolicyBody = retrainPolicySchema.partial({ drift: true });

/** GET /admin/models/:name: the published versions and the traffic weights. */
function deploymentsView(model: string, deployments: Deployment[], traffic: TrafficWeights | null) {
  return {
    model,
    versions: deployments.map(({ version, artifactSha256, signature, publishedBy, publishedAt }) => ({ version, artifactSha256, signature, publishedBy, publishedAt })),
    traffic,
  };
}

const admin = { roles: ['admin'] } as const;
const tags = ['serving admin'];
const windowAnswer = <T>(name: string, description: string) =>
  typedObject<{ model: string; from: string; to: string; versions: Record<string, T> }>(name, description, { model: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, versions: { type: 'object' } });

const publishRoute = apiRoute(
  { ...admin, errors: [409, 422] },
  {
    method: 'put',
    path: '/models/{name}/versions/{v}',
    tags,
    summary: 'Publishes a version whose artifact was uploaded: it must load and match its signature (signed by the control plane when serving has its key); a repeat is a no-op',
    request: { params: modelVersionParam, body: jsonBody(publishBody) },
    responses: {
      200: jsonAnswer(z.object({ model: z.string(), version: z.number().int(), published: z.enum(['created', 'unchanged']) }).openapi('PublishedVersion'), 'published before with this artifact'),
      201: jsonAnswer(z.object({ model: z.string(), version: z.number().int(), published: z.enum(['created', 'unchanged']) }).openapi('PublishedVersion'), 'published'),
    },
  },
);
const deploymentsRoute = apiRoute(admin, {
  method: 'get',
  path: '/models/{name}',
  tags,
  summary: "The model's published versions and traffic weights",
  request: { params: modelParam },
  responses: { 200: jsonAnswer(typedObject<ReturnType<typeof deploymentsView>>('ServedModel', 'The published versions (sha256, signature, who published them) and the traffic weights (null before any).', { model: { type: 'string' }, versions: { type: 'array' }, traffic: { type: 'object' } }), 'the model') },
});
const trafficRoute = apiRoute(
  { ...admin, errors: [409, 422] },
  {
    method: 'put',
    path: '/models/{name}/traffic',
    tags,
    summary: 'Sets the traffic weights (signed by the control plane when serving has its key); a step below the current one is a stale change (409)',
    request: { params: modelParam, body: jsonBody(trafficBody) },
    responses: { 200: jsonAnswer(typedObject<{ model: string } & TrafficWeights>('TrafficState', 'The weights now, their rollout step, and who set them.', { model: { type: 'string' }, weights: { type: 'object' }, step: { type: 'integer' } }), 'set') },
  },
);
const unpublishRoute = apiRoute(
  { ...admin, errors: [409] },
  {
    method: 'delete',
    path: '/models/{name}/versions/{v}',
    tags,
    summary: 'Unpublishes a version that serves no traffic',
    request: { params: modelVersionParam },
    responses: { 200: jsonAnswer(z.object({ model: z.string(), version: z.number().int(), unpublished: z.boolean() }), 'unpublished') },
  },
);
const metricsRoute = apiRoute(admin, {
  method: 'get',
  path: '/models/{name}/metrics',
  tags,
  summary: "Each version's serving statistics over a window (15 minutes by default)",
  request: { params: modelParam, query: timeWindowQuery },
  responses: { 200: jsonAnswer(windowAnswer<SketchSummary>('ServingMetrics', 'Per version: requests, errors, latency quantiles, predicted classes.'), 'the statistics') },
});
const sketchesRoute = apiRoute(admin, {
  method: 'get',
  path: '/models/{name}/sketches',
  tags,
  summary: "Each version's merged sketches over a window, for analyses beyond the summary (canary decisions)",
  request: { params: modelParam, query: timeWindowQuery },
  responses: { 200: jsonAnswer(windowAnswer<VersionSketch>('ServingSketches', 'Per version: the merged latency, error, class and feature sketches.'), 'the sketches') },
});
const driftRoute = apiRoute(admin, {
  method: 'get',
  path: '/models/{name}/drift',
  tags,
  summary: "Each version's drift against its reference profile over a window (an hour by default)",
  request: { params: modelParam, query: timeWindowQuery },
  responses: { 200: jsonAnswer(windowAnswer<DriftReport>('DriftReports', 'Per version: the drift report (drift share, drifted features, per-feature tests).'), 'the drift') },
});
const driftPolicyRoute = apiRoute(admin, {
  method: 'put',
  path: '/models/{name}/drift-policy',
  tags,
  summary: "Sets the model's drift policy",
  request: { params: modelParam, body: jsonBody(driftPolicySchema) },
  responses: { 200: jsonAnswer(z.object({ model: z.string(), driftPolicy: driftPolicySchema }), 'set') },
});
const putRetrainPolicyRoute = apiRoute(admin, {
  method: 'put',
  path: '/models/{name}/retrain-policy',
  tags,
  summary: "Sets the model's retrain-on-drift policy (its drift settings default to the drift policy)",
  request: { params: modelParam, body: jsonBody(retrainPolicyBody) },
  responses: { 200: jsonAnswer(z.object({ model: z.string(), retrainPolicy: retrainPolicySchema }), 'set') },
});
const getRetrainPolicyRoute = apiRoute(admin, {
  method: 'get',
  path: '/models/{name}/retrain-policy',
  tags,
  summary: "The model's retrain policy and when it last asked for a retrain",
  request: { params: modelParam },
  responses: { 200: jsonAnswer(z.object({ model: z.string(), retrainPolicy: z.unknown(), lastTriggeredAt: z.string().nullable() }), 'the policy') },
});
const driftMonitorRoute = apiRoute(admin, {
  method: 'post',
  path: '/drift-monitor/run',
  tags,
  summary: 'Runs the drift monitor now, as the cron does: drift reports, and retrain requests where due',
  responses: { 200: jsonAnswer(z.object({ results: z.array(typedObject<DriftMonitorResult>('DriftMonitorResult', 'One version: its drift verdict and, under a retrain policy, the retrain decision.', { model: { type: 'string' }, version: { type: 'integer' } })) }), 'the results') },
});
const templateRoute = apiRoute(admin, {
  method: 'put',
  path: '/models/{name}/template',
  tags,
  summary: "Stores the model's pipeline template, so that pipelines can start here",
  request: { params: modelParam, body: jsonBody(servedTemplateSchema) },
  responses: { 200: jsonAnswer(z.object({ model: z.string(), template: z.literal('stored') }), 'stored') },
});
const driftReportsRoute = apiRoute(admin, {
  method: 'get',
  path: '/models/{name}/drift-reports',
  tags,
  summary: 'The newest stored drift reports',
  request: { params: modelParam },
  responses: { 200: jsonAnswer(typedObject<{ model: string; reports: Awaited<ReturnType<ServingStore['latestDriftReports']>> }>('StoredDriftReports', 'The drift monitor\'s newest reports, newest first.', { model: { type: 'string' }, reports: { type: 'array' } }), 'the reports') },
});
const flushRoute = apiRoute(admin, {
  method: 'post',
  path: '/flush',
  tags,
  summary: "Writes this isolate's pending serving statistics now",
  responses: { 200: jsonAnswer(z.object({ flushed: z.boolean() }), 'written') },
});

/** The artifact upload reads its bytes itself (bounded, hashed): a plain route, documented here. */
function documentArtifactUpload(app: ReturnType<typeof openApiRoutes>): void {
  documentRoute(app, admin, {
    method: 'put',
    path: '/models/{name}/versions/{v}/artifact',
    tags,
    summary: "Uploads a version's ONNX artifact, checked against the sha256 in x-windsock-sha256",
    request: {
      params: modelVersionParam,
      headers: z.object({ 'x-windsock-sha256': sha256 }),
      body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    },
    responses: { 201: jsonAnswer(z.object({ key: z.string(), sha256: z.string(), size: z.number().int() }).openapi('StoredArtifact'), 'stored') },
  });
}

export function servingAdminRoutes(deps: ServingAdminDeps) {
  const app = openApiRoutes();
  app.use(requireRole('admin'));
  documentArtifactUpload(app);
  return app
    .openapi(publishRoute, async (c) => {
      const { name, v } = c.req.valid('param');
      const body = c.req.valid('json');
      await requireSignedChange(c, deps.verifyChange);
      const key = artifactKey(name, v, body.artifactSha256);
      const existing = await deps.store.getDeployment(name, v);
      if (existing?.artifactSha256 === body.artifactSha256) return c.json({ model: name, version: v, published: 'unchanged' }, 200);
      if (existing) throw new WindsockError('conflict', `${name} v${v} is already published with sha256 ${existing.artifactSha256}; versions are immutable`);
      const bytes = await deps.artifacts.get(key);
      if (!bytes) throw new WindsockError('unprocessable', `upload the artifact first: PUT /admin/models/${name}/versions/${v}/artifact`);
      // The health check of a published version: it must load and agree with its declared signature.
      let session;
      try {
        session = await deps.backend.load(bytes, body.signature);
      } catch (err) {
        throw new WindsockError('unprocessable', `${name} v${v} does not load in ${deps.backend.name}: ${(err as Error).message}`);
      }
      await session.release();
      const result = await deps.store.publish({
        modelName: name,
        version: v,
        artifactKey: key,
        artifactSha256: body.artifactSha256,
        signature: body.signature,
        referenceProfile: body.referenceProfile,
        publishedBy: c.get('principal').name,
        publishedAt: new Date(),
      });
      deps.catalog.invalidate(name);
      return c.json({ model: name, version: v, published: result }, result === 'created' ? 201 : 200);
    })
    .openapi(deploymentsRoute, async (c) => {
      const { name } = c.req.valid('param');
      const deployments = await deps.store.listDeployments(name);
      if (deployments.length === 0) throw new WindsockError('not_found', `model '${name}' has no published versions`);
      return c.json(deploymentsView(name, deployments, (await deps.store.getTraffic(name)) ?? null), 200);
    })
    .openapi(trafficRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { weights, step } = c.req.valid('json');
      await requireSignedChange(c, deps.verifyChange);
      const problems = validateWeights(weights);
      if (problems.length) throw new WindsockError('bad_request', `invalid weights: ${problems.join('; ')}`);
      const published = new Set((await deps.store.listDeployments(name)).map((d) => String(d.version)));
      const missing = Object.keys(weights).filter((v) => weights[v]! > 0 && !published.has(v));
      if (missing.length) throw new WindsockError('unprocessable', `model '${name}' has no published version ${missing.join(', ')}`);
      const current = await deps.store.getTraffic(name);
      const result = await deps.store.setTraffic(name, weights, step ?? (current?.step ?? 0) + 1, c.get('principal').name);
      deps.catalog.invalidate(name);
      if (!result.applied) {
        throw new WindsockError('conflict', `stale traffic change: step ${step} is not past the current step ${result.current.step} (another change took it)`, { details: result.current });
      }
      return c.json({ model: name, ...result.current }, 200);
    })
    .openapi(unpublishRoute, async (c) => {
      const { name, v } = c.req.valid('param');
      const weight = (await deps.store.getTraffic(name))?.weights[String(v)] ?? 0;
      if (weight > 0) throw new WindsockError('conflict', `${name} v${v} still serves ${weight}% of traffic; move its traffic first`);
      await deps.store.unpublish(name, v);
      deps.catalog.invalidate(name);
      return c.json({ model: name, version: v, unpublished: true }, 200);
    })
    .openapi(metricsRoute, async (c) => {
      const { name } = c.req.valid('param');
      const query = c.req.valid('query');
      const window = windowMinutes(query, Date.now());
      const merged = await mergedSketches(deps.store, name, window.fromMinute, window.toMinute, query.version);
      return c.json({
        model: name,
        from: new Date(window.from).toISOString(),
        to: new Date(window.to).toISOString(),
        versions: Object.fromEntries([...merged].map(([version, sketch]) => [version, summarizeSketch(sketch)])),
      }, 200);
    })
    .openapi(sketchesRoute, async (c) => {
      // The merged sketches themselves, for analyses that need more than the summary (canary decisions).
      const { name } = c.req.valid('param');
      const query = c.req.valid('query');
      const window = windowMinutes(query, Date.now());
      const merged = await mergedSketches(deps.store, name, window.fromMinute, window.toMinute, query.version);
      return c.json({ model: name, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), versions: Object.fromEntries(merged) }, 200);
    })
    .openapi(driftRoute, async (c) => {
      const { name } = c.req.valid('param');
      const query = c.req.valid('query');
      const window = windowMinutes(query, Date.now(), 60);
      const merged = await mergedSketches(deps.store, name, window.fromMinute, window.toMinute, query.version);
      const policy = driftPolicySchema.parse((await deps.store.getDriftPolicy(name)) ?? {});
      const versions: Record<string, DriftReport> = {};
      for (const [version, sketch] of merged) {
        const deployment = await deps.store.getDeployment(name, version);
        if (!deployment) continue;
        versions[version] = computeDrift({ profile: deployment.referenceProfile, current: driftCurrentOf(sketch), policy });
      }
      return c.json({ model: name, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), versions }, 200);
    })
    .openapi(driftPolicyRoute, async (c) => {
      const { name } = c.req.valid('param');
      await deps.store.setDriftPolicy(name, c.req.valid('json'));
      return c.json({ model: name, driftPolicy: c.req.valid('json') }, 200);
    })
    .openapi(putRetrainPolicyRoute, async (c) => {
      // Left out, the drift settings are the model's drift policy, so the stored reports and the
      // retrain decisions answer the same question.
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      const drift = body.drift ?? driftPolicySchema.parse((await deps.store.getDriftPolicy(name)) ?? {});
      const policy = retrainPolicySchema.parse({ ...body, drift });
      await deps.store.setRetrainPolicy(name, policy);
      return c.json({ model: name, retrainPolicy: policy }, 200);
    })
    .openapi(getRetrainPolicyRoute, async (c) => {
      const { name } = c.req.valid('param');
      const stored = await deps.store.getRetrainPolicy(name);
      if (!stored) throw new WindsockError('not_found', `model '${name}' has no retrain policy; PUT one to retrain on drift`);
      return c.json({ model: name, retrainPolicy: stored.policy, lastTriggeredAt: stored.lastTriggeredAt?.toISOString() ?? null }, 200);
    })
    .openapi(driftMonitorRoute, async (c) => {
      // What the cron does each period, on demand: drift reports, and retrain requests where due.
      return c.json({ results: await runDriftMonitor(deps.store, Date.now(), { retrain: deps.retrain }) }, 200);
    })
    .openapi(templateRoute, async (c) => {
      const { name } = c.req.valid('param');
      await deps.store.putTemplate(name, c.req.valid('json'));
      return c.json({ model: name, template: 'stored' as const }, 200);
    })
    .openapi(driftReportsRoute, async (c) => {
      return c.json({ model: c.req.valid('param').name, reports: await deps.store.latestDriftReports(c.req.valid('param').name) }, 200);
    })
    .openapi(flushRoute, async (c) => {
      await deps.recorder.flush();
      return c.json({ flushed: true }, 200);
    })
    .put('/models/:name/versions/:v/artifact', validate('param', modelVersionParam), async (c) => {
      const { name, v } = c.req.valid('param');
      const declared = c.req.header('x-windsock-sha256');
      if (!declared || !sha256Pattern.test(declared)) throw new WindsockError('bad_request', 'send the artifact sha256 (lowercase hex) in x-windsock-sha256');
      const bytes = await readBoundedBytes(c.req.raw, deps.maxArtifactBytes).catch((err: unknown) => {
        throw err instanceof BodyTooLarge ? new WindsockError('payload_too_large', `artifact larger than ${deps.maxArtifactBytes} bytes`) : err;
      });
      if (bytes.byteLength === 0) throw new WindsockError('bad_request', 'empty artifact body');
      const actual = await sha256Hex(bytes);
      if (actual !== declared) throw new WindsockError('bad_request', `artifact sha256 is ${actual}, not the declared ${declared}`);
      const key = artifactKey(name, v, actual);
      await deps.artifacts.put(key, bytes);
      return c.json({ key, sha256: actual, size: bytes.byteLength }, 201);
    });
}

/** A 403 for a change serving cannot verify, even under an admin token; a no-op without a verifier. */
async function requireSignedChange(c: Context<ApiEnv>, verify: ChangeVerifier | undefined): Promise<void> {
  if (!verify) return;
  const why = await verify(c.req.method, c.req.path, { signature: c.req.header(CHANGE_SIGNATURE_HEADER), at: c.req.header(CHANGE_AT_HEADER) }, await c.req.json());
  if (why) throw new WindsockError('forbidden', why);
}

/** The admin routes' own type, for the control plane's typed client (activities/edge-client.ts). */
export type ServingAdminApp = ReturnType<typeof servingAdminRoutes>;
