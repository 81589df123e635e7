// /v1/pipelines: start a model pipeline, read its status, approve, reject or cancel it. Written once
// against TemporalGateway and mounted on the control API (Node) and the edge (Workers).
import { z } from 'zod';
import { boundedDuration, parseDurationSeconds } from '../../core/pipeline/duration';
import { gateSchema } from '../../core/evaluation/metric-gate';
import { holdoutSchema, jobSpecSchema, MAX_APPROVAL_TIMEOUT_SECONDS, overridesOf, rolloutPlanSchema, type PipelineTemplate } from '../../core/pipeline/pipeline-template';
import { hasRole } from '../../core/auth/principals';
import { WindsockError } from '../../core/windsock-error';
import { checkDatasetSample } from '../../core/data/dataset-sample-check';
import { tuningSchema } from '../../core/tuning/search-space';
import { tuningJobProblems } from '../../core/tuning/job-metrics';
import {
  approveUpdate,
  finalStages,
  pipelineSearchAttributes,
  rejectUpdate,
  stages,
  statusQuery,
  type PipelineInput,
  type PipelineStatus,
} from '../../contracts/model-pipeline-messages';
import {
  abortRolloutSignal,
  pauseRolloutSignal,
  promoteRolloutSignal,
  resumeRolloutSignal,
  rolloutStatusQuery,
  rolloutWorkflowId,
  type RolloutStatus,
} from '../../contracts/canary-rollout-messages';
import { apiRoute, jsonAnswer, jsonBody, openApiRoutes, typedObject } from '../http/openapi-routes';
import type { TemporalGateway, WorkflowDescription, WorkflowListing } from '../temporal/temporal-gateway';
import { cursorFor, pageTokenOf, pipelineListQuery } from './pipeline-list-query';
import { modelName, pipelineId } from '../../contracts/shared-params';
import { sha256Hex } from '../http/sha256-hex';
import { loosenedGate, loosenedRollout, rolloutRulesOf } from '../../core/governance/policy-override';

export interface ModelTemplates {
  /** The model's current template and its revision (absent where serving was given a template without one). */
  get(model: string): Promise<{ template: PipelineTemplate; revision?: number } | undefined>;
  names(): Promise<string[]>;
}

export interface DatasetResolver {
  /** The dataset's URI for the worker, or a WindsockError naming why it cannot be used. */
  resolve(reference: string): Promise<string>;
  /** The first bytes of a resolved dataset where they are cheap to read (undefined otherwise); `truncated` when it goes on. */
  headOf?(uri: string): Promise<{ text: string; truncated: boolean } | undefined>;
}

export interface PipelineRouteDeps {
  gateway: TemporalGateway;
  taskQueue: string;
  templates: ModelTemplates;
  datasets: DatasetResolver;
  /** Whether approved versions roll out to an edge (one is configured); otherwise the alias moves at approval. */
  rollout: boolean;
}

export const startPipelineBody = z.strictObject({
  model: modelName,
  dataset: z.string().min(1).max(1024),
  /** Overrides of the model's job; changing the command needs the admin role (it runs on the worker host). */
  job: overridesOf(jobSpecSchema).optional(),
  /** The compute profile to train on (`local`, `runner`, ...); the same as job.provider. */
  compute: jobSpecSchema.shape.provider,
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])).optional(),
  gate: gateSchema.optional(),
  holdout: overridesOf(holdoutSchema).optional(),
  approvalTimeout: boundedDuration(MAX_APPROVAL_TIMEOUT_SECONDS).optional(),
  reminderBefore: boundedDuration(MAX_APPROVAL_TIMEOUT_SECONDS).optional(),
  /** Overrides of the model's rollout plan; false keeps the new version off the edge. */
  rollout: z.union([z.literal(false), overridesOf(rolloutPlanSchema)]).optional(),
  /** Hyperparameter tuning for this run, in place of the model's own (core/tuning/search-space.ts). */
  tuning: tuningSchema.optional(),
});
export type StartPipelineBody = z.infer<typeof startPipelineBody>;

export const approveBody = z.strictObject({ comment: z.string().max(2000).optional() });
export const rejectBody = z.strictObject({ reason: z.string().min(1, 'say why the version is rejected').max(2000) });
export const rolloutActionBody = z.strictObject({ reason: z.string().max(2000).optional() });
export const pipelineIdParam = z.object({ id: pipelineId });

export const MAX_LIST_LIMIT = 200;
export const listPipelinesQuery = z.strictObject({
  model: modelName.optional(),
  stage: z.enum(stages, { error: `one of ${stages.join(', ')}` }).optional(),
  submittedBy: z.string().min(1).max(256).optional(),
  /** `me`: what the caller may approve (awaiting approval, submitted by someone else); approvers only. */
  awaitingApprovalBy: z.literal('me', { error: "only 'me' (the pipelines you may approve)" }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(50),
  /** The `nextCursor` of the page before, with the same filters: opaque. */
  cursor: z.string().max(4096).regex(/^[A-Za-z0-9_-]+\.[0-9a-f]{16}$/, 'not a cursor this listing gave').optional(),
});

/** One pipeline as its search attributes show it; null where a pipeline started before they existed. */
function listedPipeline(w: WorkflowListing) {
  const attribute = (key: { name: string }) => (typeof w.searchAttributes[key.name] === 'string' ? (w.searchAttributes[key.name] as string) : null);
  return {
    pipelineId: w.workflowId,
    model: attribute(pipelineSearchAttributes.model),
    stage: attribute(pipelineSearchAttributes.stage),
    submittedBy: attribute(pipelineSearchAttributes.submittedBy),
    status: w.status,
    startTime: w.startTime ?? null,
    closeTime: w.closeTime ?? null,
  };
}

export const rolloutActionParam = pipelineIdParam.extend({ action: z.enum(['pause', 'resume', 'abort', 'promote']) });

/** Same principal, same body, same Idempotency-Key: same pipeline id, so a retried POST starts nothing new. */
async function pipelineIdFor(principal: string, body: StartPipelineBody, idempotencyKey: string | undefined): Promise<string> {
  const canonical = JSON.stringify(body, Object.keys(flattenKeys(body)).sort());
  return `${body.model}-${(await sha256Hex(`${principal}\n${idempotencyKey ?? ''}\n${canonical}`)).slice(0, 16)}`;
}

function flattenKeys(value: unknown, out: Record<string, true> = {}): Record<string, true> {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out[k] = true;
      flattenKeys(v, out);
    }
  }
  return out;
}

/** GET /v1/pipelines/:id: the workflow's status, its rollout's while it rolls out, the training's progress, and Temporal's view. */
function pipelineDetail(status: PipelineStatus, description: WorkflowDescription, rollout: RolloutStatus | undefined) {
  const training = description.pendingActivities.find((a) => a.activityType === 'trainModel');
  return {
    ...status,
    ...(rollout ? { rollout } : {}),
    ...(training ? { progress: { attempt: training.attempt, ...(training.heartbeat as object | undefined), lastFailure: training.lastFailure } } : {}),
    temporal: { workflowId: description.workflowId, runId: description.runId, status: description.status, startTime: description.startTime, closeTime: description.closeTime },
  };
}

const tag = ['pipelines'];
const acceptedSchema = z.object({ pipelineId: z.string(), accepted: z.boolean() }).openapi('PipelineCommandAccepted');
const listedPipelineSchema = z
  .object({
    pipelineId: z.string(),
    model: z.string().nullable(),
    stage: z.string().nullable(),
    submittedBy: z.string().nullable(),
    status: z.string(),
    startTime: z.string().nullable(),
    closeTime: z.string().nullable(),
  })
  .openapi('ListedPipeline');
const startedSchema = z.object({ pipelineId: z.string(), created: z.boolean(), status: z.string().openapi({ description: 'Where to read its status.' }) }).openapi('PipelineStarted');

const listPipelinesRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/',
    tags: tag,
    summary: 'Lists pipelines, newest first, by model, stage, submitter, or what the caller may approve (awaitingApprovalBy=me: approvers)',
    request: { query: listPipelinesQuery },
    responses: { 200: jsonAnswer(z.object({ pipelines: z.array(listedPipelineSchema), nextCursor: z.string().nullable() }).openapi('PipelinePage'), 'the page') },
  },
);
const startPipelineRoute = apiRoute(
  { roles: ['submitter'] },
  {
    method: 'post',
    path: '/',
    tags: tag,
    summary: 'Starts a model pipeline (train, evaluate, gate, approve, roll out); an Idempotency-Key header makes a retried POST start nothing new',
    request: { body: jsonBody(startPipelineBody) },
    responses: { 200: jsonAnswer(startedSchema, 'the same request started it before'), 202: jsonAnswer(startedSchema, 'started') },
  },
);
const getPipelineRoute = apiRoute(
  { roles: ['viewer'], errors: [503] },
  {
    method: 'get',
    path: '/{id}',
    tags: tag,
    summary: "A pipeline's status",
    request: { params: pipelineIdParam },
    responses: {
      200: jsonAnswer(
        typedObject<ReturnType<typeof pipelineDetail>>('PipelineDetail', "The pipeline's stage, model, version, metrics and gate, approvals, the rollout's status while it rolls out, the training's progress, and Temporal's view.", {
          stage: { type: 'string' },
          model: { type: 'string' },
          temporal: { type: 'object' },
        }),
        'the pipeline',
      ),
    },
  },
);
const approveRoute = apiRoute(
  { roles: ['approver'], errors: [409, 503] },
  {
    method: 'post',
    path: '/{id}/approve',
    tags: tag,
    summary: "Approves the pipeline's version (not its submitter: four-eyes)",
    request: { params: pipelineIdParam, body: jsonBody(approveBody) },
    responses: { 202: jsonAnswer(acceptedSchema, 'the workflow took the decision') },
  },
);
const rejectRoute = apiRoute(
  { roles: ['approver'], errors: [409, 503] },
  {
    method: 'post',
    path: '/{id}/reject',
    tags: tag,
    summary: "Rejects the pipeline's version",
    request: { params: pipelineIdParam, body: jsonBody(rejectBody) },
    responses: { 202: jsonAnswer(acceptedSchema, 'the workflow took the decision') },
  },
);
const rolloutActionRoute = apiRoute(
  { roles: ['approver'], errors: [409, 503] },
  {
    method: 'post',
    path: '/{id}/rollout/{action}',
    tags: tag,
    summary: "Pauses, resumes, aborts or promotes the pipeline's canary rollout",
    request: { params: rolloutActionParam, body: jsonBody(rolloutActionBody) },
    responses: { 202: jsonAnswer(acceptedSchema.extend({ action: rolloutActionParam.shape.action }).openapi('RolloutCommandAccepted'), 'signalled') },
  },
);
const cancelRoute = apiRoute(
  { roles: ['submitter'], errors: [409, 503] },
  {
    method: 'post',
    path: '/{id}/cancel',
    tags: tag,
    summary: 'Cancels a running pipeline (its submitter, or an admin)',
    request: { params: pipelineIdParam },
    responses: { 202: jsonAnswer(acceptedSchema, 'cancellation requested') },
  },
);

export function pipelineRoutes(deps: PipelineRouteDeps) {
  async function describeOr404(id: string): Promise<WorkflowDescription> {
    const description = await deps.gateway.describe(id);
    if (!description) throw new WindsockError('not_found', `unknown pipeline '${id}'`);
    return description;
  }

  async function statusOf(id: string): Promise<{ status: PipelineStatus; description: WorkflowDescription }> {
    const description = await describeOr404(id);
    try {
      return { status: await deps.gateway.query<PipelineStatus>(id, statusQuery.name), description };
    } catch (err) {
      throw new WindsockError('unavailable', `pipeline '${id}' did not answer its status query (is a worker running?): ${(err as Error).message}`, {
        retryable: true,
      });
    }
  }

  return openApiRoutes()
    .openapi(listPipelinesRoute, async (c) => {
      const { model, stage, submittedBy, awaitingApprovalBy, limit, cursor } = c.req.valid('query');
      const principal = c.get('principal');
      if (awaitingApprovalBy && !hasRole(principal, 'approver')) {
        throw new WindsockError('forbidden', `${principal.name} lacks the role for awaitingApprovalBy=me: it lists what an approver may approve, and needs approver`);
      }
      if (awaitingApprovalBy && stage && stage !== 'awaiting_approval') {
        throw new WindsockError('bad_request', `query.stage: awaitingApprovalBy=me lists pipelines awaiting_approval; stage=${stage} contradicts it`);
      }
      const query = pipelineListQuery({ model, stage, submittedBy, ...(awaitingApprovalBy ? { approvableBy: principal.name } : {}) });
      const nextPageToken = cursor !== undefined ? await pageTokenOf(query, cursor) : undefined;
      if (cursor !== undefined && nextPageToken === undefined) {
        throw new WindsockError('bad_request', 'query.cursor: not a cursor this listing gave for these filters; send the same filters as for the page before, or list again without it');
      }
      const page = await deps.gateway.list({ query, pageSize: limit, ...(nextPageToken !== undefined ? { nextPageToken } : {}) });
      return c.json({ pipelines: page.workflows.map(listedPipeline), nextCursor: page.nextPageToken ? await cursorFor(query, page.nextPageToken) : null }, 200);
    })
    .openapi(startPipelineRoute, async (c) => {
      const body = c.req.valid('json');
      const principal = c.get('principal');
      const current = await deps.templates.get(body.model);
      if (!current) {
        const known = await deps.templates.names();
        throw new WindsockError('not_found', `unknown model '${body.model}'; known models: ${known.join(', ') || 'none'}`);
      }
      const { template, revision: templateRevision } = current;
      if (body.job?.command && !hasRole(principal, 'admin')) {
        throw new WindsockError('forbidden', 'overriding job.command runs a process on the worker host and needs the admin role');
      }
      if (body.compute && body.job?.provider && body.compute !== body.job.provider) {
        throw new WindsockError('bad_request', `body.compute ('${body.compute}') and body.job.provider ('${body.job.provider}') disagree; send one`);
      }
      const rollout = deps.rollout && body.rollout !== false ? rolloutPlanSchema.parse({ ...template.rollout, ...body.rollout }) : undefined;
      const loosened = [
        ...(body.gate ? loosenedGate(template.gate, body.gate) : []),
        ...(rollout && body.rollout ? loosenedRollout(rolloutRulesOf(rolloutPlanSchema.parse(template.rollout)), rolloutRulesOf(rollout)) : []),
      ];
      if (loosened.length > 0 && !hasRole(principal, 'admin')) {
        throw new WindsockError('forbidden', `the request loosens the model's policy, which only an admin may do: ${loosened.map((l) => `${l.field} (${l.why})`).join('; ')}`);
      }
      const job = { ...template.job, ...body.job, ...(body.compute ? { provider: body.compute } : {}) };
      const params = { ...template.params, ...body.params };
      const tuning = body.tuning ?? template.tuning;
      const tuningProblems = body.tuning ? tuningJobProblems(body.tuning, job.command, params) : [];
      if (tuningProblems.length > 0) {
        throw new WindsockError('bad_request', tuningProblems.map((p) => `body.tuning${p.path.length ? `.${p.path.join('.')}` : ''}: ${p.message}`).join('; '));
      }
      const datasetUri = await deps.datasets.resolve(body.dataset);
      const head = await deps.datasets.headOf?.(datasetUri);
      const sample = head ? checkDatasetSample(template.datasetSpec, head.text, head.truncated) : undefined;
      if (sample && sample.problems.length > 0) {
        const shown = sample.problems.slice(0, 5).join('; ');
        const more = sample.problems.length > 5 ? `; and ${sample.problems.length - 5} more` : '';
        throw new WindsockError('bad_request', `dataset '${body.dataset}' does not fit model '${body.model}' (checked on its first ${sample.rows} rows): ${shown}${more}`);
      }
      const pipelineId = await pipelineIdFor(principal.name, body, c.req.header('idempotency-key'));
      const input: PipelineInput = {
        pipelineId,
        model: body.model,
        ...(templateRevision !== undefined ? { templateRevision } : {}),
        datasetUri,
        spec: template.datasetSpec,
        job,
        params,
        gate: body.gate ?? template.gate,
        holdout: { ...template.holdout, ...body.holdout },
        approvalTimeoutSeconds: body.approvalTimeout !== undefined ? parseDurationSeconds(body.approvalTimeout)! : template.approvalTimeoutSeconds,
        reminderBeforeSeconds: body.reminderBefore !== undefined ? parseDurationSeconds(body.reminderBefore) : undefined,
        submittedBy: principal.name,
        rollout,
        ...(loosened.length > 0 ? { loosened } : {}),
        ...(template.evaluation ? { evaluation: template.evaluation } : {}),
        ...(tuning ? { tuning } : {}),
      };
      const { started } = await deps.gateway.start({ workflowType: 'modelPipeline', workflowId: pipelineId, taskQueue: deps.taskQueue, args: [input] });
      const location = `/v1/pipelines/${pipelineId}`;
      c.header('location', location);
      return c.json({ pipelineId, created: started, status: location }, started ? 202 : 200);
    })
    .openapi(getPipelineRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { status, description } = await statusOf(id);
      const rollout = status.stage === 'rolling_out' ? await deps.gateway.query<RolloutStatus>(rolloutWorkflowId(id), rolloutStatusQuery.name).catch(() => undefined) : undefined;
      return c.json(pipelineDetail(status, description, rollout), 200);
    })
    .openapi(approveRoute, async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      const { status } = await statusOf(id);
      if (status.submittedBy === principal.name) {
        throw new WindsockError('forbidden', `${principal.name} submitted pipeline '${id}' and may not approve it; another approver must (four-eyes)`);
      }
      if (status.stage !== 'awaiting_approval') {
        throw new WindsockError('conflict', `pipeline '${id}' is ${status.stage}; approval is possible only while it is awaiting_approval`);
      }
      // The workflow accepts or refuses the decision itself (its update validator), in one step.
      await deps.gateway.update(id, approveUpdate.name, { principal: principal.name, comment: c.req.valid('json').comment });
      return c.json({ pipelineId: id, accepted: true }, 202);
    })
    .openapi(rejectRoute, async (c) => {
      const { id } = c.req.valid('param');
      const { status } = await statusOf(id);
      if (status.stage !== 'awaiting_approval') {
        throw new WindsockError('conflict', `pipeline '${id}' is ${status.stage}; rejection is possible only while it is awaiting_approval`);
      }
      await deps.gateway.update(id, rejectUpdate.name, { principal: c.get('principal').name, comment: c.req.valid('json').reason });
      return c.json({ pipelineId: id, accepted: true }, 202);
    })
    .openapi(rolloutActionRoute, async (c) => {
      const { id, action } = c.req.valid('param');
      const { status } = await statusOf(id);
      if (status.stage !== 'rolling_out') {
        throw new WindsockError('conflict', `pipeline '${id}' is ${status.stage}; rollout commands work only while it is rolling_out`);
      }
      if (action === 'promote' && status.submittedBy === c.get('principal').name) {
        throw new WindsockError('forbidden', `${status.submittedBy} submitted pipeline '${id}' and may not promote its rollout early; another approver must (four-eyes)`);
      }
      const signal = { pause: pauseRolloutSignal, resume: resumeRolloutSignal, abort: abortRolloutSignal, promote: promoteRolloutSignal }[action];
      await deps.gateway.signal(rolloutWorkflowId(id), signal.name, { principal: c.get('principal').name, reason: c.req.valid('json').reason });
      return c.json({ pipelineId: id, action, accepted: true }, 202);
    })
    .openapi(cancelRoute, async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      const { status, description } = await statusOf(id);
      if (status.submittedBy !== principal.name && !hasRole(principal, 'admin')) {
        throw new WindsockError('forbidden', `only ${status.submittedBy} (the submitter) or an admin may cancel pipeline '${id}'`);
      }
      if (finalStages.has(status.stage) || description.status !== 'RUNNING') {
        throw new WindsockError('conflict', `pipeline '${id}' already ended as ${status.stage}`);
      }
      await deps.gateway.cancel(id);
      return c.json({ pipelineId: id, accepted: true }, 202);
    });
}
