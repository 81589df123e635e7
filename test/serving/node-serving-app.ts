// An in-process Node serving app (onnxruntime-node, a libSQL file, the blob store) for tests, with a
// fetch that waits for the work deferred past each response.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInferenceApp, type InferenceAppOptions } from '../../api/inference/inference-app';
import { BlobArtifactSource } from '../../api/node-serving/blob-artifact-source';
import { onnxruntimeNodeBackend } from '../../api/node-serving/onnxruntime-node-backend';
import { openEdgeStore } from '../../api/node-serving/open-edge-store';
import { monotonicLatencyClock } from '../../api/node-serving/monotonic-latency-clock';
import { LocalBlobStore } from '../../artifacts/local-blob-store';

export const servingAdminToken = 'ops-token-0123456789abcdef';

export async function startNodeServingApp(options: Partial<Pick<InferenceAppOptions, 'pipelines' | 'principals'>> = {}) {
  const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-serving-'));
  const { store, client } = await openEdgeStore(`file:${path.join(home, 'edge.db')}`);
  const pending: Promise<unknown>[] = [];
  const { app } = createInferenceApp({
    store,
    artifacts: new BlobArtifactSource(new LocalBlobStore(path.join(home, 'artifacts'))),
      backend: onnxruntimeNodeBackend,
    clock: monotonicLatencyClock,
    principals: options.principals ?? [{ name: 'ops', roles: ['admin'], token: servingAdminToken }],
    pipelines: options.pipelines,
    defer: () => (work) => void pending.push(work),
    limits: { maxBodyBytes: 1024 * 1024 },
  });
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const res = await app.request(input instanceof Request ? input : String(input), init);
    await Promise.all(pending.splice(0));
    return res;
  };
  return { app, store, fetch, close: () => client.close() };
}
