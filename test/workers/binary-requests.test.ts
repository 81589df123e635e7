// The binary tensor data extension and GET /v2 inside workerd: the edge worker with onnxruntime-web,
// local D1 and R2, sent hand-built binary bodies.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../api/edge/worker';
import { binaryRequestSuite } from './binary-requests-suite';

binaryRequestSuite('Workers (onnxruntime-web, D1, R2)', async () => ({
  adminToken: 'edge-admin-token-0123456789',
  modelBytes: new Uint8Array(env.FIXTURE_BREAST_CANCER_MLP),
  async fetch(path, init) {
    const ctx = createExecutionContext();
    // The worker is typed for incoming requests (with Cloudflare's cf properties); a test request has none.
    const request = new Request(`https://edge.test${path}`, init) as unknown as Request<unknown, IncomingRequestCfProperties>;
    const res = await worker.fetch(request, env, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  },
}));
