// /v1/models: the registry's models and versions with metrics, artifact, signature and lineage.
import { Hono } from 'hono';
import { z } from 'zod';
import type { RegistryStore } from '../../registry/registry-store';
import type { ApiEnv } from '../api-env';
import { validate } from '../validate';

const nameParam = z.object({ name: z.string().min(1).max(64) });
const versionParam = nameParam.extend({ v: z.coerce.number().int().min(1, 'versions start at 1') });

export function modelRoutes(registry: RegistryStore) {
  return new Hono<ApiEnv>()
    .get('/', async (c) => {
      const models = await registry.listModels();
      return c.json({
        models: models.map((m) => ({
          name: m.name,
          description: m.description,
          latestVersion: m.latestVersion,
          champion: m.champion,
          createdAt: m.createdAt,
        })),
      });
    })
    .get('/:name', validate('param', nameParam), async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      const [versions, aliases] = await Promise.all([registry.listVersions(model.name), registry.listAliases(model.name)]);
      return c.json({
        ...model,
        aliases: Object.fromEntries(aliases.map((a) => [a.alias, { version: a.version, previousVersion: a.previousVersion, updatedBy: a.updatedBy, updatedAt: a.updatedAt }])),
        versions: versions.map(({ version, status, metrics, artifactSha256, createdAt }) => ({ version, status, metrics, artifactSha256, createdAt })),
      });
    })
    .get('/:name/versions', validate('param', nameParam), async (c) => {
      const model = await registry.requireModel(c.req.valid('param').name);
      return c.json({ model: model.name, versions: await registry.listVersions(model.name) });
    })
    .get('/:name/versions/:v', validate('param', versionParam), async (c) => {
      const { name, v } = c.req.valid('param');
      await registry.requireModel(name);
      const version = await registry.requireVersion(name, v);
      return c.json({ ...version, approvals: await registry.listApprovals(name, v), audit: await registry.listAudit({ modelName: name }).then((events) => events.filter((e) => e.version === v || e.pipelineId === version.pipelineId)) });
    });
}
