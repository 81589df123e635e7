// The serving suite on Node: onnxruntime-node, the edge schema on a libSQL file, the blob store.
import { readFileSync } from 'node:fs';
import { servingSuite } from './serving-suite';
import { servingAdminToken, startNodeServingApp } from './node-serving-app';

servingSuite('Node (onnxruntime-node, libSQL)', async () => {
  const serving = await startNodeServingApp();
  return {
    adminToken: servingAdminToken,
    modelBytes: new Uint8Array(readFileSync(new URL('../fixtures/breast-cancer-mlp.onnx', import.meta.url))),
    fetch: (path, init) => serving.fetch(path, init),
  };
});
