// GET /admin/models/:name/accuracy?from&to&version: live accuracy from ground truth, per version, over
// the predictions served in the window (default: the last 24 hours): labelled count, accuracy, macro
// F1, confusion matrix and label delay. Admin role, as the other reads of what serving recorded.
import { liveAccuracy, type LiveAccuracy } from '../../core/monitoring/live-accuracy';
import { WindsockError } from '../../core/windsock-error';
import { apiRoute, jsonAnswer, openApiRoutes, typedObject } from '../http/openapi-routes';
import { modelParam } from '../../contracts/shared-params';
import type { ServingStore } from './serving-store';
import type { GroundTruthStore } from './ground-truth-store';
import { timeWindowQuery, windowMinutes } from './time-window';

export interface VersionAccuracy extends LiveAccuracy {
  /** Predictions remembered in the window, labelled or not: labelled / predictions is the label coverage. */
  predictions: number;
}

/**
 * Live accuracy of each version with predictions served in [from, to]. Versions no longer published
 * are left out: their class names went with them.
 */
export async function readLiveAccuracy(store: ServingStore, groundTruth: GroundTruthStore, model: string, from: number, to: number, version?: number): Promise<Map<number, VersionAccuracy>> {
  const [cells, counts, deployments] = await Promise.all([
    groundTruth.labelledCells(model, from, to, version),
    groundTruth.predictionCounts(model, from, to, version),
    store.listDeployments(model),
  ]);
  const cellsOf = new Map(cells.map((c) => [c.version, c.cells]));
  const result = new Map<number, VersionAccuracy>();
  for (const d of deployments) {
    const predictions = counts.get(d.version) ?? 0;
    if (predictions === 0 || (version !== undefined && d.version !== version)) continue;
    result.set(d.version, { predictions, ...liveAccuracy(cellsOf.get(d.version) ?? [], d.referenceProfile.prediction.classes) });
  }
  return result;
}

const accuracyRoute = apiRoute(
  { roles: ['admin'] },
  {
    method: 'get',
    path: '/models/{name}/accuracy',
    tags: ['serving admin'],
    summary: 'Live accuracy per version from ground-truth labels, over the predictions served in the window (default: the last 24 hours)',
    request: { params: modelParam, query: timeWindowQuery },
    responses: {
      200: jsonAnswer(
        typedObject<{ model: string; from: string; to: string; versions: Record<string, VersionAccuracy> }>(
          'LiveAccuracy',
          'Per version with predictions in the window: predictions, labelled, accuracy, macro F1, per-class metrics, confusion matrix (counts[actual][predicted]) and label delay.',
          { model: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, versions: { type: 'object' } },
        ),
        'the accuracy',
      ),
    },
  },
);

export function accuracyRoutes(deps: { store: ServingStore; groundTruth: GroundTruthStore }) {
  return openApiRoutes().openapi(accuracyRoute, async (c) => {
    const { name } = c.req.valid('param');
    const query = c.req.valid('query');
    const window = windowMinutes(query, Date.now(), 24 * 60);
    if (window.from > window.to) throw new WindsockError('bad_request', `from (${new Date(window.from).toISOString()}) is after to (${new Date(window.to).toISOString()})`);
    const accuracy = await readLiveAccuracy(deps.store, deps.groundTruth, name, window.from, window.to, query.version);
    if (accuracy.size === 0 && (await deps.store.listDeployments(name)).length === 0) throw new WindsockError('not_found', `model '${name}' has no published versions`);
    return c.json({ model: name, from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString(), versions: Object.fromEntries(accuracy) }, 200);
  });
}

export type AccuracyApp = ReturnType<typeof accuracyRoutes>;
