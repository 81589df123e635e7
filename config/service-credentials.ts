// The control plane's own credentials on embedded defaults, kept apart from people's tokens: the
// key pair that signs changes to serving, and the token the worker and the control API present at the
// edge's admin routes. `npm start` creates them once into $WINDSOCK_HOME/service-credentials.json (mode
// 0600) and hands them out: the private key and the token to the worker and the API, the public key and
// the token's principal to the edge. In production set WINDSOCK_CHANGE_SIGNING_KEY and
// WINDSOCK_EDGE_TOKEN where the control plane runs, WINDSOCK_CHANGE_PUBLIC_KEY and a WINDSOCK_TOKENS
// entry for that token where serving runs.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateChangeKeys } from '../contracts/serving-change-signature';
import type { Principal } from '../core/auth/principals';

export interface ServiceCredentials {
  /** Ed25519, base64 PKCS#8: signs publishes and traffic changes. */
  changeSigningKey: string;
  /** Ed25519, base64 raw: serving verifies with it. */
  changePublicKey: string;
  /** The control plane's token at the edge's admin routes. */
  edgeToken: string;
  file: string;
}

/** The principal the edge knows the control plane by. */
export const CONTROL_PLANE_PRINCIPAL = 'windsock-control-plane';

export function controlPlanePrincipal(credentials: ServiceCredentials): Principal {
  return { name: CONTROL_PLANE_PRINCIPAL, roles: ['admin'], token: credentials.edgeToken };
}

export async function loadOrCreateServiceCredentials(home: string): Promise<ServiceCredentials> {
  const file = path.join(home, 'service-credentials.json');
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return { ...(JSON.parse(readFileSync(file, 'utf8')) as Omit<ServiceCredentials, 'file'>), file };
  }
  const keys = await generateChangeKeys();
  const credentials = { changeSigningKey: keys.privateKey, changePublicKey: keys.publicKey, edgeToken: randomBytes(24).toString('base64url') };
  mkdirSync(home, { recursive: true });
  writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return { ...credentials, file };
}
