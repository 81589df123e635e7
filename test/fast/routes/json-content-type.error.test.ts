// A JSON body sent as anything else is a 415: Hono's validator would otherwise check an empty object
// in its place, and a route would act on defaults the caller never asked for (an approval without its
// comment; a retrain policy stored enabled when the body said disabled).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControlFixture } from './control-app-fixture';
import { openServingFixture } from './serving-app-fixture';

describe('JSON bodies', () => {
  let control: Awaited<ReturnType<typeof openControlFixture>>;
  let serving: Awaited<ReturnType<typeof openServingFixture>>;
  beforeAll(async () => {
    control = await openControlFixture('json-content-type');
    serving = await openServingFixture('json-content-type');
  });
  afterAll(async () => {
    await control?.close();
    await serving?.close();
  });

  it('refuses a JSON body sent as text/plain with a 415 naming what to send, starting nothing', async () => {
    await control.reset();
    const res = await control.request('POST', '/v1/pipelines', { as: 'alice', raw: JSON.stringify({ model: 'breast-cancer', dataset: 'examples/breast-cancer/data/breast-cancer.csv' }), headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({ code: 'unsupported_media_type', message: "send the body as JSON (content-type: application/json), not 'text/plain'" });
    await control.expectNothingDone();
  });

  it('refuses an admin policy sent as text/plain instead of storing the defaults', async () => {
    const res = await serving.request('PUT', '/admin/models/bc/retrain-policy', { as: 'root', raw: JSON.stringify({ enabled: false }), headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(415);
    expect((await serving.request('GET', '/admin/models/bc/retrain-policy', { as: 'root' })).status).toBe(404);
  });

  it('takes application/json with a charset, and vendor +json types', async () => {
    const ok = await serving.request('PUT', '/admin/models/bc/retrain-policy', { as: 'root', raw: JSON.stringify({ enabled: false }), headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(ok.status).toBe(200);
    expect(ok.body.retrainPolicy).toMatchObject({ enabled: false });
    const vendor = await serving.request('PUT', '/admin/models/bc/retrain-policy', { as: 'root', raw: JSON.stringify({ enabled: true }), headers: { 'content-type': 'application/vnd.windsock+json' } });
    expect(vendor.status).toBe(200);
  });
});
