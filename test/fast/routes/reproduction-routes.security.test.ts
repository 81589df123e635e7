// Reproduction routes need a known token; starting one needs the submitter or admin role (a viewer,
// an approver or a maintainer is refused); reading one any role. A refusal starts nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { registerReproducibleVersion } from './reproduction-routes-fixture';
import type { PrincipalName } from '../../test-principals';

let f: ControlFixture;
let version: number;
beforeAll(async () => {
  f = await openControlFixture('reproduction-security');
  ({ version } = await registerReproducibleVersion(f));
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('reproduction routes', () => {
  it('refuse a request without a token with a 401', async () => {
    expectRefusal(await f.request('POST', `/v1/models/breast-cancer/versions/${version}/reproduce`), 401, 'unauthorized', /^missing bearer token/);
    expectRefusal(await f.request('GET', `/v1/models/breast-cancer/versions/${version}/reproductions/reproduce:breast-cancer:v${version}:0123456789abcdef`), 401, 'unauthorized', /^missing bearer token/);
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['carol', 'bob', 'erin'])('refuse to start a reproduction for %s (neither submitter nor admin) with a 403', async (as) => {
    expectRefusal(await f.request('POST', `/v1/models/breast-cancer/versions/${version}/reproduce`, { as }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs submitter or admin$`));
    await f.expectNothingDone();
  });

  it.each<PrincipalName>(['alice', 'dave', 'root'])('let %s start one', async (as) => {
    expect((await f.request('POST', `/v1/models/breast-cancer/versions/${version}/reproduce`, { as })).status).toBe(202);
  });
});
