// /v1/models: the registry's models and versions with metrics, artifact, signature and lineage.
import { z } from 'zod';
import type { EdgeClient } from '../../../activities/edge-client';
import { publishVersion } from '../../../activities/publish-version';
import type { BlobStore } from '../../../artifacts/blob-store';
import { WindsockError } from '../../../core/windsock-error';
import { CHAMPION } from '../../../registry/registry-store';
import type { RegistryStore } from '../../../registry/registry-store';
import type { Model, ModelVersion } from '../../../registry/registry-types';
import { apiRoute, jsonAnswer, jsonBody, openApiRoutes, typedObject } from '../../http/openapi-routes';
import { modelParam, modelVersionParam } from '../../../contracts/shared-params';
import { abortRolloutSignal, rolloutWorkflowId, type RolloutCommand } from '../../../contracts/canary-rollout-messages';
import type { TemporalGateway } from '../../temporal/temporal-gateway';

export const rollbackBody = z.strictObject({ version: z.number().int().min(1), reason: z.string().max(2000).optional() });

export interface ModelRouteDeps {
  registry: RegistryStore;
  blobs: BlobStore;
  /** The serving side to publish to; absent when none is configured. */
  edge?: EdgeClient;
  /** Temporal, through which a rollback aborts the model's running rollouts. */
  gateway?: TemporalGateway;
}

/** A version's detail carries its newest audit events, this many at most. */
const VERSION_AUDIT_EVENTS = 200;

/** Rollouts looked for when rolling back: the newest approved versions' (older ones have long ended). */
const ROLLOUTS_CHECKED = 10;

// What the routes answer, typed from the registry (no zod schema of its own yet: described loosely).
type ModelSummary = Pick<Awaited<ReturnType<RegistryStore['listModels']>>[number], 'name' | 'description' | 'revision' | 'latestVersion' | 'champion' | 'createdAt'>;
type VersionSummary = Pick<ModelVersion, 'version' | 'status' | 'metrics' | 'artifactSha256' | 'createdAt'>;
type AliasView = { version: number; previousVersion: number | null; updatedBy: string; updatedAt: Date };
type ModelDetail = Model & { aliases: Record<string, AliasView>; versions: VersionSummary[] };
type VersionDetail = ModelVersion & { approvals: Awaited<ReturnType<RegistryStore['listApprovals']>>; audit: Awaited<ReturnType<RegistryStore['listVersionAudit']>> };

const modelSummarySchema = typedObject<ModelSummary>('ModelSummary', 'A registered model: name, description, template revision, latest version and champion.', { name: { type: 'string' }, latestVersion: { type: 'integer' } });
const modelVersionSchema = typedObject<ModelVersion>('ModelVersion', 'A version of a model: status, metrics, artifact digest, signature, lineage and pipeline.', { version: { type: 'integer' }, status: { type: 'string' }, metrics: { type: 'object' } });
const trafficSchema = z.object({ weights: z.record(z.string(), z.number()), step: z.number().int() }).openapi('TrafficWeights');

const listModelsRoute = apiRoute(
  { roles: ['viewer'] },
  { method: 'get', path: '/', tags: ['models'], summary: 'The registered models', responses: { 200: jsonAnswer(z.object({ models: z.array(modelSummarySchema) }), 'the models') } },
);
const getModelRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/{name}',
    tags: ['models'],
    summary: 'A model with its template, aliases and versions',
    request: { params: modelParam },
    responses: { 200: jsonAnswer(typedObject<ModelDetail>('ModelDetail', 'The model (template included), its aliases (champion, ...) and a summary of each version.', { aliases: { type: 'object' }, versions: { type: 'array' } }), 'the model') },
  },
);
const listVersionsRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/{name}/versions',
    tags: ['models'],
    summary: "The model's versions, newest first",
    request: { params: modelParam },
    responses: { 200: jsonAnswer(z.object({ model: z.string(), versions: z.array(modelVersionSchema) }), 'the versions') },
  },
);
const getVersionRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/{name}/versions/{v}',
    tags: ['models'],
    summary: 'A version with its approvals and newest audit events',
    request: { params: modelVersionParam },
    responses: { 200: jsonAnswer(typedObject<VersionDetail>('ModelVersionDetail', 'The version, its approvals and its newest audit events (oldest first).', { approvals: { type: 'array' }, audit: { type: 'array' } }), 'the version') },
  },
);
const rollbackRoute = apiRoute(
  { roles: ['admin'], errors: [409, 503] },
  {
    method: 'post',
    path: '/{name}/rollback',
    tags: ['models'],
    summary: 'Rolls the model back to an approved version: the edge serves it at 100%, the champion alias moves, running rollouts are aborted',
    request: { params: modelParam, body: jsonBody(rollbackBody) },
    responses: {
      200: jsonAnswer(
        z.object({ model: z.string(), champion: z.number().int(), previousChampion: z.number().int().nullable(), traffic: trafficSchema, abortedRollouts: z.array(z.string()) }).openapi('Rollback'),
        'rolled back',
      ),
    },
  },
);
const publishRoute = apiRoute(
  { roles: ['admin'], errors: [409, 503] },
  {
    method: 'post',
    path: '/{name}/versions/{v}/publish',
    tags: ['models'],
    summary: 'Publishes an approved version to the edge (idempotent)',
    request: { params: modelVersionParam },
    responses: { 200: jsonAnswer(z.object({ model: z.string(), version: z.number().int(), published: z.enum(['created', 'unchanged']) }).openapi('Published'), 'published') },
  },
);

export function modelRoutes({ registry, blobs, edge, gateway }: ModelRouteDeps) {
  return openApiRoutes()
    .openapi(listModelsRoute, async (c) => {
      const models = await registry.listModels();
      return c.json({
        models: models.map((m) => ({
          name: m.name,
          description: m.description,
          revision: m.revision,
          latestVersion: m.latestVersion,
          champion: m.champion,
          createdAt: m.createdAt,
        })),
      }, 200);
    })
    .openapi(getModelRoute, async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      const [versions, aliases] = await Promise.all([registry.listVersions(model.name), registry.listAliases(model.name)]);
      return c.json({
        ...model,
        aliases: Object.fromEntries(aliases.map((a) => [a.alias, { version: a.version, previousVersion: a.previousVersion, updatedBy: a.updatedBy, updatedAt: a.updatedAt }])),
        versions: versions.map(({ version, status, metrics, artifactSha256, createdAt }) => ({ version, status, metrics, artifactSha256, createdAt })),
      }, 200);
    })
    .openapi(listVersionsRoute, async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      return c.json({ model: model.name, versions: await registry.listVersions(model.name) }, 200);
    })
    .openapi(getVersionRoute, async (c) => {
      const { name, v } = c.req.valid('param');
      await registry.requireModel(name);
      const version = await registry.requireVersion(name, v);
      const [approvals, newestAudit] = await Promise.all([registry.listApprovals(name, v), registry.listVersionAudit(name, v, version.pipelineId, VERSION_AUDIT_EVENTS)]);
      // Oldest first, as the version's story reads; the whole log is under /v1/audit.
      return c.json({ ...version, approvals, audit: newestAudit.reverse() }, 200);
    })
    .openapi(rollbackRoute, async (c) => {
      // One call back to an earlier version: the edge serves it at 100% and the champion alias moves.
      const { name } = c.req.valid('param');
      const { version: v, reason } = c.req.valid('json');
      if (!edge) throw new WindsockError('unavailable', 'no edge is configured: set WINDSOCK_EDGE_URL');
      const version = await registry.requireVersion(name, v);
      if (version.status !== 'approved') {
        throw new WindsockError('conflict', `${name} v${v} is ${version.status}; only an approved version can take all traffic`);
      }
      await publishVersion({ registry, blobs, edge }, name, v);
      const by = c.get('principal').name;
      // Rollback wins: a running rollout of the model is aborted first, and whatever traffic change
      // it makes on its way out, the rollback's comes after it (a step past the current one).
      const aborted = gateway ? await abortRollouts(gateway, registry, name, { principal: by, reason: `rollback to v${v}${reason ? `: ${reason}` : ''}` }) : [];
      let current: Awaited<ReturnType<EdgeClient['getTraffic']>>;
      let traffic: Awaited<ReturnType<EdgeClient['setTraffic']>>;
      for (let attempt = 1; ; attempt++) {
        current = await edge.getTraffic(name);
        try {
          traffic = await edge.setTraffic(name, { [String(v)]: 100 }, (current?.step ?? 0) + 1);
          break;
        } catch (err) {
          if (!(err instanceof WindsockError && err.code === 'conflict') || attempt === 5) throw err;
        }
      }
      const { previous } = await registry.setAlias(name, CHAMPION, v, by);
      await registry.appendAudit({
        dedupeKey: `rollback:${name}:${v}:${traffic.step}`,
        actor: by,
        event: 'model.rolled_back',
        modelName: name,
        version: v,
        details: { previousChampion: previous, weightsBefore: current?.weights ?? null, reason: reason ?? '', abortedRollouts: aborted },
      });
      return c.json({ model: name, champion: v, previousChampion: previous, traffic, abortedRollouts: aborted }, 200);
    })
    .openapi(publishRoute, async (c) => {
      const { name, v } = c.req.valid('param');
      if (!edge) throw new WindsockError('unavailable', 'no edge is configured: set WINDSOCK_EDGE_URL');
      const version = await registry.requireVersion(name, v);
      if (version.status !== 'approved') {
        throw new WindsockError('conflict', `${name} v${v} is ${version.status}; only approved versions are published`);
      }
      const result = await publishVersion({ registry, blobs, edge }, name, v);
      await registry.appendAudit({
        dedupeKey: `publish:${name}:${v}:${Date.now()}`,
        actor: c.get('principal').name,
        event: 'version.published',
        modelName: name,
        version: v,
        details: { result: result.published },
      });
      return c.json({ model: name, version: v, ...result }, 200);
    });
}

/** Signals abort to every running rollout of the model's newest approved versions; their pipeline ids. */
async function abortRollouts(gateway: TemporalGateway, registry: RegistryStore, model: string, command: RolloutCommand): Promise<string[]> {
  const candidates = (await registry.listVersions(model)).filter((v) => v.status === 'approved').slice(0, ROLLOUTS_CHECKED);
  const aborted: string[] = [];
  for (const { pipelineId } of candidates) {
    const rollout = rolloutWorkflowId(pipelineId);
    if ((await gateway.describe(rollout))?.status !== 'RUNNING') continue;
    try {
      await gateway.signal(rollout, abortRolloutSignal.name, command);
      aborted.push(pipelineId);
    } catch (err) {
      if (!(err instanceof WindsockError && err.code === 'conflict')) throw err; // it ended meanwhile
    }
  }
  return aborted;
}
