// /v1/pipelines lets through only who may: a bearer token of a known principal on every route, the
// role each command needs, admin to override the job's command, four-eyes on approval and only the
// submitter or an admin to cancel. On both apps that mount it; a refusal starts or signals nothing.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal } from './app-request';
import { pipelineIdOf, pipelineMounts, type PipelineMount } from './pipeline-mounts';
import type { PrincipalName } from '../../test-principals';

const id = pipelineIdOf('fedcba9876543210');

const routes: Array<[method: string, path: string, body: unknown]> = [
  ['POST', '/v1/pipelines', { model: 'breast-cancer', dataset: 'x' }],
  ['GET', `/v1/pipelines/${id}`, undefined],
  ['POST', `/v1/pipelines/${id}/approve`, {}],
  ['POST', `/v1/pipelines/${id}/reject`, { reason: 'worse recall' }],
  ['POST', `/v1/pipelines/${id}/rollout/pause`, {}],
  ['POST', `/v1/pipelines/${id}/cancel`, undefined],
];

describe.each(pipelineMounts)('pipeline routes on the $name refuse who may not', ({ name, open }) => {
  let m: PipelineMount;
  beforeAll(async () => {
    m = await open(`pipeline-security-${name.replace(/\W/g, '')}`);
  });
  afterAll(() => m?.close());
  beforeEach(async () => {
    await m.reset();
    // A pipeline dave submitted, waiting for approval: every refusal below is about the caller.
    m.gateway.putPipeline(id, { stage: 'awaiting_approval', submittedBy: 'dave' });
  });

  it.each(routes)('%s %s without a token is a 401 that says how to send one', async (method, path, body) => {
    expectRefusal(await m.request(method, path, { body }), 401, 'unauthorized', /^missing bearer token: send Authorization: Bearer <token>$/);
    await m.expectNothingDone();
  });

  it.each(routes)('%s %s with an unknown token is a 401', async (method, path, body) => {
    expectRefusal(await m.request(method, path, { body, headers: { authorization: 'Bearer not-a-real-token-0123456789' } }), 401, 'unauthorized', /^unknown bearer token$/);
    await m.expectNothingDone();
  });

  it.each([
    ['a Basic credential', 'Basic YWxpY2U6c2VjcmV0'],
    ['a bare token', 'alice-token-0123456789'],
    ['a Bearer with no token', 'Bearer '],
  ])('%s instead of a bearer token is a 401', async (_case, authorization) => {
    expectRefusal(await m.request('GET', `/v1/pipelines/${id}`, { headers: { authorization } }), 401, 'unauthorized', /missing bearer token/);
    await m.expectNothingDone();
  });

  it('an unknown path under /v1 without a token is a 401: authentication comes before routing', async () => {
    expectRefusal(await m.request('GET', '/v1/pipelines-nope'), 401, 'unauthorized', /missing bearer token/);
    await m.expectNothingDone();
  });

  it.each<[string, string, unknown, PrincipalName, string]>([
    ['POST', '/v1/pipelines', { model: 'breast-cancer', dataset: 'x' }, 'carol', 'submitter'],
    ['POST', '/v1/pipelines', { model: 'breast-cancer', dataset: 'x' }, 'bob', 'submitter'],
    ['POST', `/v1/pipelines/${id}/approve`, {}, 'carol', 'approver'],
    ['POST', `/v1/pipelines/${id}/approve`, {}, 'alice', 'approver'],
    ['POST', `/v1/pipelines/${id}/reject`, { reason: 'worse recall' }, 'carol', 'approver'],
    ['POST', `/v1/pipelines/${id}/reject`, { reason: 'worse recall' }, 'alice', 'approver'],
    ['POST', `/v1/pipelines/${id}/rollout/abort`, {}, 'carol', 'approver'],
    ['POST', `/v1/pipelines/${id}/rollout/abort`, {}, 'alice', 'approver'],
    ['POST', `/v1/pipelines/${id}/cancel`, undefined, 'carol', 'submitter'],
    ['POST', `/v1/pipelines/${id}/cancel`, undefined, 'bob', 'submitter'],
  ])('%s %s as %s is a 403 naming the role it needs', async (method, path, body, as, role) => {
    expectRefusal(await m.request(method, path, { as, body }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs ${role}$`));
    await m.expectNothingDone();
  });

  it.each<PrincipalName>(['alice', 'dave'])('overriding job.command as %s (no admin role) is a 403', async (as) => {
    const res = await m.request('POST', '/v1/pipelines', { as, body: { model: 'breast-cancer', dataset: m.dataset, job: { command: ['sh', '-c', 'id'] } } });
    expectRefusal(res, 403, 'forbidden', /overriding job\.command runs a process on the worker host and needs the admin role/);
    await m.expectNothingDone();
  });

  it.each<PrincipalName>(['dave', 'root'])('%s approving a pipeline they submitted is a 403 (four-eyes)', async (as) => {
    m.gateway.putPipeline(id, { stage: 'awaiting_approval', submittedBy: as });
    const res = await m.request('POST', `/v1/pipelines/${id}/approve`, { as, body: { comment: 'mine is fine' } });
    expectRefusal(res, 403, 'forbidden', new RegExp(`^${as} submitted pipeline '${id}' and may not approve it; another approver must \\(four-eyes\\)$`));
    await m.expectNothingDone();
  });

  it('four-eyes is checked before the stage: the submitter is told why, not that it is too late', async () => {
    m.gateway.putPipeline(id, { stage: 'succeeded', submittedBy: 'dave' });
    expectRefusal(await m.request('POST', `/v1/pipelines/${id}/approve`, { as: 'dave', body: {} }), 403, 'forbidden', /four-eyes/);
    await m.expectNothingDone();
  });

  it('cancelling another submitter\'s pipeline is a 403 naming who may', async () => {
    const res = await m.request('POST', `/v1/pipelines/${id}/cancel`, { as: 'alice' });
    expectRefusal(res, 403, 'forbidden', new RegExp(`^only dave \\(the submitter\\) or an admin may cancel pipeline '${id}'$`));
    await m.expectNothingDone();
  });
});
