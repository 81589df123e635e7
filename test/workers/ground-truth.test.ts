// Ground truth inside workerd: the edge worker with onnxruntime-web, local D1 and R2.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../api/edge/worker';
import { groundTruthSuite } from '../serving/ground-truth-suite';

groundTruthSuite('Workers (onnxruntime-web, D1, R2)', async () => ({
  adminToken: 'edge-admin-token-0123456789',
  // vitest.config.ts's WINDSOCK_TOKENS and WINDSOCK_FEEDBACK_TOKENS bindings.
  viewerToken: 'edge-viewer-token-0123456789',
  feedbackToken: 'edge-feedback-token-0123456789',
  modelBytes: new Uint8Array(env.FIXTURE_BREAST_CANCER_MLP),
  async fetch(path, init) {
    const ctx = createExecutionContext();
    const request = new Request(`https://edge.test${path}`, init) as unknown as Request<unknown, IncomingRequestCfProperties>;
    const res = await worker.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  },
}));
