// /admin: what rollouts and operators do to the serving side: publish a version (artifact, signature,
// reference profile), set traffic weights, read metrics and drift, unpublish. Admin role only.
// Every write is idempotent, so a retried rollout activity is safe.
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { computeDrift, driftPolicySchema } from '../../core/monitoring/drift-report';
import { retrainPolicySchema } from '../../core/monitoring/retrain-trigger';
import { runDriftMonitor, type RetrainRequester } from './drift-monitor';
import { modelSignatureSchema } from '../../core/serving/model-signature';
import { servedTemplateSchema } from '../../core/pipeline/pipeline-template';
import { referenceProfileSchema } from '../../core/monitoring/reference-profile';
import { summarizeSketch } from '../../core/monitoring/sketch-summary';
import { validateWeights } from '../../core/serving/traffic-routing';
import { driftCurrentOf } from '../../core/monitoring/version-sketch';
import { WindsockError } from '../../core/windsock-error';
import { requireRole } from '../http/bearer-auth';
import { validate } from '../http/validate';
import type { ServingStore } from './serving-store';
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


const publishBody = z.strictObject({
  artifactSha256: sha256,
  signature: modelSignatureSchema,
  referenceProfile: referenceProfileSchema,
});

const trafficBody = z.strictObject({
  weights: z.record(z.string().regex(/^\d+$/, 'version numbers'), z.number()),
  /** The rollout step that made this change: a change with a lower step than the current one is stale. */
  step: z.number().int().min(0).optional(),
});

export const artifactKey = (name: string, version: number, digest: string) => `models/${name}/${version}/${digest}.onnx`;

export function servingAdminRoutes(deps: ServingAdminDeps) {
  return new Hono<ApiEnv>()
    .use(requireRole('admin'))
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
    })
    .put('/models/:name/versions/:v', validate('param', modelVersionParam), validate('json', publishBody), async (c) => {
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
    .get('/models/:name', validate('param', modelParam), async (c) => {
      const { name } = c.req.valid('param');
      const deployments = await deps.store.listDeployments(name);
      if (deployments.length === 0) throw new WindsockError('not_found', `model '${name}' has no published versions`);
      return c.json({
        model: name,
        versions: deployments.map(({ version, artifactSha256, signature, publishedBy, publishedAt }) => ({ version, artifactSha256, signature, publishedBy, publishedAt })),
        traffic: (await deps.store.getTraffic(name)) ?? null,
      });
    })
    .put('/models/:name/traffic', validate('param', modelParam), validate('json', trafficBody), async (c) => {
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
      return c.json({ model: name, ...result.current });
    })
    .delete('/models/:name/versions/:v', validate('param', modelVersionParam), async (c) => {
      const { name, v } = c.req.valid('param');
      const weight = (await deps.store.getTraffic(name))?.weights[String(v)] ?? 0;
      if (weight > 0) throw new WindsockError('conflict', `${name} v${v} still serves ${weight}% of traffic; move its traffic first`);
      await deps.store.unpublish(name, v);
      deps.catalog.invalidate(name);
      return c.json({ model: name, version: v, unpublished: true });
    })
    .get('/models/:name/metrics', validate('param', modelParam), validate('query', timeWindowQuery), async (c) => {
      const { name } = c.req.valid('param');
      const query = c.req.valid('query');
      const window = windowMinutes(query, Date.now());
      const merged = await mergedSketches(deps.store, name, window.fromMinute, window.toMinute, query.version);
      return c.json({
        model: name,
        from: new Date(window.from).toISOString(),
        to: new Date(window.to).toISOString(),
        versions: Object.fromEntries([...merged].map(([version, sketch]) => [version, summarizeSketch(sketch)])),
      });
    })
    .get('/models/:name/sketches', validate('param', modelParam), validate('query', timeWindowQuery), async (c) => {
      // The merged sketches themselves, for analyses that need more than the summary (canary decisions).
      const { name } = c.req.valid('param');
      const query = c.req.valid('query');
      const window = windowMinutes(query, Date.now());
      const merged = await mergedSketches(deps.store, name, window.fromMinute, window.toMinute, query.version);
      return c.json({ model: name, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), versions: Object.fromEntries(merged) });
    })
    .get('/models/:name/drift', validate('param', modelParam), validate('query', timeWindowQuery), async (c) => {
      const { name } = c.req.valid('param');
      const query = c.req.valid('query');
      const window = windowMinutes(query, Date.now(), 60);
      const merged = await mergedSketches(deps.store, name, window.fromMinute, window.toMinute, query.version);
      const policy = driftPolicySchema.parse((await deps.store.getDriftPolicy(name)) ?? {});
      const versions: Record<string, unknown> = {};
      for (const [version, sketch] of merged) {
        const deployment = await deps.store.getDeployment(name, version);
        if (!deployment) continue;
        versions[version] = computeDrift({ profile: deployment.referenceProfile, current: driftCurrentOf(sketch), policy });
      }
      return c.json({ model: name, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), versions });
    })
    .put('/models/:name/drift-policy', validate('param', modelParam), validate('json', driftPolicySchema), async (c) => {
      const { name } = c.req.valid('param');
      await deps.store.setDriftPolicy(name, c.req.valid('json'));
      return c.json({ model: name, driftPolicy: c.req.valid('json') });
    })
    .put('/models/:name/retrain-policy', validate('param', modelParam), validate('json', retrainPolicySchema.partial({ drift: true })), async (c) => {
      // Left out, the drift settings are the model's drift policy, so the stored reports and the
      // retrain decisions answer the same question.
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      const drift = body.drift ?? driftPolicySchema.parse((await deps.store.getDriftPolicy(name)) ?? {});
      const policy = retrainPolicySchema.parse({ ...body, drift });
      await deps.store.setRetrainPolicy(name, policy);
      return c.json({ model: name, retrainPolicy: policy });
    })
    .get('/models/:name/retrain-policy', validate('param', modelParam), async (c) => {
      const { name } = c.req.valid('param');
      const stored = await deps.store.getRetrainPolicy(name);
      if (!stored) throw new WindsockError('not_found', `model '${name}' has no retrain policy; PUT one to retrain on drift`);
      return c.json({ model: name, retrainPolicy: stored.policy, lastTriggeredAt: stored.lastTriggeredAt?.toISOString() ?? null });
    })
    .post('/drift-monitor/run', async (c) => {
      // What the cron does each period, on demand: drift reports, and retrain requests where due.
      return c.json({ results: await runDriftMonitor(deps.store, Date.now(), { retrain: deps.retrain }) });
    })
    .put('/models/:name/template', validate('param', modelParam), validate('json', servedTemplateSchema), async (c) => {
      const { name } = c.req.valid('param');
      await deps.store.putTemplate(name, c.req.valid('json'));
      return c.json({ model: name, template: 'stored' });
    })
    .get('/models/:name/drift-reports', validate('param', modelParam), async (c) => {
      return c.json({ model: c.req.valid('param').name, reports: await deps.store.latestDriftReports(c.req.valid('param').name) });
    })
    .post('/flush', async (c) => {
      await deps.recorder.flush();
      return c.json({ flushed: true });
    });
}

/** A 403 for a change serving cannot verify, even under an admin token; a no-op without a verifier. */
async function requireSignedChange(c: Context<ApiEnv>, verify: ChangeVerifier | undefined): Promise<void> {
  if (!verify) return;
  const why = await verify(c.req.method, c.req.path, { signature: c.req.header(CHANGE_SIGNATURE_HEADER), at: c.req.header(CHANGE_AT_HEADER) }, await c.req.json());
  if (why) throw new WindsockError('forbidden', why);
}
