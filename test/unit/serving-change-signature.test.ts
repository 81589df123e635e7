// The signed text of a change to serving: the same whatever order its body's keys were written in
// (the two sides parse and rebuild it), and bound to the method, the path and the time.
import { expect, it } from 'vitest';
import { changeSigner, changeText, changeVerifier, generateChangeKeys } from '../../contracts/serving-change-signature';

it('signs the change, not its spelling: key order does not matter, the path and the time do', async () => {
  expect(changeText('put', '/admin/models/bc/traffic', 1, { weights: { '2': 10, '1': 90 }, step: 3 })).toBe(changeText('PUT', '/admin/models/bc/traffic', 1, { step: 3, weights: { '1': 90, '2': 10 } }));
  const keys = await generateChangeKeys();
  const now = Date.now();
  const headers = await changeSigner(keys.privateKey)('PUT', '/admin/models/bc/traffic', { weights: { '1': 100 } });
  const verify = changeVerifier(keys.publicKey, () => now);
  const sent = { signature: headers['x-windsock-change-signature'], at: headers['x-windsock-change-at'] };
  expect(await verify('PUT', '/admin/models/bc/traffic', sent, { weights: { '1': 100 } })).toBeUndefined();
  expect(await verify('PUT', '/admin/models/other/traffic', sent, { weights: { '1': 100 } })).toMatch(/does not verify/);
  expect(await changeVerifier(keys.publicKey, () => now + 6 * 60_000)('PUT', '/admin/models/bc/traffic', sent, { weights: { '1': 100 } })).toMatch(/not current/);
});
