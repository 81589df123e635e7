// /v1/audit refuses each bad query parameter with a 400 naming it, and unknown paths with a 404;
// nothing is written.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('audit-errors');
  await f.registry.appendAudit({ dedupeKey: 'error-1', actor: 'windsock', event: 'pipeline.started' });
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const ISO_RULE = /an ISO 8601 timestamp with a time zone, e\.g\. 2026-01-31T12:00:00Z/;
const CURSOR_RULE = /^query\.cursor: not a cursor from this API: pass the nextCursor of the page before$/;

describe('GET /v1/audit', () => {
  it.each([
    ['model', 'Breast-Cancer', /^query\.model: lowercase letters, digits, "\.", "_" or "-", at most 64, starting with a letter or digit$/],
    ['actor', '', /^query\.actor: .*(>=1|at least 1)/],
    ['actor', 'a'.repeat(129), /^query\.actor: .*(<=128|at most 128)/],
    ['action', 'Rollout.', /^query\.action: an event name \(approval\.approved\), or a prefix of names ending in a dot \(rollout\.\)$/],
    ['action', 'rollout..', /^query\.action: an event name/],
    ['action', '.promoted', /^query\.action: an event name/],
    ['action', 'rollout%25', /^query\.action: an event name/],
    ['from', 'yesterday', new RegExp(`^query\\.from: ${ISO_RULE.source}$`)],
    ['from', '2026-01-31', new RegExp(`^query\\.from: ${ISO_RULE.source}$`)],
    ['to', '2026-01-31T12:00:00', new RegExp(`^query\\.to: ${ISO_RULE.source}$`)],
    ['limit', '0', /^query\.limit: .*(>=1|at least 1)/],
    ['limit', '1001', /^query\.limit: .*(<=1000|at most 1000)/],
    ['limit', 'ten', /^query\.limit: .*expected number, received NaN/],
    ['limit', '2.5', /^query\.limit: .*expected int/],
    ['cursor', 'not-a-cursor', CURSOR_RULE],
    ['cursor', Buffer.from('a1.0').toString('base64url'), CURSOR_RULE],
    ['cursor', Buffer.from('a1.1 OR 1=1').toString('base64url'), CURSOR_RULE],
    ['cursor', '%2B%2F%3D', CURSOR_RULE],
  ])('a bad %s (%s) is a 400 naming it', async (param, value, message) => {
    expectRefusal(await f.request('GET', `/v1/audit?${param}=${value}`, { as: 'carol' }), 400, 'bad_request', message);
    await f.expectNothingDone();
  });

  it('a time range that ends before it starts is a 400 naming `to`', async () => {
    for (const range of ['from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'from=2026-02-01T00:00:00Z&to=2026-02-01T00:00:00Z']) {
      expectRefusal(await f.request('GET', `/v1/audit?${range}`, { as: 'carol' }), 400, 'bad_request', /^query\.to: must be later than from$/);
    }
    await f.expectNothingDone();
  });

  it('a parameter given twice, or one it does not know, is a 400 naming it', async () => {
    expectRefusal(await f.request('GET', '/v1/audit?actor=a&actor=b', { as: 'carol' }), 400, 'bad_request', /^query\.actor: .*expected string, received array/);
    expectRefusal(await f.request('GET', '/v1/audit?limt=5', { as: 'carol' }), 400, 'bad_request', /^query: .*"limt"/);
    await f.expectNothingDone();
  });

  it('an unknown path or method under /v1/audit is a 404 naming it', async () => {
    expectRefusal(await f.request('GET', '/v1/audit/1', { as: 'carol' }), 404, 'not_found', /^no route for GET \/v1\/audit\/1$/);
    expectRefusal(await f.request('POST', '/v1/audit', { as: 'root', body: {} }), 404, 'not_found', /^no route for POST \/v1\/audit$/);
    expectRefusal(await f.request('DELETE', '/v1/audit/verify', { as: 'root' }), 404, 'not_found', /^no route for DELETE \/v1\/audit\/verify$/);
    await f.expectNothingDone();
  });
});
