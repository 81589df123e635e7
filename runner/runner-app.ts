// The job runner's HTTP API (Hono): inputs by digest, jobs (submit, read, list, cancel), logs by
// page, artifacts with their sha256, and the host's GPUs. Every route needs the runner's bearer token.
import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Principal } from '../core/auth/principals';
import { WindsockError } from '../core/windsock-error';
import type { ApiEnv } from '../api/http/api-env';
import { bearerAuth, requireRole } from '../api/http/bearer-auth';
import { notFound, onError, requestId } from '../api/http/error-envelope';
import { exposeMetrics } from '../api/http/http-metrics';
import { validate } from '../api/http/validate';
import type { Gpu } from './gpu-inventory';
import type { InputStore } from './input-store';
import type { JobSupervisor } from './job-supervisor';
import type { RunnerMetrics } from './runner-metrics';
import { submitJobSchema, type RunnerHealth, type SubmitJobResponse, type ValidSubmitJob } from '../contracts/runner-protocol';
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
const listQuery = z.strictObject({ state: stateSchema.optional(), idempotencyKeyPrefix: z.string().optional() });
const logQuery = z.strictObject({
  stream: z.enum(['stdout', 'stderr']).default('stdout'),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(4 * 1024 * 1024).default(1024 * 1024),
});

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

  const v1 = new Hono<ApiEnv>()
    .use(bearerAuth(principals))
    .get('/health', async (c) => {
      const running = (await deps.store.list(['running'])).length;
      const queued = (await deps.store.list(['queued'])).length;
      return c.json({ gpus: deps.gpus, slots: deps.slots, running, queued, pricePerGpuHourUsd: deps.pricePerGpuHourUsd } satisfies RunnerHealth);
    })
    .on('HEAD', '/inputs/:sha256', (c) => c.body(null, deps.inputs.has(c.req.param('sha256')) ? 200 : 404))
    .put('/inputs/:sha256', async (c) => {
      const sha256 = c.req.param('sha256');
      if (!sha256Pattern.test(sha256)) throw new WindsockError('bad_request', 'the input path must be a lowercase hex sha256');
      if (!c.req.raw.body) throw new WindsockError('bad_request', 'an input upload needs a body');
      const stored = await deps.inputs.put(sha256, c.req.raw.body, maxInputBytes);
      return c.json({ sha256, ...stored }, stored.created ? 201 : 200);
    })
    .post('/jobs', validate('json', submitJobSchema), async (c) => {
      const spec = c.req.valid('json');
      checkRunnable(spec);
      const { row, created } = await deps.store.submit(spec);
      if (created) void deps.supervisor.tick();
      return c.json({ job: deps.store.view(row), created } satisfies SubmitJobResponse, created ? 201 : 200);
    })
    .get('/jobs', validate('query', listQuery), async (c) => {
      const { state, idempotencyKeyPrefix } = c.req.valid('query');
      const rows = (await deps.store.list(state ? [state] : undefined)).filter((r) => !idempotencyKeyPrefix || r.idempotencyKey.startsWith(idempotencyKeyPrefix));
      return c.json({ jobs: rows.map((r) => deps.store.view(r)) });
    })
    .get('/jobs/:id', async (c) => c.json(deps.store.view(await jobOr404(c.req.param('id')))))
    .post('/jobs/:id/cancel', async (c) => {
      await jobOr404(c.req.param('id'));
      const row = await deps.supervisor.cancel(c.req.param('id'));
      return c.json(deps.store.view(row!));
    })
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
    .get('/jobs/:id/artifacts', async (c) => c.json({ artifacts: await deps.supervisor.artifacts(await jobOr404(c.req.param('id'))) }))
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

  const app = new Hono<ApiEnv>();
  if (deps.metrics) {
    const scrapers: Principal[] = deps.metricsToken ? [...principals, { name: 'runner-metrics', roles: ['viewer'], token: deps.metricsToken }] : principals;
    app.use(deps.metrics.http.middleware()).get('/metrics', requestId, bearerAuth(scrapers), requireRole('viewer'), exposeMetrics(deps.metrics.registry));
  }
  const routed = app.use(requestId).get('/healthz', (c) => c.json({ ok: true })).route('/v1', v1);
  routed.onError(onError);
  routed.notFound(notFound);
  return routed;
}
