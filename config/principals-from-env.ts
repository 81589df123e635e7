// Principals from WINDSOCK_TOKENS, or, when it is unset, a generated set kept under WINDSOCK_HOME so
// that the local stack has working tokens on first start and the same ones after a restart.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { formatPrincipals, parsePrincipals, type Principal } from '../core/auth/principals';
import type { WindsockEnv } from './windsock-env';

const generatedRoles: Array<[string, Principal['roles']]> = [
  ['alice', ['submitter', 'viewer']],
  ['bob', ['approver', 'viewer']],
  ['erin', ['maintainer', 'viewer']],
  ['admin', ['admin']],
];

export function tokensFile(env: Pick<WindsockEnv, 'home'>): string {
  return path.join(env.home, 'tokens');
}

export function principalsFromEnv(env: Pick<WindsockEnv, 'home' | 'WINDSOCK_TOKENS'>): { principals: Principal[]; generated: boolean } {
  if (env.WINDSOCK_TOKENS) return { principals: parsePrincipals(env.WINDSOCK_TOKENS), generated: false };
  const file = tokensFile(env);
  const kept = existsSync(file) ? readKept(file) : [];
  // A file from an older Windsock lacks the roles added since: those principals are added to it.
  const missing = generatedRoles.filter(([name]) => !kept.some((p) => p.name === name));
  const principals = [...kept, ...missing.map(([name, roles]) => ({ name, roles, token: randomBytes(24).toString('base64url') }))];
  if (missing.length > 0) {
    mkdirSync(env.home, { recursive: true });
    writeFileSync(file, formatPrincipals(principals) + '\n', { mode: 0o600 });
  }
  return { principals, generated: true };
}

function readKept(file: string): Principal[] {
  // It holds the admin's token: only its owner may read it, whoever (or whichever umask) made it.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return parsePrincipals(readFileSync(file, 'utf8').trim());
}
