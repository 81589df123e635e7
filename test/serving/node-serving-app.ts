// An in-process Node serving app (onnxruntime-node, a libSQL file, the blob store), assembled as
// `npm run serve` assembles it, with a fetch that waits for the work deferred past each response.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServingAppOptions } from '../../api/serving/serving-app';
import { openNodeInferenceApp, type NodeInferenceOptions } from '../../api/node-serving/node-inference-app';

export const servingAdminToken = 'ops-token-0123456789abcdef';

export async function startNodeServingApp(options: Partial<Pick<ServingAppOptions, 'pipelines' | 'principals' | 'feedbackPrincipals'>> & Partial<Pick<NodeInferenceOptions, 'databaseUrl' | 'artifactsDir' | 'routingCacheMs' | 'wrapBackend' | 'changePublicKey'>> = {}) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-serving-'));
  const serving = await openNodeInferenceApp({
    databaseUrl: options.databaseUrl ?? `file:${path.join(home, 'edge.db')}`,
    artifactsDir: options.artifactsDir ?? path.join(home, 'artifacts'),
    principals: options.principals ?? [{ name: 'ops', roles: ['admin'], token: servingAdminToken }],
    feedbackPrincipals: options.feedbackPrincipals,
    pipelines: options.pipelines,
    routingCacheMs: options.routingCacheMs,
    wrapBackend: options.wrapBackend,
    changePublicKey: options.changePublicKey,
    limits: { maxBodyBytes: 1024 * 1024 },
  });
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await serving.app.request(input instanceof Request ? input : String(input), init);
    await serving.settled();
    return res;
  };
  return { app: serving.app, store: serving.store, recorder: serving.recorder, catalog: serving.catalog, fetch, close: () => serving.close() };
}
