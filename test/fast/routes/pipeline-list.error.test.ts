// GET /v1/pipelines refuses bad filters with a 400 naming the problem (the stages it knows, the limit's
// range, a cursor it never gave), and a namespace without the pipeline search attributes with a 503
// that names them and the command that registers them. On both apps that mount it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cursorFor, pipelineListQuery } from '../../../api/pipelines/pipeline-list-query';
import { expectRefusal } from './app-request';
import { pipelineIdOf, pipelineMounts, type PipelineMount } from './pipeline-mounts';

describe.each(pipelineMounts)('GET /v1/pipelines on the $name refuses bad requests', ({ name, open }) => {
  let m: PipelineMount;
  beforeAll(async () => {
    m = await open(`pipeline-list-errors-${name.replace(/\W/g, '')}`);
  });
  afterAll(() => m?.close());
  beforeEach(async () => {
    await m.reset();
    for (const suffix of ['c1', 'c2', 'c3']) m.gateway.putPipeline(pipelineIdOf(suffix), { stage: 'training', submittedBy: 'alice' });
    await m.settle();
  });

  const get = (query: string) => m.request('GET', `/v1/pipelines${query}`, { as: 'dave' });

  it('an unknown stage is a 400 listing the stages', async () => {
    expectRefusal(await get('?stage=trained'), 400, 'bad_request', /^query\.stage: one of validating, training, evaluating, registering, awaiting_approval, rolling_out, promoting, succeeded, rejected, rolled_back, not_better, failed, cancelled$/);
  });

  it.each([
    ['0', /^query\.limit: /],
    ['201', /^query\.limit: .*200/],
    ['2.5', /^query\.limit: /],
    ['ten', /^query\.limit: /],
    ['', /^query\.limit: /],
  ])('limit=%s is a 400', async (limit, message) => {
    expectRefusal(await get(`?limit=${limit}`), 400, 'bad_request', message);
  });

  it.each([
    ['a model name that cannot be one', '?model=Not%20A%20Model', /^query\.model: lowercase letters/],
    ['an empty submitter', '?submittedBy=', /^query\.submittedBy: /],
    ['awaitingApprovalBy someone else', '?awaitingApprovalBy=bob', /^query\.awaitingApprovalBy: only 'me'/],
    ['a filter it does not know', '?stages=training', /^query: .*stages/],
    ['a filter given twice', '?stage=training&stage=evaluating', /^query\.stage: /],
    ['awaitingApprovalBy=me with another stage', '?awaitingApprovalBy=me&stage=training', /^query\.stage: awaitingApprovalBy=me lists pipelines awaiting_approval; stage=training contradicts it$/],
  ])('%s is a 400', async (_case, query, message) => {
    expectRefusal(await get(query), 400, 'bad_request', message);
    await m.expectNothingDone();
  });

  it.each([
    ['not base64url', 'abc+/=='],
    ['a bare page token', Buffer.from('{"offset":1}').toString('base64url')],
    ['a page token with a check that does not fit', `${Buffer.from('{"offset":1}').toString('base64url')}.0123456789abcdef`],
  ])('a cursor that is %s is a 400', async (_case, cursor) => {
    expectRefusal(await get(`?limit=1&cursor=${encodeURIComponent(cursor)}`), 400, 'bad_request', /^query\.cursor: not a cursor this listing gave/);
    expect(m.gateway.lists).toEqual([]);
  });

  it('a cursor given for other filters is a 400', async () => {
    const first = await get('?limit=1&submittedBy=alice');
    expectRefusal(await get(`?limit=1&cursor=${first.body.nextCursor}`), 400, 'bad_request', /^query\.cursor: not a cursor this listing gave for these filters; send the same filters as for the page before/);
  });

  it('a cursor whose page token Temporal cannot read is a 400', async () => {
    const query = pipelineListQuery({});
    const cursor = await cursorFor(query, Buffer.from('garbage').toString('base64url'));
    expectRefusal(await get(`?limit=1&cursor=${cursor}`), 400, 'bad_request', /^cursor: not a cursor this listing gave/);
  });

  it('a cursor it gave works', async () => {
    const first = await get('?limit=1');
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await get(`?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.status).toBe(200);
    expect(second.body.pipelines).toHaveLength(1);
  });

  it('a namespace without the search attributes is a 503 naming them and the command', async () => {
    m.gateway.registered.delete('WindsockStage');
    expectRefusal(
      await get('?stage=training'),
      503,
      'unavailable',
      /^Temporal namespace 'default' does not know the search attribute WindsockStage that pipeline listing needs; register them once with: temporal operator search-attribute create --namespace default --name WindsockModel --type Keyword --name WindsockStage --type Keyword --name WindsockSubmittedBy --type Keyword/,
    );
  });
});
