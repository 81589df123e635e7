// GET /metrics on the control API needs a known bearer token (any role: Prometheus scrapes with a
// viewer token), and what it exposes never carries a request's path, id or token.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { parseExposition } from './prometheus-exposition';
import type { PrincipalName } from '../../test-principals';

describe('GET /metrics', () => {
  let f: ControlFixture;
  beforeAll(async () => {
    f = await openControlFixture('metrics-security');
  });
  afterAll(() => f?.close());
  beforeEach(() => f.reset());

  it('refuses a request without a token, or with an unknown one, with a 401', async () => {
    expectRefusal(await f.request('GET', '/metrics'), 401, 'unauthorized', /^missing bearer token: send Authorization: Bearer <token>$/);
    expectRefusal(await f.request('GET', '/metrics', { headers: { authorization: 'Bearer root-token-0123456789b' } }), 401, 'unauthorized', /^unknown bearer token$/);
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['alice', 'bob', 'carol', 'dave', 'erin', 'root'])('lets %s (any role) read it', async (as) => {
    const res = await f.request('GET', '/metrics', { as });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(() => parseExposition(res.body as string)).not.toThrow();
  });

  it('takes a viewer token issued through /v1/tokens, as a scrape config would carry it', async () => {
    const issued = await f.request('POST', '/v1/tokens', { as: 'root', body: { name: 'prometheus', roles: ['viewer'], expiresIn: '30d' } });
    expect(issued.status, JSON.stringify(issued.body)).toBe(201);
    const res = await f.request('GET', '/metrics', { headers: { authorization: `Bearer ${issued.body.token}` } });
    expect(res.status).toBe(200);
  });

  it('never exposes the paths, ids or tokens of the requests it counts', async () => {
    const id = `leak-${randomUUID()}`;
    const token = `Bearer not-a-token-${randomUUID()}`;
    await f.request('GET', `/v1/pipelines/${id}`, { as: 'carol' });
    await f.request('GET', `/v1/pipelines/${id}`, { headers: { authorization: token } });
    await f.request('GET', `/${id}`);
    const text = (await f.request('GET', '/metrics', { as: 'carol' })).body as string;
    expect(text).not.toContain(id);
    expect(text).not.toContain(token.slice('Bearer '.length));
    expect(text).not.toContain('carol-token');
  });
});
