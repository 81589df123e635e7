// POST /v2/models/:name/feedback: ground truth for served requests, { items: [{ id, label }] }, joined
// on arrival to what serving remembered predicting for each id. Windsock's own route beside the
// inference protocol, with its own token (WINDSOCK_FEEDBACK_TOKENS) so that inference clients cannot
// write labels; admin tokens may too. Unknown ids and labels the model has no class for are counted
// and reported, never a failure of the whole batch; a later label for an id replaces the earlier one.
import { z } from 'zod';
import type { Principal } from '../../core/auth/principals';
import { WindsockError } from '../../core/windsock-error';
import { bearerAuth } from '../http/bearer-auth';
import { limitBody } from '../http/body-limit';
import { onError as envelopeError, requestId } from '../http/error-envelope';
import { apiRoute, jsonAnswer, jsonBody, openApiRoutes } from '../http/openapi-routes';
import { modelParam } from '../../contracts/shared-params';
import type { ServingStore } from './serving-store';
import { MAX_REMEMBERED_ID_LENGTH, type GroundTruthStore } from './ground-truth-store';

export const MAX_FEEDBACK_ITEMS = 1000;
const MAX_FEEDBACK_BYTES = 512 * 1024;
/** How many unknown ids and refused labels an answer lists (all are counted). */
const LISTED = 20;

export const feedbackBody = z.strictObject({
  items: z
    .array(
      z.strictObject({
        // A batch row's id carries `#<row>` after the request's.
        id: z.string().min(1).max(MAX_REMEMBERED_ID_LENGTH + 8),
        /** The true class: its name, as the model's classes are named, or its index. */
        label: z.union([z.string().min(1).max(256), z.number().int().min(0).max(100_000)]),
      }),
    )
    .min(1)
    .max(MAX_FEEDBACK_ITEMS, `at most ${MAX_FEEDBACK_ITEMS} items per request; send more in further requests`),
});

export const feedbackResultSchema = z
  .object({
    model: z.string(),
    received: z.number().int().openapi({ description: 'Distinct ids in the request (a repeated id counts once: its last label).' }),
    labelled: z.number().int(),
    unknown: z.object({ count: z.number().int(), ids: z.array(z.string()).openapi({ description: `At most ${LISTED}; all are counted.` }) }),
    invalid: z.object({ count: z.number().int(), items: z.array(z.object({ id: z.string(), reason: z.string() })).openapi({ description: `At most ${LISTED}; all are counted.` }) }),
  })
  .openapi('FeedbackResult');
export type FeedbackResult = z.infer<typeof feedbackResultSchema>;

/** WINDSOCK_FEEDBACK_TOKENS: `name:token,...`; each token may only send labels. */
export function parseFeedbackTokens(spec: string | undefined): Principal[] {
  const entries = (spec ?? '').split(',').map((e) => e.trim()).filter(Boolean);
  const names = new Set<string>();
  return entries.map((entry, i) => {
    const at = entry.indexOf(':');
    const name = entry.slice(0, at);
    const token = entry.slice(at + 1);
    if (at < 1 || !/^[A-Za-z0-9_.@-]+$/.test(name)) throw new Error(`WINDSOCK_FEEDBACK_TOKENS entry ${i + 1} must be name:token`);
    if (token.length < 16 || token.includes(':')) throw new Error(`WINDSOCK_FEEDBACK_TOKENS entry ${i + 1} (${name}): token must be at least 16 characters, without ':'`);
    if (names.has(name)) throw new Error(`WINDSOCK_FEEDBACK_TOKENS names '${name}' twice`);
    names.add(name);
    return { name, roles: [], token };
  });
}

export interface FeedbackRouteDeps {
  store: ServingStore;
  groundTruth: GroundTruthStore;
  /** Who may send labels: the feedback tokens and the admin principals. */
  principals: Principal[];
}

// Any token this route's own bearerAuth knows may send labels, and it knows only the feedback tokens
// and the admins': apiRoute's form for "any token", with the roles the document names set to those.
const feedbackRoute = {
  ...apiRoute(
    { roles: ['viewer'] },
    {
      method: 'post',
      path: '/models/{name}/feedback',
      tags: ['ground truth'],
      summary: 'Ground truth for served requests ({ items: [{ id, label }] }), joined to what serving predicted for each id; unknown ids and labels that are no class are counted, not refused',
      request: { params: modelParam, body: jsonBody(feedbackBody) },
      responses: { 200: jsonAnswer(feedbackResultSchema, 'the labels were taken (see unknown and invalid for those that were not)') },
    },
  ),
  description:
    'A later label for an id replaces the earlier one; a label is a class name or its index.\n\nNeeds a feedback token (WINDSOCK_FEEDBACK_TOKENS, which may only send labels) or an admin token; other tokens are unknown here (401).',
  'x-windsock-roles': ['feedback', 'admin'],
};

export function feedbackRoutes(deps: FeedbackRouteDeps) {
  // Middleware on this path only: the protocol routes beside it keep running without any.
  const path = '/models/:name/feedback';
  const app = openApiRoutes();
  app.onError(envelopeError);
  app.use(path, requestId, limitBody(MAX_FEEDBACK_BYTES), bearerAuth(deps.principals));
  return app.openapi(feedbackRoute, async (c) => {
    const { name } = c.req.valid('param');
    const deployments = await deps.store.listDeployments(name);
    if (deployments.length === 0) throw new WindsockError('not_found', `model '${name}' has no published versions`);
    const classesOf = new Map(deployments.map((d) => [d.version, d.referenceProfile.prediction.classes]));
    // The last label given for an id in one request is the one that counts, as across requests.
    const latest = new Map<string, string | number>();
    for (const item of c.req.valid('json').items) {
      latest.delete(item.id);
      latest.set(item.id, item.label);
    }
    const remembered = await deps.groundTruth.predictionsFor(name, [...latest.keys()]);
    const result: FeedbackResult = { model: name, received: latest.size, labelled: 0, unknown: { count: 0, ids: [] }, invalid: { count: 0, items: [] } };
    const labels: { requestId: string; label: number }[] = [];
    for (const [id, given] of latest) {
      const prediction = remembered.get(id);
      if (!prediction) {
        result.unknown.count++;
        if (result.unknown.ids.length < LISTED) result.unknown.ids.push(id);
        continue;
      }
      const classes = classesOf.get(prediction.version);
      const label = classes === undefined ? undefined : typeof given === 'number' ? (given < classes.length ? given : undefined) : classes.indexOf(given);
      if (label === undefined || label < 0) {
        result.invalid.count++;
        const reason = classes === undefined ? `v${prediction.version}, which predicted it, is no longer published` : `not a class of v${prediction.version} (${describeClasses(classes)})`;
        if (result.invalid.items.length < LISTED) result.invalid.items.push({ id, reason: `label ${JSON.stringify(given).slice(0, 80)}: ${reason}` });
        continue;
      }
      labels.push({ requestId: id, label });
    }
    await deps.groundTruth.saveLabels(name, labels, new Date());
    result.labelled = labels.length;
    return c.json(result, 200);
  });
}

function describeClasses(classes: readonly string[]): string {
  const shown = classes.slice(0, 10).map((n) => JSON.stringify(n)).join(', ');
  return `classes ${shown}${classes.length > 10 ? ', ...' : ''} or their index 0..${classes.length - 1}`;
}
