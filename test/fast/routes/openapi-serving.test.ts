// GET /openapi.json and GET /docs on the inference app (Node serving here; the Workers entry serves the
// same app, test/workers/openapi-edge.test.ts): the admin and pipeline routes from their declarations,
// the Open Inference Protocol routes documented beside their plain handlers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeClient } from '../../../activities/edge-client';
import { documentedInferenceRequest } from '../../../api/openapi/inference-route-docs';
import { feedbackBody } from '../../../api/serving/feedback-routes';
import { GroundTruthStore } from '../../../api/serving/ground-truth-store';
import { publishBody, retrainPolicyBody, trafficBody } from '../../../api/serving/serving-admin-routes';
import { timeWindowQuery } from '../../../api/serving/time-window';
import { startPipelineBody } from '../../../api/pipelines/pipeline-routes';
import { inferenceRequestSchema } from '../../../core/serving/inference-protocol';
import { driftPolicySchema } from '../../../core/monitoring/drift-report';
import { servedTemplateSchema } from '../../../core/pipeline/pipeline-template';
import { WindsockError } from '../../../core/windsock-error';
import { modelParam } from '../../../contracts/shared-params';
import { principals } from '../../test-principals';
import { checkOpenApiDocument, checkReferencePage, jsonBodySchema, registeredRoutes, type DocumentedRoute } from './openapi-document-check';
import { openServingFixture } from './serving-app-fixture';

let f: Awaited<ReturnType<typeof openServingFixture>>;
beforeAll(async () => {
  f = await openServingFixture('openapi-serving');
});
afterAll(() => f?.close());

const servingRoutes: DocumentedRoute[] = [
  'GET /v2',
  'GET /v2/health/live',
  'GET /v2/health/ready',
  'GET /v2/models/{name}',
  'GET /v2/models/{name}/versions/{v}',
  'GET /v2/models/{name}/ready',
  'GET /v2/models/{name}/versions/{v}/ready',
  'POST /v2/models/{name}/infer',
  'POST /v2/models/{name}/versions/{v}/infer',
  'PUT /admin/models/{name}/versions/{v}/artifact',
  'PUT /admin/models/{name}/versions/{v}',
  'GET /admin/models/{name}',
  'PUT /admin/models/{name}/traffic',
  'DELETE /admin/models/{name}/versions/{v}',
  'GET /admin/models/{name}/metrics',
  'GET /admin/models/{name}/sketches',
  'GET /admin/models/{name}/drift',
  'PUT /admin/models/{name}/drift-policy',
  'PUT /admin/models/{name}/retrain-policy',
  'GET /admin/models/{name}/retrain-policy',
  'POST /admin/drift-monitor/run',
  'PUT /admin/models/{name}/template',
  'GET /admin/models/{name}/drift-reports',
  'POST /admin/flush',
  'POST /v2/models/{name}/feedback',
  'GET /admin/models/{name}/accuracy',
  'GET /v1/pipelines',
  'POST /v1/pipelines',
  'GET /v1/pipelines/{id}',
  'POST /v1/pipelines/{id}/approve',
  'POST /v1/pipelines/{id}/reject',
  'POST /v1/pipelines/{id}/rollout/{action}',
  'POST /v1/pipelines/{id}/cancel',
];

describe('GET /openapi.json on the inference app', () => {
  it('documents the protocol, admin and pipeline routes with their roles and content types, read without a token', async () => {
    const doc = await checkOpenApiDocument(f.app, servingRoutes);
    const infer = doc.paths['/v2/models/{name}/infer']!.post!;
    expect(infer['x-windsock-roles']).toEqual([]);
    expect(Object.keys(infer.requestBody!.content!)).toEqual(['application/json', 'application/octet-stream']);
    expect(infer.responses!['400']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/InferenceError' });
    expect(doc.paths['/admin/models/{name}/traffic']!.put!['x-windsock-roles']).toEqual(['admin']);
    expect(Object.keys(doc.paths['/admin/models/{name}/versions/{v}/artifact']!.put!.requestBody!.content!)).toEqual(['application/octet-stream']);
    await checkReferencePage(f.app, doc);
  });

  it('documents the ground-truth routes: labels with a feedback or admin token, accuracy with admin', async () => {
    const doc = await checkOpenApiDocument(f.app, servingRoutes);
    const feedback = doc.paths['/v2/models/{name}/feedback']!.post!;
    expect(feedback['x-windsock-roles']).toEqual(['feedback', 'admin']);
    expect(Object.keys(feedback.requestBody!.content!)).toEqual(['application/json']);
    expect(Object.keys(feedback.responses!)).toEqual(expect.arrayContaining(['200', '400', '401', '404', '413', '415']));
    // Its own bearerAuth knows only feedback and admin tokens: a viewer's is unknown there, never a 403.
    expect(feedback.responses!['403']).toBeUndefined();
    expect((await f.request('POST', '/v2/models/breast-cancer/feedback', { as: 'carol', body: { items: [{ id: 'x', label: 0 }] } })).status).toBe(401);
    const accuracy = doc.paths['/admin/models/{name}/accuracy']!.get!;
    expect(accuracy['x-windsock-roles']).toEqual(['admin']);
    expect(accuracy.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['name', 'from', 'to', 'version']));
    expect(Object.keys(accuracy.responses!)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404']));
    expect(Object.keys(doc.components!.schemas!)).toEqual(expect.arrayContaining(['FeedbackResult', 'LiveAccuracy']));
  });

  it('shows the schemas the routes validate with, and keeps the admin routes behind the token', async () => {
    const routes = registeredRoutes(f.app);
    expect(jsonBodySchema(routes.get('PUT /admin/models/{name}/versions/{v}'))).toBe(publishBody);
    expect(jsonBodySchema(routes.get('PUT /admin/models/{name}/traffic'))).toBe(trafficBody);
    expect(jsonBodySchema(routes.get('PUT /admin/models/{name}/drift-policy'))).toBe(driftPolicySchema);
    expect(jsonBodySchema(routes.get('PUT /admin/models/{name}/retrain-policy'))).toBe(retrainPolicyBody);
    expect(jsonBodySchema(routes.get('PUT /admin/models/{name}/template'))).toBe(servedTemplateSchema);
    expect(routes.get('GET /admin/models/{name}/metrics')!.request!.query).toBe(timeWindowQuery);
    expect(jsonBodySchema(routes.get('POST /v2/models/{name}/feedback'))).toBe(feedbackBody);
    expect(routes.get('POST /v2/models/{name}/feedback')!.request!.params).toBe(modelParam);
    expect(routes.get('GET /admin/models/{name}/accuracy')!.request!.query).toBe(timeWindowQuery);
    expect(routes.get('GET /admin/models/{name}/accuracy')!.request!.params).toBe(modelParam);
    expect(jsonBodySchema(routes.get('POST /v1/pipelines'))).toBe(startPipelineBody);
    // The protocol's schema (parseInferenceRequest checks each infer body against it), its tensor data spelled out.
    expect(jsonBodySchema(routes.get('POST /v2/models/{name}/infer'))).toBe(documentedInferenceRequest);
    expect(Object.keys(documentedInferenceRequest.shape)).toEqual(Object.keys(inferenceRequestSchema.shape));
    expect(Object.keys(documentedInferenceRequest.shape.inputs.element.shape)).toEqual(Object.keys(inferenceRequestSchema.shape.inputs.element.shape));
    expect((await f.request('GET', '/admin/models/breast-cancer')).status).toBe(401);
    const refused = await f.request('PUT', '/admin/models/breast-cancer/traffic', { as: 'root', body: { weights: { one: 100 } } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/^body\.weights\.one/);
  });
});

describe("EdgeClient's typed accuracy read", () => {
  const client = () =>
    new EdgeClient({ baseUrl: 'http://serving.test', token: principals.find((p) => p.name === 'root')!.token, fetch: (input, init) => Promise.resolve(f.app.request(input instanceof Request ? input.url : String(input), init)) });

  it('reads live accuracy through the route declaration, sending its window', async () => {
    await f.publish('gt-client', 1);
    // The fixture serves without recording: the prediction is remembered through the store, as the recorder would.
    await new GroundTruthStore(f.store.db).appendPredictions([{ modelName: 'gt-client', requestId: 'client-1', version: 1, predictedClass: 1, servedAt: Date.now() - 1000 }]);
    const labelled = await f.request('POST', '/v2/models/gt-client/feedback', { as: 'root', body: { items: [{ id: 'client-1', label: 1 }] } });
    expect(labelled.body).toMatchObject({ received: 1, labelled: 1 });
    const versions = await client().accuracy('gt-client', { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000) });
    expect(versions['1']).toMatchObject({ predictions: 1, labelled: 1, accuracy: 1 });
    // A window before the prediction: nothing, so from and to reached the route.
    expect(await client().accuracy('gt-client', { from: new Date(0), to: new Date(1000) })).toEqual({});
  });

  it('turns a refusal into a WindsockError naming it', async () => {
    const refused = await client().accuracy('never-published', { from: new Date(0), to: new Date() }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WindsockError);
    expect((refused as WindsockError).code).toBe('not_found');
    expect((refused as WindsockError).message).toMatch(/answered 404: model 'never-published' has no published versions/);
  });
});
