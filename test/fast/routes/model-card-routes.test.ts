// GET /v1/models/:name/versions/:v/card: the registry's record of a version as a model card, JSON or
// Markdown; the serving side's part is best effort (here the edge answers 503, and the card is given).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture } from './control-app-fixture';

describe('model cards', () => {
  let f: Awaited<ReturnType<typeof openControlFixture>>;
  let version: number;
  beforeAll(async () => {
    f = await openControlFixture('model-card');
    version = await f.registerVersion('breast-cancer', 'approved');
    await f.registry.recordDecision({ modelName: 'breast-cancer', version, pipelineId: `breast-cancer-${'0'.repeat(15)}1`, principal: 'bob', decision: 'approved', comment: 'holdout | looks good' });
  });
  beforeEach(() => f.reset());
  afterAll(() => f?.close());

  it('gives the card as JSON: purpose, data, training, evaluation, approvals', async () => {
    const res = await f.request('GET', `/v1/models/breast-cancer/versions/${version}/card`, { as: 'carol' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      model: 'breast-cancer',
      version,
      purpose: expect.stringMatching(/Breast Cancer Wisconsin/),
      status: { status: 'approved', champion: false },
      data: { uri: 'file:///data.csv', sha256: '0'.repeat(64), features: ['features FP32 [-1, 30]'] },
      training: { codeVersion: 'test', compute: { provider: 'local' }, createdBy: 'dave' },
      evaluation: { metrics: { roc_auc: 0.99, f1: 0.95 }, confusionMatrix: [[1, 0], [0, 1]] },
      approvals: [{ principal: 'bob', decision: 'approved', comment: 'holdout | looks good' }],
      serving: null,
    });
  });

  it('gives it as Markdown for Accept: text/markdown, table cells escaped', async () => {
    const res = await f.app.request(`/v1/models/breast-cancer/versions/${version}/card`, { headers: { authorization: 'Bearer carol-token-0123456789', accept: 'text/markdown' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/markdown/);
    const text = await res.text();
    expect(text).toMatch(new RegExp(`^# breast-cancer v${version}\\n`));
    expect(text).toContain('| roc_auc | 0.9900 |');
    expect(text).toContain('- approved by bob on ');
    expect(text).toContain('holdout \\| looks good');
  });

  it('answers 404 for an unknown model or version and 400 for a bad version', async () => {
    expectRefusal(await f.request('GET', '/v1/models/nope/versions/1/card', { as: 'carol' }), 404, 'not_found', /unknown model 'nope'/);
    expectRefusal(await f.request('GET', '/v1/models/breast-cancer/versions/99/card', { as: 'carol' }), 404, 'not_found', /has no version 99/);
    expectRefusal(await f.request('GET', '/v1/models/breast-cancer/versions/one/card', { as: 'carol' }), 400, 'bad_request', /param\.v/);
    expectRefusal(await f.request('GET', '/v1/models/breast-cancer/versions/1/card'), 401, 'unauthorized', /missing bearer token/);
  });
});
