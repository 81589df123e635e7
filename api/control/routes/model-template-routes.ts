// /v1/models templates: register a model (POST), revise its template (PUT), read its revisions. A
// template runs a process on the worker host and owns the model's gate and rollout policy, so a job
// command of one's own and a looser policy than the current revision's need the admin role.
import { z } from 'zod';
import { hasRole, type Principal } from '../../../core/auth/principals';
import { gateMetricProblems } from '../../../core/evaluation/gate-metric-problems';
import { loosenedGate, loosenedRollout, rolloutRulesOf } from '../../../core/governance/policy-override';
import { modelTemplateBody, registerModelBody, templateFromBody } from '../../../contracts/model-template-body';
import { BUILT_IN_TRAINER_COMMAND, type PipelineTemplate } from '../../../core/pipeline/pipeline-template';
import { WindsockError } from '../../../core/windsock-error';
import { modelParam } from '../../../contracts/shared-params';
import { canonicalJson } from '../../../core/canonical-json';
import type { RegistryStore } from '../../../registry/registry-store';
import type { Model, SavedTemplate } from '../../../registry/registry-types';
import { apiRoute, jsonAnswer, jsonBody, openApiRoutes, typedObject } from '../../http/openapi-routes';

const revisionParam = modelParam.extend({ revision: z.coerce.number().int().min(1, 'revisions start at 1') });

export interface ModelTemplateRouteDeps {
  registry: RegistryStore;
}

/** The stored template a body describes, once it passes what its schema cannot see: a gate on metrics the model reports. */
function checked(body: z.infer<typeof modelTemplateBody>) {
  const planned = templateFromBody(body);
  const problems = gateMetricProblems(planned.template.gate, planned.template.datasetSpec, { crossValidation: planned.template.evaluation?.crossValidation !== undefined });
  if (problems.length > 0) throw new WindsockError('bad_request', problems.map((p) => `body.gate.${p.metric}: ${p.message}`).join('; '));
  return planned;
}

type ModelTemplateView = ReturnType<typeof view>;
type TemplateRevision = Awaited<ReturnType<RegistryStore['listTemplateRevisions']>>[number];
const modelTemplateViewSchema = typedObject<ModelTemplateView>('RegisteredModel', 'The model with its current template: name, description, revision, outcome (created, updated or unchanged), template, createdBy, createdAt.', {
  name: { type: 'string' },
  revision: { type: 'integer' },
  outcome: { type: 'string' },
  template: { type: 'object' },
});
const templateRevisionSchema = typedObject<TemplateRevision>('TemplateRevision', 'One revision of a model template: its number, the template, who saved it and when.', { revision: { type: 'integer' }, template: { type: 'object' } });

const registerModelRoute = apiRoute(
  { roles: ['maintainer'], errors: [409] },
  {
    method: 'post',
    path: '/',
    tags: ['models'],
    summary: "Registers a model with its template (a job command of one's own needs admin); the same template again is a no-op",
    request: { body: jsonBody(registerModelBody) },
    responses: { 200: jsonAnswer(modelTemplateViewSchema, 'registered before with this very template'), 201: jsonAnswer(modelTemplateViewSchema, 'registered') },
  },
);
const reviseModelRoute = apiRoute(
  { roles: ['maintainer'] },
  {
    method: 'put',
    path: '/{name}',
    tags: ['models'],
    summary: "Saves the model's next template revision (loosening its gate or rollout policy needs admin)",
    request: { params: modelParam, body: jsonBody(modelTemplateBody) },
    responses: { 200: jsonAnswer(modelTemplateViewSchema, 'unchanged'), 201: jsonAnswer(modelTemplateViewSchema, 'a new revision (or a new model)') },
  },
);
const listRevisionsRoute = apiRoute(
  { roles: ['viewer'] },
  {
    method: 'get',
    path: '/{name}/revisions',
    tags: ['models'],
    summary: "The model's template revisions",
    request: { params: modelParam },
    responses: { 200: jsonAnswer(z.object({ model: z.string(), revision: z.number().int(), revisions: z.array(templateRevisionSchema) }), 'the revisions') },
  },
);
const getRevisionRoute = apiRoute(
  { roles: ['viewer'] },
  { method: 'get', path: '/{name}/revisions/{revision}', tags: ['models'], summary: 'One template revision', request: { params: revisionParam }, responses: { 200: jsonAnswer(templateRevisionSchema, 'the revision') } },
);

export function modelTemplateRoutes({ registry }: ModelTemplateRouteDeps) {
  return openApiRoutes()
    .openapi(registerModelRoute, async (c) => {
      const { name, ...body } = c.req.valid('json');
      const { template, description } = checked(body);
      const principal = c.get('principal');
      const current = await registry.getModel(name);
      if (current) {
        if (canonicalJson(current.template) === canonicalJson(template) && current.description === description) return c.json(view(current, 'unchanged'), 200);
        throw new WindsockError('conflict', `model '${name}' exists with another template (revision ${current.revision}); PUT /v1/models/${name} makes its next revision`);
      }
      requireAdminFor(principal, privilegedChanges(undefined, template));
      const saved = await registry.saveTemplate(name, template, description, principal.name);
      if (saved.outcome !== 'created') throw new WindsockError('conflict', `model '${name}' was registered by another request meanwhile; read it and PUT /v1/models/${name} to change it`);
      return c.json(view(await registry.requireModel(name), saved.outcome), 201);
    })
    .openapi(reviseModelRoute, async (c) => {
      const { name } = c.req.valid('param');
      const { template, description } = checked(c.req.valid('json'));
      const principal = c.get('principal');
      requireAdminFor(principal, privilegedChanges((await registry.getModel(name))?.template, template));
      const saved = await registry.saveTemplate(name, template, description, principal.name);
      return c.json(view(await registry.requireModel(name), saved.outcome), saved.outcome === 'created' ? 201 : 200);
    })
    .openapi(listRevisionsRoute, async (c) => {
      const { name } = c.req.valid('param');
      const model = await registry.requireModel(name);
      return c.json({ model: model.name, revision: model.revision, revisions: await registry.listTemplateRevisions(name) }, 200);
    })
    .openapi(getRevisionRoute, async (c) => {
      const { name, revision } = c.req.valid('param');
      const model = await registry.requireModel(name);
      const found = (await registry.listTemplateRevisions(name)).find((r) => r.revision === revision);
      if (!found) throw new WindsockError('not_found', `model '${name}' has no template revision ${revision}; its newest is ${model.revision}`);
      return c.json(found, 200);
    });
}

function view(model: Model, outcome: SavedTemplate['outcome']) {
  return { name: model.name, description: model.description, revision: model.revision, outcome, template: model.template, createdBy: model.createdBy, createdAt: model.createdAt };
}

/**
 * What in a new template only an admin may do: run a job command of its own (other than the built-in
 * trainer and the command the model already runs), and loosen the current gate or rollout policy.
 */
function privilegedChanges(current: PipelineTemplate | undefined, next: PipelineTemplate): string[] {
  const found: string[] = [];
  const command = canonicalJson(next.job.command);
  if (command !== canonicalJson(BUILT_IN_TRAINER_COMMAND) && (!current || command !== canonicalJson(current.job.command))) {
    found.push('job.command (a command of its own runs a process on the worker host)');
  }
  if (current) {
    const loosened = [...loosenedGate(current.gate, next.gate), ...loosenedRollout(rolloutRulesOf(current.rollout), rolloutRulesOf(next.rollout))];
    found.push(...loosened.map((l) => `${l.field} (${l.why})`));
  }
  return found;
}

function requireAdminFor(principal: Pick<Principal, 'roles'>, changes: string[]): void {
  if (changes.length > 0 && !hasRole(principal, 'admin')) {
    throw new WindsockError('forbidden', `only an admin may set: ${changes.join('; ')}`);
  }
}
