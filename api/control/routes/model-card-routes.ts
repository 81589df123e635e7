// GET /v1/models/:name/versions/:v/card: the version's model card, as JSON or, for
// `Accept: text/markdown`, as Markdown. The serving side's part (traffic weight, drift) is best effort:
// a card is still given when the edge does not answer.
import { z } from 'zod';
import type { EdgeClient } from '../../../activities/edge-client';
import { modelVersionParam } from '../../../contracts/shared-params';
import { buildModelCard, renderModelCardMarkdown, type ModelCard, type ModelCardInput } from '../../../core/governance/model-card';
import { CHAMPION, type RegistryStore } from '../../../registry/registry-store';
import { apiRoute, openApiRoutes, typedObject } from '../../http/openapi-routes';

export interface ModelCardRouteDeps {
  registry: RegistryStore;
  edge?: EdgeClient;
}

/** The version's newest audit events the card's rollout history is drawn from. */
const CARD_EVENTS = 200;

const modelCardRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/{name}/versions/{v}/card',
    tags: ['models'],
    summary: "The version's model card: as JSON, or as Markdown for Accept: text/markdown",
    request: { params: modelVersionParam },
    responses: {
      200: {
        description: 'the card',
        content: {
          'application/json': { schema: typedObject<ModelCard>('ModelCard', 'What the version is, how it was trained and judged, who approved it, its rollout history and, when the edge answers, its traffic weight and drift.') },
          'text/markdown': { schema: z.string() },
        },
      },
    },
  },
);

export function modelCardRoutes({ registry, edge }: ModelCardRouteDeps) {
  return openApiRoutes().openapi(modelCardRoute, async (c) => {
    const { name, v } = c.req.valid('param');
    const model = await registry.requireModel(name);
    const version = await registry.requireVersion(name, v);
    const [approvals, events, champion, serving] = await Promise.all([
      registry.listApprovals(name, v),
      // The version's newest events, read by SQL, told oldest first.
      registry.listVersionAudit(name, v, version.pipelineId, CARD_EVENTS).then((newest) => newest.reverse()),
      registry.getAlias(name, CHAMPION).then((alias) => alias?.version ?? null),
      servingOf(edge, name, v),
    ]);
    const card = buildModelCard({ model, version, approvals, events, champion, ...(serving ? { serving } : {}) });
    if ((c.req.header('accept') ?? '').includes('text/markdown')) {
      return c.body(renderModelCardMarkdown(card), 200, { 'content-type': 'text/markdown; charset=utf-8' });
    }
    return c.json(card, 200);
  });
}

async function servingOf(edge: EdgeClient | undefined, model: string, version: number): Promise<ModelCardInput['serving']> {
  if (!edge) return undefined;
  try {
    const [traffic, drift] = await Promise.all([edge.getTraffic(model), edge.drift(model)]);
    const report = drift[String(version)];
    return {
      weight: traffic?.weights[String(version)] ?? 0,
      drift: report ? { driftShare: report.driftShare, datasetDrift: report.datasetDrift, sampleSize: report.sampleSize, driftedFeatures: report.driftedFeatures, evaluatedFeatures: report.evaluatedFeatures } : null,
    };
  } catch {
    return undefined;
  }
}
