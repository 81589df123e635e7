// The control plane's signing key pair for changes to serving, on embedded defaults: created once into
// $WINDSOCK_HOME/change-keys.json (mode 0600) by `npm start`, which hands the private key to the worker
// and the control API and the public key to serving. In production set WINDSOCK_CHANGE_SIGNING_KEY
// where the control plane runs and WINDSOCK_CHANGE_PUBLIC_KEY where serving runs.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateChangeKeys } from '../contracts/serving-change-signature';

export async function loadOrCreateChangeKeys(home: string): Promise<{ privateKey: string; publicKey: string; file: string }> {
  const file = path.join(home, 'change-keys.json');
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return { ...(JSON.parse(readFileSync(file, 'utf8')) as { privateKey: string; publicKey: string }), file };
  }
  const keys = await generateChangeKeys();
  mkdirSync(home, { recursive: true });
  writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  return { ...keys, file };
}
