// /v1/pipelines: start a model pipeline, read its status, approve, reject or cancel it. Written once
// against TemporalGateway and mounted on the control API (Node) and the edge (Workers).
import { Hono } from 'hono';
import { z } from 'zod';
import { boundedDuration, parseDurationSeconds } from '../../core/pipeline/duration';
import { gateSchema } from '../../core/evaluation/metric-gate';
import { holdoutSchema, jobSpecSchema, MAX_APPROVAL_TIMEOUT_SECONDS, overridesOf, rolloutPlanSchema, type PipelineTemplate } from '../../core/pipeline/pipeline-template';
import { hasRole } from '../../core/auth/principals';
import { WindsockError } from '../../core/windsock-error';
import { checkDatasetSample } from '../../core/data/dataset-sample-check';
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
import type { ApiEnv } from '../http/api-env';
import { requireRole } from '../http/bearer-auth';
import type { TemporalGateway, WorkflowDescription, WorkflowListing } from '../temporal/temporal-gateway';
import { cursorFor, pageTokenOf, pipelineListQuery } from './pipeline-list-query';
import { validate } from '../http/validate';
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
});
export type StartPipelineBody = z.infer<typeof startPipelineBody>;

const approveBody = z.strictObject({ comment: z.string().max(2000).optional() });
const rejectBody = z.strictObject({ reason: z.string().min(1, 'say why the version is rejected').max(2000) });
const rolloutActionBody = z.strictObject({ reason: z.string().max(2000).optional() });
const idParam = z.object({ id: pipelineId });

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

const rolloutActionParam = idParam.extend({ action: z.enum(['pause', 'resume', 'abort', 'promote']) });

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

  return new Hono<ApiEnv>()
    .get('/', validate('query', listPipelinesQuery), async (c) => {
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
      return c.json({ pipelines: page.workflows.map(listedPipeline), nextCursor: page.nextPageToken ? await cursorFor(query, page.nextPageToken) : null });
    })
    .post('/', requireRole('submitter'), validate('json', startPipelineBody), async (c) => {
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
        job: { ...template.job, ...body.job, ...(body.compute ? { provider: body.compute } : {}) },
        params: { ...template.params, ...body.params },
        gate: body.gate ?? template.gate,
        holdout: { ...template.holdout, ...body.holdout },
        approvalTimeoutSeconds: body.approvalTimeout !== undefined ? parseDurationSeconds(body.approvalTimeout)! : template.approvalTimeoutSeconds,
        reminderBeforeSeconds: body.reminderBefore !== undefined ? parseDurationSeconds(body.reminderBefore) : undefined,
        submittedBy: principal.name,
        rollout,
        ...(loosened.length > 0 ? { loosened } : {}),
      };
      const { started } = await deps.gateway.start({ workflowType: 'modelPipeline', workflowId: pipelineId, taskQueue: deps.taskQueue, args: [input] });
      const location = `/v1/pipelines/${pipelineId}`;
      c.header('location', location);
      return c.json({ pipelineId, created: started, status: location }, started ? 202 : 200);
    })
    .get('/:id', validate('param', idParam), async (c) => {
      const { id } = c.req.valid('param');
      const { status, description } = await statusOf(id);
      const training = description.pendingActivities.find((a) => a.activityType === 'trainModel');
      const rollout = status.stage === 'rolling_out' ? await deps.gateway.query<RolloutStatus>(rolloutWorkflowId(id), rolloutStatusQuery.name).catch(() => undefined) : undefined;
      return c.json({
        ...status,
        ...(rollout ? { rollout } : {}),
        ...(training ? { progress: { attempt: training.attempt, ...(training.heartbeat as object | undefined), lastFailure: training.lastFailure } } : {}),
        temporal: { workflowId: description.workflowId, runId: description.runId, status: description.status, startTime: description.startTime, closeTime: description.closeTime },
      });
    })
    .post('/:id/approve', requireRole('approver'), validate('param', idParam), validate('json', approveBody), async (c) => {
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
    .post('/:id/reject', requireRole('approver'), validate('param', idParam), validate('json', rejectBody), async (c) => {
      const { id } = c.req.valid('param');
      const { status } = await statusOf(id);
      if (status.stage !== 'awaiting_approval') {
        throw new WindsockError('conflict', `pipeline '${id}' is ${status.stage}; rejection is possible only while it is awaiting_approval`);
      }
      await deps.gateway.update(id, rejectUpdate.name, { principal: c.get('principal').name, comment: c.req.valid('json').reason });
      return c.json({ pipelineId: id, accepted: true }, 202);
    })
    .post('/:id/rollout/:action', requireRole('approver'), validate('param', rolloutActionParam), validate('json', rolloutActionBody), async (c) => {
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
    .post('/:id/cancel', requireRole('submitter'), validate('param', idParam), async (c) => {
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
