// /admin on the serving app is for the admin role only: every route refuses a missing or unknown
// bearer token with a 401 and any other role with a 403, storing nothing and starting no retrain.
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { expectRefusal } from './app-request';
import { modelBytes, openServingFixture, servingFixture, type ServingFixture } from './serving-app-fixture';
import type { PrincipalName } from '../../test-principals';

let f: ServingFixture;
beforeAll(async () => {
  f = await openServingFixture('admin-security');
  await f.publish('bc', 1);
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

const published = { artifactSha256: servingFixture.sha256, signature: servingFixture.signature, referenceProfile: servingFixture.referenceProfile };
const octets = { 'content-type': 'application/octet-stream', 'x-windsock-sha256': servingFixture.sha256 };

const routes: Array<[method: string, path: string, request: { body?: unknown; raw?: Uint8Array; headers?: Record<string, string> }]> = [
  ['PUT', '/admin/models/bc/versions/2/artifact', { raw: modelBytes, headers: octets }],
  ['PUT', '/admin/models/bc/versions/2', { body: published }],
  ['GET', '/admin/models/bc', {}],
  ['PUT', '/admin/models/bc/traffic', { body: { weights: { '1': 100 } } }],
  ['DELETE', '/admin/models/bc/versions/1', {}],
  ['GET', '/admin/models/bc/metrics', {}],
  ['GET', '/admin/models/bc/sketches', {}],
  ['GET', '/admin/models/bc/drift', {}],
  ['PUT', '/admin/models/bc/drift-policy', { body: {} }],
  ['PUT', '/admin/models/bc/retrain-policy', { body: {} }],
  ['GET', '/admin/models/bc/retrain-policy', {}],
  ['POST', '/admin/drift-monitor/run', {}],
  ['PUT', '/admin/models/bc/template', { body: {} }],
  ['GET', '/admin/models/bc/drift-reports', {}],
  ['POST', '/admin/flush', {}],
];

describe('serving admin routes', () => {
  it.each(routes)('%s %s without a token, or with an unknown one, is a 401', async (method, path, request) => {
    expectRefusal(await f.request(method, path, request), 401, 'unauthorized', /^missing bearer token: send Authorization: Bearer <token>$/);
    const unknown = { ...request, headers: { ...request.headers, authorization: 'Bearer ops-token-0123456789abcdef' } };
    expectRefusal(await f.request(method, path, unknown), 401, 'unauthorized', /^unknown bearer token$/);
    await f.expectNothingDone();
  });

  it.each(routes)('%s %s by anyone but an admin is a 403', async (method, path, request) => {
    for (const as of ['alice', 'bob', 'carol', 'dave'] satisfies PrincipalName[]) {
      expectRefusal(await f.request(method, path, { ...request, as }), 403, 'forbidden', new RegExp(`^${as} lacks the role for this: needs admin$`));
    }
    await f.expectNothingDone();
  });
});
