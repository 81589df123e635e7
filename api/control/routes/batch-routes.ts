// Batch scoring: POST /v1/models/:name/batch scores a dataset with an approved version (a `batchScoring`
// workflow whose id is the batch's), or with `schedule` makes a Temporal Schedule that does so on a
// cron; GET /v1/batches/:id reads a batch's state and progress; /v1/models/:name/batch-schedules/:id
// reads or deletes a schedule. Everything that would fail the batch later is checked here first.
import { z } from 'zod';
import { noObjectStore } from '../../../artifacts/dataset-sources';
import { parseS3Uri } from '../../../artifacts/object-store-client';
import { checkBatchSample } from '../../../core/data/batch-features';
import { parseCsv } from '../../../core/data/csv';
import { isDatasetReference } from '../../../core/data/dataset-reference';
import { WindsockError } from '../../../core/windsock-error';
import {
  batchIdPattern,
  batchScheduleTemporalId,
  batchStatusQuery,
  batchWorkflowId,
  DEFAULT_BATCH_CHUNK_ROWS,
  MAX_BATCH_CHUNK_ROWS,
  MAX_BATCH_PARALLELISM,
  MIN_BATCH_CHUNK_ROWS,
  type BatchHeartbeat,
  type BatchInput,
  type BatchStatus,
} from '../../../contracts/batch-scoring-messages';
import { modelParam } from '../../../contracts/shared-params';
import type { RegistryStore } from '../../../registry/registry-store';
import { resolveScoringVersion } from '../../../registry/scoring-version';
import { apiRoute, jsonAnswer, jsonBody, openApiRoutes, typedObject } from '../../http/openapi-routes';
import { sha256Hex } from '../../http/sha256-hex';
import type { DatasetResolver } from '../../pipelines/pipeline-routes';
import type { TemporalGateway } from '../../temporal/temporal-gateway';
import type { BatchScheduleGateway, BatchScheduleView } from '../batch-schedule-gateway';

const scheduleId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, "_" or "-", at most 63, starting with a letter or digit');
const aliasName = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'an alias: lowercase letters, digits, ".", "_" or "-", at most 64');

export const submitBatchBody = z
  .strictObject({
    /** A path under the dataset roots, a file://, s3:// or allowed https:// URI, or dataset://name[/v]. */
    input: z.string().min(1).max(1024),
    /** An s3://bucket/key object, or an s3://bucket/prefix/ that gets `<batchId>.csv`; absent: the artifact store. */
    output: z.string().min(1).max(1024).optional(),
    version: z.number().int().min(1).optional(),
    /** The alias whose version scores (`champion` when neither version nor alias is given). */
    alias: aliasName.optional(),
    /** A column of the input copied to the output beside each row's number. */
    idColumn: z.string().min(1).max(256).optional(),
    chunkRows: z.number().int().min(MIN_BATCH_CHUNK_ROWS).max(MAX_BATCH_CHUNK_ROWS).default(DEFAULT_BATCH_CHUNK_ROWS),
    parallelism: z.number().int().min(1).max(MAX_BATCH_PARALLELISM).default(1),
    /** Run on a cron instead of now: each run reads the input afresh and writes its own output. */
    schedule: z.strictObject({ id: scheduleId.default('default'), cron: z.string().trim().min(1).max(200) }).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.version !== undefined && body.alias !== undefined) ctx.addIssue({ code: 'custom', path: ['alias'], message: 'give a version or an alias, not both' });
  });
export type SubmitBatchBody = z.input<typeof submitBatchBody>;

export const batchParam = z.object({ id: z.string().max(240).regex(batchIdPattern, 'not a batch id') });
export const batchScheduleParam = modelParam.extend({ id: scheduleId });

const tag = ['batches'];
const batchScheduleSchema = typedObject<BatchScheduleView>(
  'BatchSchedule',
  'A batch schedule: its cron, the batch each run starts, who made it, whether it is paused, its next run times and the batches it started.',
  { model: { type: 'string' }, id: { type: 'string' }, temporalScheduleId: { type: 'string' }, cron: { type: 'string' }, paused: { type: 'boolean' }, recentBatches: { type: 'array' } },
);
const batchStartedSchema = z.object({ batchId: z.string(), created: z.boolean(), status: z.string().openapi({ description: 'Where to read its state.' }) }).openapi('BatchStarted');

const submitBatchRoute = apiRoute(
  { roles: ['submitter', 'admin'], errors: [409, 422, 503] },
  {
    method: 'post',
    path: '/models/{name}/batch',
    tags: tag,
    summary:
      'Scores a dataset with an approved version (a batchScoring workflow), or with `schedule` makes a Temporal Schedule that does so on a cron; an Idempotency-Key header makes a retried POST start nothing new',
    request: { params: modelParam, body: jsonBody(submitBatchBody) },
    responses: {
      200: jsonAnswer(batchStartedSchema, 'the same request started it before'),
      201: jsonAnswer(
        z.object({ schedule: batchScheduleSchema.or(z.object({ model: z.string(), id: z.string(), temporalScheduleId: z.string() })), location: z.string() }).openapi('BatchScheduleCreated'),
        'the schedule was made',
      ),
      202: jsonAnswer(batchStartedSchema, 'started'),
    },
  },
);
const batchStateRoute = apiRoute(
  { roles: ['viewer'], errors: [503] },
  {
    method: 'get',
    path: '/batches/{id}',
    tags: tag,
    summary: "A batch's state and progress (while scoring, from the scoring activities' heartbeats)",
    request: { params: batchParam },
    responses: {
      200: jsonAnswer(
        typedObject<BatchStatus & { temporal: { status: string; startTime: string | null; closeTime: string | null } }>(
          'BatchState',
          "The batch's state, version, input, rows, chunks done and reused, progress (0 to 1), output once written, error, and Temporal's view.",
          { batchId: { type: 'string' }, model: { type: 'string' }, state: { type: 'string' }, progress: { type: 'number' }, temporal: { type: 'object' } },
        ),
        'the batch',
      ),
    },
  },
);
const batchScheduleRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/models/{name}/batch-schedules/{id}',
    tags: tag,
    summary: "A model's batch schedule",
    request: { params: batchScheduleParam },
    responses: { 200: jsonAnswer(batchScheduleSchema, 'the schedule') },
  },
);
const deleteBatchScheduleRoute = apiRoute(
  { roles: ['submitter', 'admin'] },
  {
    method: 'delete',
    path: '/models/{name}/batch-schedules/{id}',
    tags: tag,
    summary: "Deletes a model's batch schedule (the batches it started are kept)",
    request: { params: batchScheduleParam },
    responses: { 204: { description: 'deleted' } },
  },
);

export interface BatchRouteDeps {
  gateway: TemporalGateway;
  /** Batch schedules in Temporal; absent: `schedule` is refused (the edge's gateway has none). */
  schedules?: BatchScheduleGateway;
  registry: RegistryStore;
  datasets: DatasetResolver;
  /** Whether this deployment has object-store credentials, which an s3:// output needs. */
  objectStore: boolean;
  taskQueue: string;
}

export function batchRoutes(deps: BatchRouteDeps) {
  /** The output as given when it can be written: s3:// only, an object or (for a schedule) a prefix. */
  function checkOutput(output: string, scheduled: boolean): string {
    if (!output.startsWith('s3://')) {
      throw new WindsockError('bad_request', `body.output: '${output.slice(0, 200)}' is not an s3://bucket/key URI; leave output out to write to the artifact store`);
    }
    if (!deps.objectStore) throw noObjectStore(output, 'bad_request', 'batch output');
    const { key } = parseS3Uri(output, 'body.output');
    const prefix = key === '' || key.endsWith('/');
    if (scheduled && !prefix) {
      throw new WindsockError('bad_request', `body.output: a schedule writes one file per run, so its output is a prefix ending in '/' (s3://bucket/path/), not the object '${output.slice(0, 200)}'`);
    }
    if (!scheduled && key === '') throw new WindsockError('bad_request', `body.output: '${output.slice(0, 200)}' names a bucket, not an object or a prefix ending in '/'`);
    return output;
  }

  /** The input the worker reads (pinned unless `keepNewest`), after its first rows were checked against the spec. */
  async function checkInput(reference: string, spec: Parameters<typeof checkBatchSample>[0], model: string, idColumn: string | undefined, keepNewest: boolean) {
    const resolved = await deps.datasets.resolve(reference);
    const head = await deps.datasets.headOf?.(resolved);
    if (head) {
      const sample = checkBatchSample(spec, head.text, head.truncated);
      const problems = [...sample.problems];
      if (idColumn !== undefined && problems.length === 0) {
        const firstLine = head.text.slice(0, Math.max(0, head.text.indexOf('\n')) || head.text.length);
        const header = (() => {
          try {
            return parseCsv(firstLine).header;
          } catch {
            return undefined;
          }
        })();
        if (header && !header.includes(idColumn)) problems.push(`the id column ${idColumn} is missing from the file`);
      }
      if (problems.length > 0) {
        const shown = problems.slice(0, 5).join('; ');
        const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
        throw new WindsockError('bad_request', `batch input '${reference.slice(0, 200)}' does not fit model '${model}' (checked on its first ${sample.rows} rows): ${shown}${more}`);
      }
    }
    // A schedule reads `dataset://name` afresh each run; the check above was on today's newest version.
    return keepNewest && isDatasetReference(reference) ? reference : resolved;
  }

  return openApiRoutes()
    .openapi(submitBatchRoute, async (c) => {
      const { name } = c.req.valid('param');
      const body = c.req.valid('json');
      const principal = c.get('principal').name;
      if (body.schedule && !deps.schedules) throw new WindsockError('unavailable', 'this API manages no batch schedules (it has no Temporal schedule client)');
      const { version, spec } = await resolveScoringVersion(deps.registry, name, body);
      const output = body.output === undefined ? undefined : checkOutput(body.output, body.schedule !== undefined);
      const input = await checkInput(body.input, spec, name, body.idColumn, body.schedule !== undefined);
      const batch: BatchInput = {
        model: name,
        // A schedule follows the alias as it moves; a batch run now is pinned to what it resolved.
        ...(body.schedule && body.version === undefined ? { alias: body.alias ?? 'champion' } : { version: version.version }),
        input,
        ...(output === undefined ? {} : { output }),
        ...(body.idColumn === undefined ? {} : { idColumn: body.idColumn }),
        chunkRows: body.chunkRows,
        parallelism: body.parallelism,
        requestedBy: body.schedule ? `schedule:${body.schedule.id} (${principal})` : principal,
      };

      if (body.schedule) {
        const schedules = deps.schedules!;
        const created = await schedules.create({ model: name, id: body.schedule.id, cron: body.schedule.cron, batch, createdBy: principal }, deps.taskQueue);
        if (created === 'exists') {
          throw new WindsockError('conflict', `model '${name}' already has a batch schedule '${body.schedule.id}': DELETE /v1/models/${name}/batch-schedules/${body.schedule.id} first or pick another id`);
        }
        await deps.registry.appendAudit({
          dedupeKey: `batch-schedule:${name}:${body.schedule.id}:created:${Date.now()}`,
          actor: principal,
          event: 'batch.schedule_created',
          modelName: name,
          details: { id: body.schedule.id, cron: body.schedule.cron, input, output: output ?? null },
        });
        const view = await schedules.describe(name, body.schedule.id);
        return c.json({ schedule: view ?? { model: name, id: body.schedule.id, temporalScheduleId: batchScheduleTemporalId(name, body.schedule.id) }, location: `/v1/models/${name}/batch-schedules/${body.schedule.id}` }, 201);
      }

      // Same principal, body and Idempotency-Key: the same batch; without a key every POST is a new batch.
      const key = c.req.header('idempotency-key');
      const digest = key === undefined ? crypto.randomUUID().replace(/-/g, '') : await sha256Hex(`${principal}\n${key}\n${JSON.stringify(batch)}`);
      const batchId = batchWorkflowId(name, digest.slice(0, 16));
      const { started } = await deps.gateway.start({ workflowType: 'batchScoring', workflowId: batchId, taskQueue: deps.taskQueue, args: [batch] });
      return c.json({ batchId, created: started, status: `/v1/batches/${batchId}` }, started ? 202 : 200);
    })
    .openapi(batchStateRoute, async (c) => {
      const { id } = c.req.valid('param');
      const description = await deps.gateway.describe(id);
      if (!description) throw new WindsockError('not_found', `unknown batch '${id}'`);
      let status: BatchStatus;
      try {
        status = await deps.gateway.query<BatchStatus>(id, batchStatusQuery.name);
      } catch (err) {
        throw new WindsockError('unavailable', `batch '${id}' did not answer its status query (is a worker running?): ${(err as Error).message}`, { retryable: true });
      }
      // While chunks are scored, progress is in the scoring activities' heartbeats.
      if (status.state === 'scoring' && status.rows) {
        const beats = description.pendingActivities.filter((a) => a.activityType === 'scoreBatchChunks').map((a) => a.heartbeat as BatchHeartbeat | undefined);
        const rows = beats.reduce((n, b) => n + (b?.rows ?? 0), 0);
        status.chunksDone = beats.reduce((n, b) => n + (b?.done.length ?? 0), 0);
        status.progress = Math.min(1, rows / status.rows);
      }
      return c.json({ ...status, temporal: { status: description.status, startTime: description.startTime ?? null, closeTime: description.closeTime ?? null } }, 200);
    })
    .openapi(batchScheduleRoute, async (c) => {
      const { name, id } = c.req.valid('param');
      await deps.registry.requireModel(name);
      const view = await deps.schedules?.describe(name, id);
      if (!view) throw new WindsockError('not_found', `model '${name}' has no batch schedule '${id}'`);
      return c.json(view, 200);
    })
    .openapi(deleteBatchScheduleRoute, async (c) => {
      const { name, id } = c.req.valid('param');
      await deps.registry.requireModel(name);
      if (!(await deps.schedules?.delete(name, id))) throw new WindsockError('not_found', `model '${name}' has no batch schedule '${id}'`);
      await deps.registry.appendAudit({
        dedupeKey: `batch-schedule:${name}:${id}:deleted:${Date.now()}`,
        actor: c.get('principal').name,
        event: 'batch.schedule_deleted',
        modelName: name,
        details: { id },
      });
      return c.body(null, 204);
    });
}
