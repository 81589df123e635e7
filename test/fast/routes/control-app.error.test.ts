// The control API outside its resources: an unknown path is a 404 in the envelope, a body over the
// limit is a 413 on every route, and a refusal carries the caller's request id (or a fresh one when
// the caller's is not a sane one), so that a person can find it in the server's log.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { maxBodyBytes, openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('control-app-errors');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('the control API', () => {
  it('answers an unknown path outside /v1 with a 404 naming it, without asking for a token', async () => {
    expectRefusal(await f.request('GET', '/nothing'), 404, 'not_found', /^no route for GET \/nothing$/);
    expectRefusal(await f.request('POST', '/healthz', { body: {} }), 404, 'not_found', /^no route for POST \/healthz$/);
    await f.expectNothingDone();
  });

  it('answers an unknown path under /v1 with a 404 once the caller is known', async () => {
    expectRefusal(await f.request('GET', '/v1/workflows', { as: 'carol' }), 404, 'not_found', /^no route for GET \/v1\/workflows$/);
    await f.expectNothingDone();
  });

  it.each([
    ['POST', '/v1/models/breast-cancer/retrain', 'alice', { reason: 'x'.repeat(maxBodyBytes) }],
    ['POST', '/v1/models/breast-cancer/schedules', 'root', { every: '1h', note: 'x'.repeat(maxBodyBytes) }],
    ['POST', '/v1/models/breast-cancer/rollback', 'root', { version: 1, reason: 'x'.repeat(maxBodyBytes) }],
  ] as const)('refuses a body over the limit on %s %s with a 413', async (method, path, as, body) => {
    expectRefusal(await f.request(method, path, { as, body }), 413, 'payload_too_large', new RegExp(`^request body larger than ${maxBodyBytes} bytes$`));
    await f.expectNothingDone();
  });

  it('puts the caller\'s request id in the envelope, and a fresh one when the caller\'s is not sane', async () => {
    const echoed = await f.request('GET', '/v1/models/no-such-model', { as: 'carol', headers: { 'x-request-id': 'trace-42.a_b' } });
    expectRefusal(echoed, 404, 'not_found', /unknown model/);
    expect(echoed.body.error.requestId).toBe('trace-42.a_b');
    const replaced = await f.request('GET', '/v1/models/no-such-model', { as: 'carol', headers: { 'x-request-id': 'has spaces; and <html>' } });
    expectRefusal(replaced, 404, 'not_found', /unknown model/);
    expect(replaced.body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    await f.expectNothingDone();
  });
});
