// The control plane's own credentials on embedded defaults: created once, kept in a file only its
// owner reads, the same on every start, and a principal of its own at the edge (not a person's).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { CONTROL_PLANE_PRINCIPAL, controlPlanePrincipal, loadOrCreateServiceCredentials } from '../../config/service-credentials';
import { changeSigner, changeVerifier } from '../../contracts/serving-change-signature';

const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-service-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('creates the signing pair and the edge token once, 0600, and reads the same back', async () => {
  const first = await loadOrCreateServiceCredentials(home);
  expect(statSync(first.file).mode & 0o777).toBe(0o600);
  expect(await loadOrCreateServiceCredentials(home)).toEqual(first);
  expect(first.edgeToken.length).toBeGreaterThanOrEqual(32);
  expect(controlPlanePrincipal(first)).toEqual({ name: CONTROL_PLANE_PRINCIPAL, roles: ['admin'], token: first.edgeToken });
  // The pair belongs together: what the private key signs, the public key verifies.
  const headers = await changeSigner(first.changeSigningKey)('PUT', '/admin/models/bc/traffic', { weights: { '1': 100 } });
  const why = await changeVerifier(first.changePublicKey)('PUT', '/admin/models/bc/traffic', { signature: headers['x-windsock-change-signature'], at: headers['x-windsock-change-at'] }, { weights: { '1': 100 } });
  expect(why).toBeUndefined();
});
