// GET /v1/pipelines: any signed-in principal may list (viewer and up), nobody without a token; the
// approval inbox (awaitingApprovalBy=me) only for who may approve, so it is a 403 for anyone else
// rather than an empty list that reads as "nothing waits". On both apps that mount it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { pipelineIdOf, pipelineMounts, type PipelineMount } from './pipeline-mounts';
import type { PrincipalName } from '../../test-principals';

describe.each(pipelineMounts)('GET /v1/pipelines on the $name lets through only who may', ({ name, open }) => {
  let m: PipelineMount;
  beforeAll(async () => {
    m = await open(`pipeline-list-security-${name.replace(/\W/g, '')}`);
  });
  afterAll(() => m?.close());
  beforeEach(async () => {
    await m.reset();
    m.gateway.putPipeline(pipelineIdOf('d1'), { stage: 'awaiting_approval', submittedBy: 'alice' });
    await m.settle();
  });

  it('without a token is a 401, and lists nothing', async () => {
    expectRefusal(await m.request('GET', '/v1/pipelines'), 401, 'unauthorized', /^missing bearer token/);
    expectRefusal(await m.request('GET', '/v1/pipelines?awaitingApprovalBy=me', { headers: { authorization: 'Bearer not-a-real-token-0123456789' } }), 401, 'unauthorized', /^unknown bearer token$/);
    expect(m.gateway.lists).toEqual([]);
  });

  it.each<PrincipalName>(['carol', 'alice', 'bob', 'dave', 'root'])('%s may list', async (as) => {
    const res = await m.request('GET', '/v1/pipelines', { as });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.pipelines.map((p: { pipelineId: string }) => p.pipelineId)).toEqual([pipelineIdOf('d1')]);
    await m.expectNothingDone();
  });

  it.each<PrincipalName>(['carol', 'alice'])('awaitingApprovalBy=me as %s (not an approver) is a 403 naming the role', async (as) => {
    expectRefusal(await m.request('GET', '/v1/pipelines?awaitingApprovalBy=me', { as }), 403, 'forbidden', new RegExp(`^${as} lacks the role for awaitingApprovalBy=me: .*needs approver$`));
    expect(m.gateway.lists).toEqual([]);
  });

  it('the submitter never sees their own pipeline in their inbox, another approver does', async () => {
    m.gateway.putPipeline(pipelineIdOf('d2'), { stage: 'awaiting_approval', submittedBy: 'dave' });
    const dave = await m.request('GET', '/v1/pipelines?awaitingApprovalBy=me', { as: 'dave' });
    expect(dave.body.pipelines.map((p: { pipelineId: string }) => p.pipelineId)).toEqual([pipelineIdOf('d1')]);
    const bob = await m.request('GET', '/v1/pipelines?awaitingApprovalBy=me&submittedBy=dave', { as: 'bob' });
    expect(bob.body.pipelines.map((p: { pipelineId: string }) => p.pipelineId)).toEqual([pipelineIdOf('d2')]);
  });

  it("a submitter name made to break the query stays one value: it finds nothing and lets nobody's pipeline through", async () => {
    const res = await m.request('GET', `/v1/pipelines?submittedBy=${encodeURIComponent("x' OR WindsockSubmittedBy != 'x")}`, { as: 'carol' });
    expect(res.status).toBe(200);
    expect(res.body.pipelines).toEqual([]);
  });
});
