// /v1/pipelines refuses bad requests with a 4xx naming the problem, on both apps that mount it, and
// starts, signals or cancels nothing: bodies, params and datasets, unknown models and pipelines, and
// commands that the pipeline's state (as its status query answers) does not allow.
import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { pipelineIdOf, pipelineMounts, type PipelineMount } from './pipeline-mounts';

const id = pipelineIdOf('0123456789abcdef');

/** Dataset references each app refuses, and how it says why. */
const refusedDatasets: Record<string, Array<[string, string, RegExp]>> = {
  'control API': [
    ['a path that does not exist', 'examples/nope.csv', /^dataset 'examples\/nope\.csv' was not found under the dataset roots$/],
    ['a directory', 'examples/breast-cancer', /^dataset 'examples\/breast-cancer' is not a file$/],
    ['a host file outside the roots', '/etc/passwd', /^dataset '\/etc\/passwd' is outside the dataset roots: examples\/, .*\/datasets \(WINDSOCK_DATASET_ROOTS\)$/],
    ['a path that climbs out of the roots', 'examples/../package.json', /^dataset 'examples\/\.\.\/package\.json' is outside the dataset roots: /],
    ['a file URI outside the roots', 'file:///etc/shadow', /^dataset 'file:\/\/\/etc\/shadow' is outside the dataset roots: /],
    ['an object store URI without object-store credentials', 's3://bucket/data.csv', /^dataset 's3:\/\/bucket\/data\.csv' is in object storage, and this deployment has no object-store credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/],
    ['an https URL from a host not allowed', 'https://example.com/data.csv', /WINDSOCK_DATASET_HOSTS/],
    ['a file URI on another host', 'file://elsewhere/data.csv', /^dataset 'file:\/\/elsewhere\/data\.csv' is not a valid file:\/\/ URI$/],
  ],
  'serving app': [
    ['a path instead of a URI', 'examples/breast-cancer/data/breast-cancer.csv', /this API takes dataset URIs \(file:\/\/\.\.\.\), not paths/],
    ['a URI outside the allowed prefix', 'file:///etc/passwd', /dataset 'file:\/\/\/etc\/passwd' is outside the allowed locations: file:\/\/\/.*\/examples\//],
    ['an object store URI', 's3://bucket/data.csv', /is outside the allowed locations/],
  ],
};

describe.each(pipelineMounts)('pipeline routes on the $name refuse bad requests', ({ name, open }) => {
  let m: PipelineMount;
  beforeAll(async () => {
    m = await open(`pipeline-errors-${name.replace(/\W/g, '')}`);
  });
  afterAll(() => m?.close());
  beforeEach(() => m.reset());

  const valid = () => ({ model: 'breast-cancer', dataset: m.dataset });

  describe('POST /v1/pipelines', () => {
    it.each([
      ['malformed JSON', { raw: '{"model": ' }, /Malformed JSON in request body/],
      ['an unknown field', { body: { modle: 'x' } }, /^body: Unrecognized key: "modle"$/],
      ['a missing model', { body: { model: undefined } }, /body\.model: .*expected string/],
      ['a model name with capitals and spaces', { body: { model: 'Breast Cancer' } }, /body\.model: lowercase letters, digits/],
      ['an empty dataset', { body: { dataset: '' } }, /body\.dataset: .*>=1 characters/],
      ['a dataset reference over 1024 characters', { body: { dataset: `examples/${'x'.repeat(1024)}.csv` } }, /body\.dataset: .*<=1024 characters/],
      ['params that are a list', { body: { params: ['epochs'] } }, /body\.params: .*expected record/],
      ['a param that is an object', { body: { params: { layers: { hidden: 32 } } } }, /body\.params\.layers: /],
      ['a gate rule that is misspelt', { body: { gate: { f1: { min_abs_change: 0.1, greater_is_better: true } } } }, /body\.gate\.f1: Unrecognized key: "min_abs_change"/],
      ['a gate rule that sets no bound', { body: { gate: { f1: { greater_is_better: true } } } }, /body\.gate\.f1: set at least one of threshold, min_absolute_change, min_relative_change/],
      ['an approval timeout that is not a duration', { body: { approvalTimeout: 'soon' } }, /body\.approvalTimeout: a positive number of seconds or a duration like "30m"/],
      ['a negative approval timeout', { body: { approvalTimeout: -60 } }, /body\.approvalTimeout: a positive number of seconds/],
      ['an approval timeout of 1e300 seconds', { body: { approvalTimeout: 1e300 } }, /^body\.approvalTimeout: at most 90 days$/],
      ['a reminder that is not a duration', { body: { reminderBefore: 'the day before' } }, /^body\.reminderBefore: a positive number of seconds or a duration like "30m"/],
      ['a reminder a year before the deadline', { body: { reminderBefore: '365d' } }, /^body\.reminderBefore: at most 90 days$/],
      ['a holdout fraction out of range', { body: { holdout: { fraction: 1.5 } } }, /body\.holdout\.fraction: .*<1/],
      ['an unknown holdout field', { body: { holdout: { share: 0.2 } } }, /body\.holdout: Unrecognized key: "share"/],
      ['rollout steps that go down', { body: { rollout: { steps: [50, 10] } } }, /body\.rollout\.steps: steps must increase/],
      ['a negative rollout bake', { body: { rollout: { bakeSeconds: -1 } } }, /body\.rollout\.bakeSeconds: .*>=0/],
      // Both name only the field (zod's union says "Invalid input"), not the strategies it takes.
      ['an unknown rollout strategy', { body: { rollout: { strategy: 'yolo' } } }, /^body\.rollout: /],
      ['rollout: true', { body: { rollout: true } }, /^body\.rollout: /],
      ['a job deadline of zero', { body: { job: { deadlineSeconds: 0 } } }, /body\.job\.deadlineSeconds: .*>=1/],
      ['a compute profile name with capitals', { body: { compute: 'GPU Box' } }, /body\.compute: a compute profile name: lower case letters, digits, - and _/],
      ['compute and job.provider that disagree', { body: { compute: 'local', job: { provider: 'runner' } } }, /body\.compute \('local'\) and body\.job\.provider \('runner'\) disagree; send one/],
    ])('%s is a 400', async (_case, request, message) => {
      const options = 'raw' in request ? request : { body: { ...valid(), ...request.body } };
      expectRefusal(await m.request('POST', '/v1/pipelines', { as: 'alice', ...options }), 400, 'bad_request', message);
      await m.expectNothingDone();
    });

    it.each(refusedDatasets[name]!)('a dataset that is %s is a 400 naming it', async (_case, dataset, message) => {
      expectRefusal(await m.request('POST', '/v1/pipelines', { as: 'alice', body: { ...valid(), dataset } }), 400, 'bad_request', message);
      await m.expectNothingDone();
    });

    it('an unknown model is a 404 that lists the known ones', async () => {
      const res = await m.request('POST', '/v1/pipelines', { as: 'alice', body: { ...valid(), model: 'no-such-model' } });
      expectRefusal(res, 404, 'not_found', /^unknown model 'no-such-model'; known models: .*breast-cancer/);
      await m.expectNothingDone();
    });
  });

  describe('GET /v1/pipelines/:id', () => {
    it.each([
      ['a name without the digest', 'breast-cancer'],
      ['a digest that is not hex', 'breast-cancer-0123456789abcdeg'],
      ['capitals', 'Breast-Cancer-0123456789abcdef'],
      ['an encoded path', '..%2Fetc%2Fpasswd-0123456789abcdef'],
    ])('an id with %s is a 400', async (_case, badId) => {
      expectRefusal(await m.request('GET', `/v1/pipelines/${badId}`, { as: 'carol' }), 400, 'bad_request', /^param\.id: not a pipeline id$/);
      await m.expectNothingDone();
    });

    it('an unknown pipeline is a 404', async () => {
      expectRefusal(await m.request('GET', `/v1/pipelines/${id}`, { as: 'carol' }), 404, 'not_found', new RegExp(`^unknown pipeline '${id}'$`));
      await m.expectNothingDone();
    });

    it('a pipeline whose worker does not answer its status query is a retryable 503, not a 500', async () => {
      m.gateway.put(id, { queries: { status: new Error('no poller seen for task queue recently') } });
      expectRefusal(await m.request('GET', `/v1/pipelines/${id}`, { as: 'carol' }), 503, 'unavailable', /did not answer its status query \(is a worker running\?\): no poller seen/);
      await m.expectNothingDone();
    });
  });

  describe('POST /v1/pipelines/:id/approve', () => {
    it.each([
      ['malformed JSON', { raw: '{"comment": ' }, /Malformed JSON in request body/],
      ['an unknown field', { body: { comment: 'ok', approved: true } }, /^body: Unrecognized key: "approved"$/],
      ['a comment that is not text', { body: { comment: 42 } }, /body\.comment: .*expected string/],
      ['a comment over 2000 characters', { body: { comment: 'x'.repeat(2001) } }, /body\.comment: .*<=2000 characters/],
    ])('%s is a 400', async (_case, options, message) => {
      m.gateway.putPipeline(id, { stage: 'awaiting_approval', submittedBy: 'alice' });
      expectRefusal(await m.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', ...options }), 400, 'bad_request', message);
      await m.expectNothingDone();
    });

    it('a malformed id is a 400 and an unknown pipeline a 404', async () => {
      expectRefusal(await m.request('POST', '/v1/pipelines/not-a-pipeline/approve', { as: 'bob', body: {} }), 400, 'bad_request', /param\.id: not a pipeline id/);
      expectRefusal(await m.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: {} }), 404, 'not_found', new RegExp(`unknown pipeline '${id}'`));
      await m.expectNothingDone();
    });

    it.each(['training', 'rolling_out', 'succeeded', 'rejected'] as const)('a pipeline that is %s is a 409 naming its stage', async (stage) => {
      m.gateway.putPipeline(id, { stage, submittedBy: 'alice' });
      const res = await m.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: { comment: 'looks good' } });
      expectRefusal(res, 409, 'conflict', new RegExp(`pipeline '${id}' is ${stage}; approval is possible only while it is awaiting_approval`));
      await m.expectNothingDone();
    });

    it.each(['approve', 'reject'])('%s of a pipeline whose workflow closed while its status said awaiting_approval is a 409, not a 500', async (action) => {
      m.gateway.putPipeline(id, { stage: 'awaiting_approval', submittedBy: 'alice' }, { status: 'TERMINATED' });
      const res = await m.request('POST', `/v1/pipelines/${id}/${action}`, { as: 'bob', body: action === 'reject' ? { reason: 'worse recall' } : {} });
      expectRefusal(res, 409, 'conflict', new RegExp(`^workflow '${id}' is not running`));
      await m.expectNothingDone();
    });
  });

  describe('POST /v1/pipelines/:id/reject', () => {
    it.each([
      ['no reason', { body: {} }, /body\.reason: .*expected string/],
      ['an empty reason', { body: { reason: '' } }, /body\.reason: say why the version is rejected/],
      ['a reason over 2000 characters', { body: { reason: 'x'.repeat(2001) } }, /body\.reason: .*<=2000 characters/],
      ['an unknown field', { body: { reason: 'worse recall', comment: 'x' } }, /body: Unrecognized key: "comment"/],
      ['malformed JSON', { raw: '{' }, /Malformed JSON in request body/],
    ])('%s is a 400', async (_case, options, message) => {
      m.gateway.putPipeline(id, { stage: 'awaiting_approval', submittedBy: 'alice' });
      expectRefusal(await m.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', ...options }), 400, 'bad_request', message);
      await m.expectNothingDone();
    });

    it('an unknown pipeline is a 404', async () => {
      expectRefusal(await m.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: { reason: 'worse recall' } }), 404, 'not_found', /unknown pipeline/);
      await m.expectNothingDone();
    });

    it('a pipeline past approval is a 409 naming its stage', async () => {
      m.gateway.putPipeline(id, { stage: 'succeeded', submittedBy: 'alice' });
      const res = await m.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: { reason: 'worse recall' } });
      expectRefusal(res, 409, 'conflict', new RegExp(`pipeline '${id}' is succeeded; rejection is possible only while it is awaiting_approval`));
      await m.expectNothingDone();
    });
  });

  describe('POST /v1/pipelines/:id/rollout/:action', () => {
    it('an unknown action is a 400 listing the actions', async () => {
      m.gateway.putPipeline(id, { stage: 'rolling_out', submittedBy: 'alice' });
      const res = await m.request('POST', `/v1/pipelines/${id}/rollout/restart`, { as: 'bob', body: {} });
      expectRefusal(res, 400, 'bad_request', /param\.action: .*"pause"\|"resume"\|"abort"\|"promote"/);
      await m.expectNothingDone();
    });

    it.each([
      ['an unknown field', { body: { reason: 'canary is fine', force: true } }, /body: Unrecognized key: "force"/],
      ['a reason that is not text', { body: { reason: ['slow'] } }, /body\.reason: .*expected string/],
    ])('%s is a 400', async (_case, options, message) => {
      m.gateway.putPipeline(id, { stage: 'rolling_out', submittedBy: 'alice' });
      expectRefusal(await m.request('POST', `/v1/pipelines/${id}/rollout/pause`, { as: 'bob', ...options }), 400, 'bad_request', message);
      await m.expectNothingDone();
    });

    it('a malformed id is a 400 and an unknown pipeline a 404', async () => {
      expectRefusal(await m.request('POST', '/v1/pipelines/x/rollout/pause', { as: 'bob', body: {} }), 400, 'bad_request', /param\.id: not a pipeline id/);
      expectRefusal(await m.request('POST', `/v1/pipelines/${id}/rollout/pause`, { as: 'bob', body: {} }), 404, 'not_found', /unknown pipeline/);
      await m.expectNothingDone();
    });

    it.each(['pause', 'resume', 'abort', 'promote'])('%s while the pipeline is not rolling out is a 409', async (action) => {
      m.gateway.putPipeline(id, { stage: 'awaiting_approval', submittedBy: 'alice' });
      const res = await m.request('POST', `/v1/pipelines/${id}/rollout/${action}`, { as: 'bob', body: {} });
      expectRefusal(res, 409, 'conflict', new RegExp(`pipeline '${id}' is awaiting_approval; rollout commands work only while it is rolling_out`));
      await m.expectNothingDone();
    });

    it('a command whose rollout workflow has already ended is a 409, not a 500', async () => {
      m.gateway.putPipeline(id, { stage: 'rolling_out', submittedBy: 'alice' });
      const res = await m.request('POST', `/v1/pipelines/${id}/rollout/pause`, { as: 'bob', body: {} });
      expectRefusal(res, 409, 'conflict', new RegExp(`^workflow '${id}-rollout' is not running`));
      await m.expectNothingDone();
    });

    it("the pipeline's submitter may not promote its rollout early (four-eyes)", async () => {
      m.gateway.putPipeline(id, { stage: 'rolling_out', submittedBy: 'dave' });
      m.gateway.put(`${id}-rollout`);
      const res = await m.request('POST', `/v1/pipelines/${id}/rollout/promote`, { as: 'dave', body: {} });
      expectRefusal(res, 403, 'forbidden', new RegExp(`^dave submitted pipeline '${id}' and may not promote its rollout early`));
      await m.expectNothingDone();
    });
  });

  describe('POST /v1/pipelines/:id/cancel', () => {
    it('a malformed id is a 400 and an unknown pipeline a 404', async () => {
      expectRefusal(await m.request('POST', '/v1/pipelines/breast-cancer/cancel', { as: 'dave' }), 400, 'bad_request', /param\.id: not a pipeline id/);
      expectRefusal(await m.request('POST', `/v1/pipelines/${id}/cancel`, { as: 'dave' }), 404, 'not_found', /unknown pipeline/);
      await m.expectNothingDone();
    });

    it.each(['succeeded', 'failed', 'cancelled', 'not_better'] as const)('a pipeline that ended as %s is a 409', async (stage) => {
      m.gateway.putPipeline(id, { stage, submittedBy: 'dave' }, { status: stage === 'failed' ? 'FAILED' : 'COMPLETED' });
      expectRefusal(await m.request('POST', `/v1/pipelines/${id}/cancel`, { as: 'dave' }), 409, 'conflict', new RegExp(`pipeline '${id}' already ended as ${stage}`));
      await m.expectNothingDone();
    });

    it('a pipeline whose workflow was terminated mid-stage is a 409, not a signal to a closed workflow', async () => {
      m.gateway.putPipeline(id, { stage: 'training', submittedBy: 'dave' }, { status: 'TERMINATED' });
      expectRefusal(await m.request('POST', `/v1/pipelines/${id}/cancel`, { as: 'dave' }), 409, 'conflict', /already ended as training/);
      await m.expectNothingDone();
    });
  });

  it('a body over the limit is a 413 naming the limit', async () => {
    const res = await m.request('POST', '/v1/pipelines', { as: 'alice', body: { ...valid(), params: { note: 'x'.repeat(m.maxBodyBytes) } } });
    expectRefusal(res, 413, 'payload_too_large', new RegExp(`^request body larger than ${m.maxBodyBytes} bytes$`));
    await m.expectNothingDone();
  });

  it('an unknown pipeline route is a 404 naming the path', async () => {
    expectRefusal(await m.request('POST', `/v1/pipelines/${id}/restart`, { as: 'root', body: {} }), 404, 'not_found', new RegExp(`^no route for POST /v1/pipelines/${id}/restart$`));
    expectRefusal(await m.request('DELETE', `/v1/pipelines/${id}`, { as: 'root' }), 404, 'not_found', /no route for DELETE/);
    await m.expectNothingDone();
  });
});

describe('pipeline routes on the control API', () => {
  let m: PipelineMount;
  beforeAll(async () => {
    m = await pipelineMounts[0]!.open('pipeline-errors-symlink');
  });
  afterAll(() => m?.close());
  beforeEach(() => m.reset());

  it('refuse a dataset that is a symbolic link out of the roots, without saying where it leads', async () => {
    const link = path.join(m.datasetDir!, 'linked.csv');
    symlinkSync('/etc/passwd', link);
    const res = await m.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'breast-cancer', dataset: pathToFileURL(link).href } });
    expectRefusal(res, 400, 'bad_request', /linked\.csv' leads outside the dataset roots \(a symbolic link\): examples\/, /);
    expect(res.body.error.message).not.toMatch(/passwd/);
    await m.expectNothingDone();
  });
});
