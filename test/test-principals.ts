// The principals every test signs in as, in every tier: one per role (erin maintains models and
// datasets), and dave with two.
import type { Principal } from '../core/auth/principals';

export const principals: Principal[] = [
  { name: 'alice', roles: ['submitter'], token: 'alice-token-0123456789' },
  { name: 'bob', roles: ['approver'], token: 'bob-token-0123456789ab' },
  { name: 'carol', roles: ['viewer'], token: 'carol-token-0123456789' },
  { name: 'dave', roles: ['submitter', 'approver'], token: 'dave-token-0123456789a' },
  { name: 'erin', roles: ['maintainer'], token: 'erin-token-0123456789a' },
  { name: 'root', roles: ['admin'], token: 'root-token-0123456789a' },
];

export type PrincipalName = 'alice' | 'bob' | 'carol' | 'dave' | 'erin' | 'root';

export const auth = (name: string) => ({ authorization: `Bearer ${principals.find((p) => p.name === name)!.token}` });
