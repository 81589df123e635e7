// GET /openapi.json and GET /docs on the control API: the document generated from the routes' own
// declarations, and the schemas it shows are the very ones the routes validate with.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditQuery } from '../../../api/control/routes/audit-routes';
import { batchParam, batchScheduleParam, submitBatchBody } from '../../../api/control/routes/batch-routes';
import { datasetNameParam, inferBody, uploadQuery } from '../../../api/control/routes/dataset-routes';
import { rollbackBody } from '../../../api/control/routes/model-routes';
import { createScheduleBody, pauseScheduleBody, scheduleParam } from '../../../api/control/routes/retrain-schedule-routes';
import { retrainBody } from '../../../api/control/routes/retrain-routes';
import { reproduceBody, reproductionParam } from '../../../api/control/routes/reproduction-routes';
import { issueTokenBody, tokenIdParam } from '../../../api/control/routes/token-routes';
import { approveBody, listPipelinesQuery, pipelineIdParam, rejectBody, rolloutActionBody, rolloutActionParam, startPipelineBody } from '../../../api/pipelines/pipeline-routes';
import { trialsIdParam } from '../../../api/pipelines/pipeline-trials-routes';
import { modelTemplateBody, registerModelBody } from '../../../contracts/model-template-body';
import { modelParam, modelVersionParam } from '../../../contracts/shared-params';
import { checkOpenApiDocument, checkReferencePage, jsonBodySchema, registeredRoutes, type DocumentedRoute } from './openapi-document-check';
import { openControlFixture } from './control-app-fixture';

let f: Awaited<ReturnType<typeof openControlFixture>>;
beforeAll(async () => {
  f = await openControlFixture('openapi');
});
afterAll(() => f?.close());

const converted: DocumentedRoute[] = [
  'GET /v1/whoami',
  'GET /v1/pipelines',
  'POST /v1/pipelines',
  'GET /v1/pipelines/{id}',
  'POST /v1/pipelines/{id}/approve',
  'POST /v1/pipelines/{id}/reject',
  'POST /v1/pipelines/{id}/rollout/{action}',
  'POST /v1/pipelines/{id}/cancel',
  'GET /v1/pipelines/{id}/trials',
  'POST /v1/models',
  'PUT /v1/models/{name}',
  'GET /v1/models/{name}/revisions',
  'GET /v1/models/{name}/revisions/{revision}',
  'GET /v1/models',
  'GET /v1/models/{name}',
  'GET /v1/models/{name}/versions',
  'GET /v1/models/{name}/versions/{v}',
  'POST /v1/models/{name}/rollback',
  'POST /v1/models/{name}/versions/{v}/publish',
  'GET /v1/models/{name}/versions/{v}/card',
  'POST /v1/models/{name}/retrain',
  'GET /v1/models/{name}/retrain',
  'POST /v1/models/{name}/schedules',
  'GET /v1/models/{name}/schedules',
  'GET /v1/models/{name}/schedules/{id}',
  'POST /v1/models/{name}/schedules/{id}/pause',
  'POST /v1/models/{name}/schedules/{id}/resume',
  'POST /v1/models/{name}/schedules/{id}/trigger',
  'DELETE /v1/models/{name}/schedules/{id}',
  'POST /v1/models/{name}/versions/{v}/reproduce',
  'GET /v1/models/{name}/versions/{v}/reproductions/{id}',
  'POST /v1/models/{name}/batch',
  'GET /v1/batches/{id}',
  'GET /v1/models/{name}/batch-schedules/{id}',
  'DELETE /v1/models/{name}/batch-schedules/{id}',
  'GET /v1/audit',
  'GET /v1/audit/verify',
  'GET /v1/datasets',
  'PUT /v1/datasets/{name}',
  'POST /v1/datasets/infer-spec',
  'GET /v1/datasets/{name}',
  'GET /v1/datasets/{name}/versions/{v}',
  'POST /v1/tokens',
  'GET /v1/tokens',
  'DELETE /v1/tokens/{id}',
];

describe('GET /openapi.json on the control API', () => {
  it('is an OpenAPI 3.1 document of every converted route, with roles, parameters, answers and resolving references, read without a token', async () => {
    const doc = await checkOpenApiDocument(f.app, converted);
    const start = doc.paths['/v1/pipelines']!.post!;
    expect(start['x-windsock-roles']).toEqual(['submitter']);
    expect(start.requestBody?.content?.['application/json']?.schema).toBeDefined();
    expect(Object.keys(start.responses!)).toEqual(expect.arrayContaining(['200', '202', '400', '401', '403', '413', '415']));
    expect(doc.paths['/v1/audit/verify']!.get!['x-windsock-roles']).toEqual(['admin']);
    expect(doc.paths['/v1/audit']!.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['model', 'actor', 'action', 'from', 'to', 'limit', 'cursor']));
    // The streamed upload keeps its own content type.
    expect(Object.keys(doc.paths['/v1/datasets/{name}']!.put!.requestBody!.content!)).toEqual(['text/csv']);
    expect(Object.keys(doc.paths['/v1/datasets/infer-spec']!.post!.requestBody!.content!)).toEqual(['application/json', 'text/csv']);
    // Components by name: the envelope and the bodies.
    expect(Object.keys(doc.components!.schemas!)).toEqual(expect.arrayContaining(['ErrorEnvelope', 'ApiToken', 'DatasetVersion', 'PipelinePage', 'ModelCard', 'RetrainSchedule']));
  });

  it('documents batch scoring, reproductions and pipeline trials with the roles the routes enforce, and leaves the dashboard out', async () => {
    const doc = await checkOpenApiDocument(f.app, converted);
    const roles = (path: string, method: string) => doc.paths[path]![method]!['x-windsock-roles'];
    expect(roles('/v1/models/{name}/batch', 'post')).toEqual(['submitter', 'admin']);
    expect(roles('/v1/batches/{id}', 'get')).toEqual(['viewer']);
    expect(roles('/v1/models/{name}/batch-schedules/{id}', 'get')).toEqual(['viewer']);
    expect(roles('/v1/models/{name}/batch-schedules/{id}', 'delete')).toEqual(['submitter', 'admin']);
    expect(roles('/v1/models/{name}/versions/{v}/reproduce', 'post')).toEqual(['submitter', 'admin']);
    expect(roles('/v1/models/{name}/versions/{v}/reproductions/{id}', 'get')).toEqual(['viewer']);
    expect(roles('/v1/pipelines/{id}/trials', 'get')).toEqual(['viewer']);
    // The answers each route gives: a batch started (202), the same again (200), a schedule made (201), a taken schedule id (409).
    const submit = doc.paths['/v1/models/{name}/batch']!.post!;
    expect(Object.keys(submit.responses!)).toEqual(expect.arrayContaining(['200', '201', '202', '400', '401', '403', '404', '409', '413', '415', '422', '503']));
    expect(Object.keys(doc.paths['/v1/models/{name}/batch-schedules/{id}']!.delete!.responses!)).toEqual(expect.arrayContaining(['204', '403', '404']));
    expect(Object.keys(doc.paths['/v1/models/{name}/versions/{v}/reproduce']!.post!.responses!)).toEqual(expect.arrayContaining(['202', '409']));
    expect(doc.paths['/v1/pipelines/{id}/trials']!.get!.responses!['503']).toBeDefined();
    expect(Object.keys(doc.components!.schemas!)).toEqual(expect.arrayContaining(['BatchStarted', 'BatchState', 'BatchSchedule', 'ReproductionStarted', 'ReproductionState', 'PipelineTrials']));
    // Only the API: the dashboard's pages, /healthz and /metrics are not in it.
    expect(Object.keys(doc.paths).filter((path) => !path.startsWith('/v1/'))).toEqual([]);
  });

  it('renders /docs from it, loading nothing from elsewhere', async () => {
    const doc = await checkOpenApiDocument(f.app, converted);
    const html = await checkReferencePage(f.app, doc);
    expect(html).toContain('Windsock control API');
    expect(html).toContain('Roles: approver');
  });

  it('still refuses the documented routes without a token: only the document and the page are public', async () => {
    expect((await f.request('GET', '/v1/models')).status).toBe(401);
    expect((await f.request('GET', '/openapi.json')).status).toBe(200);
  });
});

describe('the documented request schemas', () => {
  it('are the very schemas the routes validate with', () => {
    const routes = registeredRoutes(f.app);
    const request = (route: string) => {
      const found = routes.get(route);
      expect(found, route).toBeDefined();
      return found!.request!;
    };
    const json = (route: string) => jsonBodySchema(routes.get(route));
    expect(json('POST /v1/pipelines')).toBe(startPipelineBody);
    expect(request('GET /v1/pipelines').query).toBe(listPipelinesQuery);
    expect(request('GET /v1/pipelines/{id}').params).toBe(pipelineIdParam);
    expect(json('POST /v1/pipelines/{id}/approve')).toBe(approveBody);
    expect(json('POST /v1/pipelines/{id}/reject')).toBe(rejectBody);
    expect(request('POST /v1/pipelines/{id}/rollout/{action}').params).toBe(rolloutActionParam);
    expect(json('POST /v1/pipelines/{id}/rollout/{action}')).toBe(rolloutActionBody);
    expect(json('POST /v1/models')).toBe(registerModelBody);
    expect(json('PUT /v1/models/{name}')).toBe(modelTemplateBody);
    expect(request('GET /v1/models/{name}').params).toBe(modelParam);
    expect(request('GET /v1/models/{name}/versions/{v}').params).toBe(modelVersionParam);
    expect(json('POST /v1/models/{name}/rollback')).toBe(rollbackBody);
    expect(json('POST /v1/models/{name}/retrain')).toBe(retrainBody);
    expect(json('POST /v1/models/{name}/schedules')).toBe(createScheduleBody);
    expect(request('GET /v1/models/{name}/schedules/{id}').params).toBe(scheduleParam);
    expect(json('POST /v1/models/{name}/schedules/{id}/pause')).toBe(pauseScheduleBody);
    expect(request('GET /v1/audit').query).toBe(auditQuery);
    expect(request('PUT /v1/datasets/{name}').params).toBe(datasetNameParam);
    expect(request('PUT /v1/datasets/{name}').query).toBe(uploadQuery);
    expect(json('POST /v1/datasets/infer-spec')).toBe(inferBody);
    expect(json('POST /v1/tokens')).toBe(issueTokenBody);
    expect(request('DELETE /v1/tokens/{id}').params).toBe(tokenIdParam);
    expect(request('POST /v1/models/{name}/batch').params).toBe(modelParam);
    expect(json('POST /v1/models/{name}/batch')).toBe(submitBatchBody);
    expect(request('GET /v1/batches/{id}').params).toBe(batchParam);
    expect(request('GET /v1/models/{name}/batch-schedules/{id}').params).toBe(batchScheduleParam);
    expect(request('DELETE /v1/models/{name}/batch-schedules/{id}').params).toBe(batchScheduleParam);
    expect(request('POST /v1/models/{name}/versions/{v}/reproduce').params).toBe(modelVersionParam);
    expect(json('POST /v1/models/{name}/versions/{v}/reproduce')).toBe(reproduceBody);
    expect(request('GET /v1/models/{name}/versions/{v}/reproductions/{id}').params).toBe(reproductionParam);
    expect(request('GET /v1/pipelines/{id}/trials').params).toBe(trialsIdParam);
  });

  it('refuse what their schema refuses, in the envelope, naming the field', async () => {
    const res = await f.request('POST', '/v1/pipelines/not-a-pipeline/reject', { as: 'bob', body: { reason: '' } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    expect(res.body.error.message).toMatch(/^param\.id: not a pipeline id/);
  });
});
