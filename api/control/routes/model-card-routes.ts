// GET /v1/models/:name/versions/:v/card: the version's model card, as JSON or, for
// `Accept: text/markdown`, as Markdown. The serving side's part (traffic weight, drift) is best effort:
// a card is still given when the edge does not answer.
import { Hono } from 'hono';
import type { EdgeClient } from '../../../activities/edge-client';
import { modelVersionParam } from '../../../contracts/shared-params';
import { buildModelCard, renderModelCardMarkdown, type ModelCardInput } from '../../../core/governance/model-card';
import { CHAMPION, type RegistryStore } from '../../../registry/registry-store';
import type { ApiEnv } from '../../http/api-env';
import { validate } from '../../http/validate';

export interface ModelCardRouteDeps {
  registry: RegistryStore;
  edge?: EdgeClient;
}

/** The version's newest audit events the card's rollout history is drawn from. */
const CARD_EVENTS = 200;

export function modelCardRoutes({ registry, edge }: ModelCardRouteDeps) {
  return new Hono<ApiEnv>().get('/:name/versions/:v/card', validate('param', modelVersionParam), async (c) => {
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
    return c.json(card);
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
