// `windsock serving metrics|drift` against the Node serving app's admin API (the edge's routes) on a
// loopback port: its own URL and token (WINDSOCK_EDGE_URL, WINDSOCK_EDGE_TOKEN), the API's refusals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openServingFixture, type ServingFixture } from '../routes/serving-app-fixture';
import { runCli, serveOnLoopback, tokenOf } from './cli-process';

let f: ServingFixture;
let server: Awaited<ReturnType<typeof serveOnLoopback>>;

beforeAll(async () => {
  f = await openServingFixture('cli-serving', { pipelines: false });
  await f.publish('breast-cancer', 1);
  server = await serveOnLoopback(f.app);
});
afterAll(async () => {
  await server?.close();
  await f?.close();
});

const edge = (as: string) => ({ env: { WINDSOCK_EDGE_URL: server.url, WINDSOCK_EDGE_TOKEN: tokenOf(as) } });

describe('windsock serving', () => {
  it('reads metrics and drift from the admin API; a non-admin token is refused with exit 1, no edge settings is a usage error', async () => {
    const [metrics, drift, refused, unset] = await Promise.all([
      runCli(['serving', 'metrics', 'breast-cancer', '--model-version', '1'], edge('root')),
      runCli(['serving', 'drift', 'breast-cancer', '--json'], edge('root')),
      runCli(['serving', 'metrics', 'breast-cancer'], edge('alice')),
      runCli(['serving', 'drift', 'breast-cancer']),
    ]);
    expect(metrics.code, metrics.stderr).toBe(0);
    expect(metrics.stdout).toMatch(/^breast-cancer from \S+ to \S+\n\(none\)$/m);
    expect(drift.code, drift.stderr).toBe(0);
    expect(JSON.parse(drift.stdout)).toMatchObject({ model: 'breast-cancer', versions: {} });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/alice lacks the role for this: needs admin \(forbidden, HTTP 403, request \S+\)/);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/WINDSOCK_EDGE_URL.*WINDSOCK_EDGE_TOKEN/);
  });
});
