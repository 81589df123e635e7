// GET /openapi.json and GET /docs on the job runner: its routes, the streamed ones included, from their
// own declarations; the job body documented is the wire contract's schema the route validates with.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@libsql/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalProvider } from '../../../activities/compute/local-provider';
import { submitJobSchema } from '../../../contracts/runner-protocol';
import { InputStore } from '../../../runner/input-store';
import { JobSupervisor } from '../../../runner/job-supervisor';
import { createRunnerApp, listJobsQuery, logQuery } from '../../../runner/runner-app';
import { openRunnerDb } from '../../../runner/runner-db';
import { RunnerJobStore } from '../../../runner/runner-job-store';
import { requestApp } from './app-request';
import { checkOpenApiDocument, checkReferencePage, jsonBodySchema, registeredRoutes, type DocumentedRoute } from './openapi-document-check';

const token = 'runner-openapi-token-0123456789';
let home: string;
let client: Client;
let app: ReturnType<typeof createRunnerApp>;

beforeAll(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'windsock-runner-openapi-'));
  const opened = await openRunnerDb(`file:${path.join(home, 'runner.db')}`);
  client = opened.client;
  const store = new RunnerJobStore(opened.db, 1);
  const inputs = new InputStore(path.join(home, 'inputs'));
  // The supervisor never ticks: no job runs here.
  const processes = new LocalProvider({ jobsDir: path.join(home, 'jobs'), python: '/nonexistent/python', cwd: home });
  const supervisor = new JobSupervisor({ store, inputs, processes, gpus: [], slots: 1, maxExecutions: 1, tickMs: 60_000, log: () => {} });
  app = createRunnerApp({ store, supervisor, inputs, gpus: [], slots: 1, pricePerGpuHourUsd: 0, token, cwd: home });
});
afterAll(() => {
  client?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

const routes: DocumentedRoute[] = [
  'GET /v1/health',
  'HEAD /v1/inputs/{sha256}',
  'PUT /v1/inputs/{sha256}',
  'POST /v1/jobs',
  'GET /v1/jobs',
  'GET /v1/jobs/{id}',
  'POST /v1/jobs/{id}/cancel',
  'GET /v1/jobs/{id}/logs',
  'GET /v1/jobs/{id}/artifacts',
  'GET /v1/jobs/{id}/artifacts/{name}',
];

describe('GET /openapi.json on the job runner', () => {
  it('documents every route, the streamed ones with their content types, read without a token', async () => {
    const doc = await checkOpenApiDocument(app, routes, { aliases: { 'GET /v1/jobs/{id}/artifacts/{name}': 'GET /v1/jobs/{id}/artifacts/*' } });
    expect(Object.keys(doc.paths).sort()).toEqual([...new Set(routes.map((r) => r.split(' ')[1]))].sort());
    expect(Object.keys(doc.paths['/v1/inputs/{sha256}']!.put!.requestBody!.content!)).toEqual(['application/octet-stream']);
    expect(Object.keys(doc.paths['/v1/jobs/{id}/logs']!.get!.responses!['200']!.content!)).toEqual(['text/plain']);
    expect(doc.paths['/v1/jobs']!.post!.responses!['201']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/SubmitJobResponse' });
    expect(doc.paths['/v1/jobs']!.post!['x-windsock-roles']).toEqual(['admin']);
    await checkReferencePage(app, doc);
  });

  it('validates with the schemas it documents, and keeps every route behind the token', async () => {
    const declared = registeredRoutes(app);
    expect(jsonBodySchema(declared.get('POST /v1/jobs'))).toBe(submitJobSchema);
    expect(declared.get('GET /v1/jobs')!.request!.query).toBe(listJobsQuery);
    expect(declared.get('GET /v1/jobs/{id}/logs')!.request!.query).toBe(logQuery);
    expect((await requestApp(app, 'GET', '/v1/health')).status).toBe(401);
    const refused = await requestApp(app, 'POST', '/v1/jobs', { headers: { authorization: `Bearer ${token}` }, body: { idempotencyKey: 'k', deadlineSeconds: 'soon' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/body\.deadlineSeconds/);
  });
});
