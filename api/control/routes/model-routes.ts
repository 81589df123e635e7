// /v1/models: the registry's models and versions with metrics, artifact, signature and lineage.
import { Hono } from 'hono';
import { z } from 'zod';
import type { EdgeClient } from '../../../activities/edge-client';
import { publishVersion } from '../../../activities/publish-version';
import type { BlobStore } from '../../../artifacts/blob-store';
import { WindsockError } from '../../../core/windsock-error';
import { CHAMPION } from '../../../registry/registry-store';
import type { RegistryStore } from '../../../registry/registry-store';
import type { ApiEnv } from '../../http/api-env';
import { requireRole } from '../../http/bearer-auth';
import { validate } from '../../http/validate';
import { modelParam, modelVersionParam } from '../../../contracts/shared-params';
import { abortRolloutSignal, rolloutWorkflowId, type RolloutCommand } from '../../../contracts/canary-rollout-messages';
import type { TemporalGateway } from '../../temporal/temporal-gateway';

const rollbackBody = z.strictObject({ version: z.number().int().min(1), reason: z.string().max(2000).optional() });

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

export function modelRoutes({ registry, blobs, edge, gateway }: ModelRouteDeps) {
  return new Hono<ApiEnv>()
    .get('/', async (c) => {
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
      });
    })
    .get('/:name', validate('param', modelParam), async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      const [versions, aliases] = await Promise.all([registry.listVersions(model.name), registry.listAliases(model.name)]);
      return c.json({
        ...model,
        aliases: Object.fromEntries(aliases.map((a) => [a.alias, { version: a.version, previousVersion: a.previousVersion, updatedBy: a.updatedBy, updatedAt: a.updatedAt }])),
        versions: versions.map(({ version, status, metrics, artifactSha256, createdAt }) => ({ version, status, metrics, artifactSha256, createdAt })),
      });
    })
    .get('/:name/versions', validate('param', modelParam), async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      return c.json({ model: model.name, versions: await registry.listVersions(model.name) });
    })
    .get('/:name/versions/:v', validate('param', modelVersionParam), async (c) => {
      const { name, v } = c.req.valid('param');
      await registry.requireModel(name);
      const version = await registry.requireVersion(name, v);
      const [approvals, newestAudit] = await Promise.all([registry.listApprovals(name, v), registry.listVersionAudit(name, v, version.pipelineId, VERSION_AUDIT_EVENTS)]);
      // Oldest first, as the version's story reads; the whole log is under /v1/audit.
      return c.json({ ...version, approvals, audit: newestAudit.reverse() });
    })
    .post('/:name/rollback', requireRole('admin'), validate('param', modelParam), validate('json', rollbackBody), async (c) => {
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
      return c.json({ model: name, champion: v, previousChampion: previous, traffic, abortedRollouts: aborted });
    })
    .post('/:name/versions/:v/publish', requireRole('admin'), validate('param', modelVersionParam), async (c) => {
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
      return c.json({ model: name, version: v, ...result });
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
