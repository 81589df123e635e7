// The job runner's HTTP API (Hono): inputs by digest, jobs (submit, read, list, cancel), logs by
// page, artifacts with their sha256, and the host's GPUs. Every route needs the runner's bearer token.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Principal } from '../core/auth/principals';
import { WindsockError } from '../core/windsock-error';
import type { ApiEnv } from '../api/http/api-env';
import { bearerAuth, requireRole } from '../api/http/bearer-auth';
import { notFound, onError, requestId } from '../api/http/error-envelope';
import { exposeMetrics } from '../api/http/http-metrics';
import { validate } from '../api/http/validate';
import { apiRoute, documentRoute, jsonAnswer, jsonBody, openApiRoutes } from '../api/http/openapi-routes';
import { mountApiReference } from '../api/openapi/api-reference-routes';
import type { Gpu } from './gpu-inventory';
import type { InputStore } from './input-store';
import type { JobSupervisor } from './job-supervisor';
import type { RunnerMetrics } from './runner-metrics';
import { submitJobSchema, type RunnerArtifact, type RunnerHealth, type RunnerJob, type SubmitJobResponse, type ValidSubmitJob } from '../contracts/runner-protocol';
import type { JobRow, RunnerJobStore } from './runner-job-store';
import { sha256Pattern } from '../contracts/shared-params';

export interface RunnerAppDeps {
  store: RunnerJobStore;
  supervisor: JobSupervisor;
  inputs: InputStore;
  gpus: Gpu[];
  slots: number;
  pricePerGpuHourUsd: number;
  token: string;
  /** Where relative script paths in job commands resolve (the job code's checkout on this host). */
  cwd: string;
  maxInputBytes?: number;
  /** Prometheus metrics: counted requests, and GET /metrics for the runner's token or the metrics token. */
  metrics?: RunnerMetrics;
  /** A token that reads /metrics and nothing else (a scraper need not hold the token that runs jobs). */
  metricsToken?: string;
}

const stateSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export const listJobsQuery = z.strictObject({ state: stateSchema.optional(), idempotencyKeyPrefix: z.string().optional() });
export const logQuery = z.strictObject({
  stream: z.enum(['stdout', 'stderr']).default('stdout'),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(4 * 1024 * 1024).default(1024 * 1024),
});

// The answers, as zod schemas held to the wire contract's types (contracts/runner-protocol.ts).
const runnerJobSchema = z
  .object({
    id: z.string(),
    idempotencyKey: z.string(),
    state: stateSchema,
    reason: z.enum(['job_error', 'deadline_exceeded', 'budget_exceeded', 'lost']).optional(),
    error: z.string().optional(),
    exitCode: z.number().int().optional(),
    progress: z.record(z.string(), z.unknown()).optional(),
    gpus: z.array(z.number().int()),
    executions: z.number().int(),
    submittedAt: z.number().openapi({ description: 'Milliseconds since the epoch.' }),
    startedAt: z.number().optional(),
    endedAt: z.number().optional(),
    gpuSeconds: z.number(),
    costUsd: z.number(),
  })
  .openapi('RunnerJob') satisfies z.ZodType<RunnerJob>;
const runnerArtifactSchema = z.object({ name: z.string(), size: z.number().int(), sha256: z.string() }).openapi('RunnerArtifact') satisfies z.ZodType<RunnerArtifact>;
const runnerHealthSchema = z
  .object({
    gpus: z.array(z.object({ index: z.number().int(), name: z.string(), memoryMiB: z.number() })),
    slots: z.number().int(),
    running: z.number().int(),
    queued: z.number().int(),
    pricePerGpuHourUsd: z.number(),
  })
  .openapi('RunnerHealth') satisfies z.ZodType<RunnerHealth>;
const submitJobResponseSchema = z.object({ job: runnerJobSchema, created: z.boolean() }).openapi('SubmitJobResponse') satisfies z.ZodType<SubmitJobResponse>;
const jobParam = z.object({ id: z.string().min(1) });
const sha256Param = z.object({ sha256: z.string() });
const runner = { roles: ['admin'] } as const;
const tags = ['runner'];

const healthRoute = apiRoute(runner, { method: 'get', path: '/health', tags, summary: "The host's GPUs, slots and queue", responses: { 200: jsonAnswer(runnerHealthSchema, 'the health') } });
const submitJobRoute = apiRoute(runner, {
  method: 'post',
  path: '/jobs',
  tags,
  summary: 'Submits a job (idempotent by its idempotencyKey)',
  request: { body: jsonBody(submitJobSchema) },
  responses: { 200: jsonAnswer(submitJobResponseSchema, 'the key names a job already submitted'), 201: jsonAnswer(submitJobResponseSchema, 'submitted') },
});
const listJobsRoute = apiRoute(runner, {
  method: 'get',
  path: '/jobs',
  tags,
  summary: 'The jobs, by state and idempotency key prefix',
  request: { query: listJobsQuery },
  responses: { 200: jsonAnswer(z.object({ jobs: z.array(runnerJobSchema) }), 'the jobs') },
});
const getJobRoute = apiRoute(runner, { method: 'get', path: '/jobs/{id}', tags, summary: 'A job', request: { params: jobParam }, responses: { 200: jsonAnswer(runnerJobSchema, 'the job') } });
const cancelJobRoute = apiRoute(runner, { method: 'post', path: '/jobs/{id}/cancel', tags, summary: 'Cancels a job', request: { params: jobParam }, responses: { 200: jsonAnswer(runnerJobSchema, 'the job') } });
const jobArtifactsRoute = apiRoute(runner, {
  method: 'get',
  path: '/jobs/{id}/artifacts',
  tags,
  summary: "The job's output files with their sizes and sha256",
  request: { params: jobParam },
  responses: { 200: jsonAnswer(z.object({ artifacts: z.array(runnerArtifactSchema) }), 'the artifacts') },
});

/** The runner's routes that stream or read their bodies themselves, documented beside the plain routes that serve them. */
function documentStreamingRoutes(app: OpenAPIHono<ApiEnv>): void {
  documentRoute(app, runner, {
    method: 'get',
    path: '/jobs/{id}/logs',
    tags,
    summary: "A page of the job's stdout or stderr; x-next-offset says where the next starts, x-log-complete whether the job ended and this is the end",
    request: { params: jobParam, query: logQuery },
    responses: { 200: { description: 'the page', content: { 'text/plain': { schema: z.string() } } } },
  });
  documentRoute(app, runner, { method: 'head', path: '/inputs/{sha256}', tags, summary: 'Whether the runner holds an input with this sha256', request: { params: sha256Param }, responses: { 200: { description: 'held' } } });
  documentRoute(app, runner, {
    method: 'put',
    path: '/inputs/{sha256}',
    tags,
    summary: 'Uploads an input (streamed, checked against its sha256)',
    request: { params: sha256Param, body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } } },
    responses: {
      200: jsonAnswer(z.object({ sha256: z.string(), created: z.boolean() }).loose(), 'held already'),
      201: jsonAnswer(z.object({ sha256: z.string(), created: z.boolean() }).loose().openapi('StoredInput'), 'stored'),
    },
  });
  documentRoute(app, runner, {
    method: 'get',
    path: '/jobs/{id}/artifacts/{name}',
    tags,
    summary: 'One output file, streamed; x-sha256 carries its digest (the name may hold slashes)',
    request: { params: jobParam.extend({ name: z.string() }) },
    responses: { 200: { description: 'the file', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } } },
  });
}

export function createRunnerApp(deps: RunnerAppDeps) {
  const principals: Principal[] = [{ name: 'runner-client', roles: ['admin'], token: deps.token }];
  const maxInputBytes = deps.maxInputBytes ?? 10 * 1024 ** 3;

  async function jobOr404(id: string): Promise<JobRow> {
    const row = await deps.store.get(id);
    if (!row) throw new WindsockError('not_found', `no job '${id}' on this runner`);
    return row;
  }

  function checkRunnable(spec: ValidSubmitJob): void {
    if (spec.image) throw new WindsockError('bad_request', 'body.image: this runner has no container runtime; send the job as a command');
    const missing = Object.entries(spec.inputs).filter(([, sha]) => !deps.inputs.has(sha));
    if (missing.length > 0) {
      throw new WindsockError('bad_request', `body.inputs: ${missing.map(([name, sha]) => `${name} (${sha})`).join(', ')} not uploaded; PUT /v1/inputs/<sha256> first`);
    }
    const wanted = spec.gpus ?? 0;
    if (wanted > deps.gpus.length) throw new WindsockError('bad_request', `body.gpus: the job needs ${wanted} GPUs; this runner has ${deps.gpus.length}`);
    for (const arg of spec.command ?? []) {
      if (/\.(py|sh|js|mjs)$/.test(arg) && !path.isAbsolute(arg) && !existsSync(path.resolve(deps.cwd, arg))) {
        throw new WindsockError('bad_request', `body.command: script '${arg}' is not on this runner (looked in ${deps.cwd})`);
      }
    }
  }

  const documented = openApiRoutes();
  documentStreamingRoutes(documented);
  documented.use(bearerAuth(principals));
  const v1 = documented
    .openapi(healthRoute, async (c) => {
      const running = (await deps.store.list(['running'])).length;
      const queued = (await deps.store.list(['queued'])).length;
      return c.json({ gpus: deps.gpus, slots: deps.slots, running, queued, pricePerGpuHourUsd: deps.pricePerGpuHourUsd } satisfies RunnerHealth, 200);
    })
    .openapi(submitJobRoute, async (c) => {
      const spec = c.req.valid('json');
      checkRunnable(spec);
      const { row, created } = await deps.store.submit(spec);
      if (created) void deps.supervisor.tick();
      return c.json({ job: deps.store.view(row), created } satisfies SubmitJobResponse, created ? 201 : 200);
    })
    .openapi(listJobsRoute, async (c) => {
      const { state, idempotencyKeyPrefix } = c.req.valid('query');
      const rows = (await deps.store.list(state ? [state] : undefined)).filter((r) => !idempotencyKeyPrefix || r.idempotencyKey.startsWith(idempotencyKeyPrefix));
      return c.json({ jobs: rows.map((r) => deps.store.view(r)) }, 200);
    })
    .openapi(getJobRoute, async (c) => c.json(deps.store.view(await jobOr404(c.req.valid('param').id)), 200))
    .openapi(cancelJobRoute, async (c) => {
      await jobOr404(c.req.valid('param').id);
      const row = await deps.supervisor.cancel(c.req.valid('param').id);
      return c.json(deps.store.view(row!), 200);
    })
    .openapi(jobArtifactsRoute, async (c) => c.json({ artifacts: await deps.supervisor.artifacts(await jobOr404(c.req.valid('param').id)) }, 200))
    .get('/jobs/:id/logs', validate('query', logQuery), async (c) => {
      const { stream, offset, limit } = c.req.valid('query');
      const row = await jobOr404(c.req.param('id'));
      const bytes = Buffer.from(await deps.supervisor.logs(row, stream));
      const page = bytes.subarray(offset, offset + limit);
      const next = offset + page.byteLength;
      const ended = row.state !== 'queued' && row.state !== 'running';
      c.header('x-next-offset', String(next));
      c.header('x-log-complete', String(ended && next >= bytes.byteLength));
      return c.body(new Uint8Array(page), 200, { 'content-type': 'text/plain; charset=utf-8' });
    })
    .on('HEAD', '/inputs/:sha256', (c) => c.body(null, deps.inputs.has(c.req.param('sha256')) ? 200 : 404))
    .put('/inputs/:sha256', async (c) => {
      const sha256 = c.req.param('sha256');
      if (!sha256Pattern.test(sha256)) throw new WindsockError('bad_request', 'the input path must be a lowercase hex sha256');
      if (!c.req.raw.body) throw new WindsockError('bad_request', 'an input upload needs a body');
      const stored = await deps.inputs.put(sha256, c.req.raw.body, maxInputBytes);
      return c.json({ sha256, ...stored }, stored.created ? 201 : 200);
    })
    .get('/jobs/:id/artifacts/*', async (c) => {
      const row = await jobOr404(c.req.param('id'));
      const encoded = c.req.path.slice(c.req.path.indexOf('/artifacts/') + '/artifacts/'.length);
      let name: string;
      try {
        name = decodeURIComponent(encoded);
      } catch {
        throw new WindsockError('bad_request', 'the artifact name is not valid percent-encoding');
      }
      if (!(await deps.supervisor.artifactNames(row)).includes(name)) throw new WindsockError('not_found', `job ${row.id} has no artifact '${name}'`);
      const artifact = await deps.supervisor.artifact(row, name);
      const body = Readable.toWeb(createReadStream(path.join(deps.supervisor.outputDir(row), name))) as ReadableStream<Uint8Array>;
      return c.body(body, 200, { 'content-type': 'application/octet-stream', 'content-length': String(artifact.size), 'x-sha256': artifact.sha256 });
    });

  const app = new OpenAPIHono<ApiEnv>();
  if (deps.metrics) {
    const scrapers: Principal[] = deps.metricsToken ? [...principals, { name: 'runner-metrics', roles: ['viewer'], token: deps.metricsToken }] : principals;
    app.use(deps.metrics.http.middleware()).get('/metrics', requestId, bearerAuth(scrapers), requireRole('viewer'), exposeMetrics(deps.metrics.registry));
  }
  const routed = app.use(requestId).get('/healthz', (c) => c.json({ ok: true })).route('/v1', v1);
  // GET /openapi.json and GET /docs, public: the API's shape, no data.
  mountApiReference(app, { title: 'Windsock job runner', version: '1', description: 'Inputs by digest, training jobs, their logs and artifacts, and the host GPUs. Every /v1 route needs the runner token.' });
  routed.onError(onError);
  routed.notFound(notFound);
  return routed;
}

export type RunnerApp = ReturnType<typeof createRunnerApp>;
