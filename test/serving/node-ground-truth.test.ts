// Ground truth on Node: onnxruntime-node, the edge schema on a libSQL file, predictions written by the
// recorder's thread.
import { readFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { groundTruthSuite } from './ground-truth-suite';
import { servingAdminToken, startNodeServingApp } from './node-serving-app';

const viewerToken = 'watcher-token-0123456789abcdef';
const feedbackToken = 'labeller-token-0123456789abcdef';
let close: (() => Promise<void>) | undefined;
afterAll(() => close?.());

groundTruthSuite('Node (onnxruntime-node, libSQL)', async () => {
  const serving = await startNodeServingApp({
    principals: [
      { name: 'ops', roles: ['admin'], token: servingAdminToken },
      { name: 'watcher', roles: ['viewer'], token: viewerToken },
    ],
    feedbackPrincipals: [{ name: 'labeller', roles: [], token: feedbackToken }],
  });
  close = serving.close;
  return {
    adminToken: servingAdminToken,
    viewerToken,
    feedbackToken,
    modelBytes: new Uint8Array(readFileSync(new URL('../fixtures/breast-cancer-mlp.onnx', import.meta.url))),
    fetch: (path, init) => serving.fetch(path, init),
  };
});
