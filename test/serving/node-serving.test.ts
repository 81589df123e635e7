// The serving suite on Node: onnxruntime-node, the edge schema on a libSQL file, the blob store.
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalBlobStore } from '../../artifacts/local-blob-store';
import { BlobArtifactSource } from '../../api/node-serving/blob-artifact-source';
import { onnxruntimeNodeBackend } from '../../api/node-serving/onnxruntime-node-backend';
import { openEdgeStore } from '../../api/node-serving/open-edge-store';
import { createInferenceApp } from '../../api/inference/inference-app';
import { servingSuite } from './serving-suite';

servingSuite('Node (onnxruntime-node, libSQL)', async () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-serving-'));
  const { store } = await openEdgeStore(`file:${path.join(home, 'edge.db')}`);
  const pending: Promise<unknown>[] = [];
  const { app } = createInferenceApp({
    store,
    artifacts: new BlobArtifactSource(new LocalBlobStore(path.join(home, 'artifacts'))),
    backend: onnxruntimeNodeBackend,
    principals: [{ name: 'ops', roles: ['admin'], token: 'ops-token-0123456789abcdef' }],
    defer: () => (work) => void pending.push(work),
    limits: { maxBodyBytes: 1024 * 1024 },
  });
  return {
    adminToken: 'ops-token-0123456789abcdef',
    modelBytes: new Uint8Array(readFileSync(new URL('../fixtures/breast-cancer-mlp.onnx', import.meta.url))),
    async fetch(url, init) {
      const res = await app.request(url, init);
      await Promise.all(pending.splice(0));
      return res;
    },
  };
});
