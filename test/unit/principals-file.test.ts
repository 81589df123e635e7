// The generated tokens file holds the admin's token: only its owner may read it, on first start and
// after a start that finds it readable by others.
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { principalsFromEnv, tokensFile } from '../../config/principals-from-env';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

describe('principalsFromEnv without WINDSOCK_TOKENS', () => {
  it('writes the generated tokens to a file of mode 0600, and makes an existing one 0600', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-principals-'));
    homes.push(home);
    const first = principalsFromEnv({ home, WINDSOCK_TOKENS: undefined });
    expect(first.generated).toBe(true);
    expect(statSync(tokensFile({ home })).mode & 0o777).toBe(0o600);

    chmodSync(tokensFile({ home }), 0o644);
    const again = principalsFromEnv({ home, WINDSOCK_TOKENS: undefined });
    expect(again.principals).toEqual(first.principals);
    expect(statSync(tokensFile({ home })).mode & 0o777).toBe(0o600);
  });

  it('adds the principals of roles added since to a file an older Windsock wrote, keeping its tokens', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-principals-'));
    homes.push(home);
    writeFileSync(tokensFile({ home }), 'alice:submitter+viewer:alice-token-0123456789\n', { mode: 0o600 });
    const { principals } = principalsFromEnv({ home, WINDSOCK_TOKENS: undefined });
    expect(principals.map((p) => p.name)).toEqual(['alice', 'bob', 'erin', 'admin']);
    expect(principals[0]!.token).toBe('alice-token-0123456789');
    expect(principals.find((p) => p.name === 'erin')!.roles).toEqual(['maintainer', 'viewer']);
    expect(principalsFromEnv({ home, WINDSOCK_TOKENS: undefined }).principals).toEqual(principals);
    expect(statSync(tokensFile({ home })).mode & 0o777).toBe(0o600);
  });
});
