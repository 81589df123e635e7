// The floor under Windsock's Node serving: a bare Hono app on @hono/node-server with one KServe v2
// infer route over onnxruntime-node, nothing else (no validation, routing, recording, request ids,
// error envelope). Started as its own process by bench/serving-node-floor.ts;
// FLOOR_PORT, FLOOR_MODEL (an .onnx path), FLOOR_MODEL_NAME (the route's name).
// FLOOR_HEADERS=windsock adds only the header work Windsock's infer route does per request, to
// size it apart from the rest: read request headers through c.req.header (the routing key, the
// request id, content-length), a random UUID, and two response headers through c.header.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import * as ort from 'onnxruntime-node';

const port = Number(process.env.FLOOR_PORT);
const modelPath = process.env.FLOOR_MODEL;
const modelName = process.env.FLOOR_MODEL_NAME ?? 'bc';
const windsockHeaders = process.env.FLOOR_HEADERS === 'windsock';
if (!Number.isInteger(port) || port < 1 || port > 65535 || !modelPath) {
  console.error('FLOOR_PORT (a port) and FLOOR_MODEL (an .onnx path) are required');
  process.exit(2);
}

// Default session options, as Windsock's onnxruntime-node backend creates its sessions.
const session = await ort.InferenceSession.create(modelPath);
const inputName = session.inputNames[0]!;

interface RequestTensor {
  shape: number[];
  data: unknown[];
}

const app = new Hono();
app.get('/v2/health/live', (c) => c.json({ live: true }));
app.post(`/v2/models/${modelName}/infer`, async function floorInfer(c) {
  if (windsockHeaders) {
    const id = c.req.header('x-request-id') ?? crypto.randomUUID();
    c.header('x-request-id', id);
    c.req.header('x-windsock-routing-key');
    c.req.header('content-length');
    c.header('x-windsock-model-version', '1');
  }
  const body = JSON.parse(await c.req.text()) as { inputs: RequestTensor[] };
  const input = body.inputs[0]!;
  const flat = (input.data as unknown[]).flat(Infinity) as number[];
  const result = await session.run({ [inputName]: new ort.Tensor('float32', Float32Array.from(flat), input.shape) });
  const outputs = session.outputNames.map((name) => {
    const tensor = result[name]!;
    return { name, shape: [...tensor.dims], datatype: 'FP32', data: Array.from(tensor.data as Float32Array) };
  });
  return c.json({ model_name: modelName, outputs });
});

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, (info) => {
  console.log(`[floor] bare Hono + onnxruntime-node on http://${info.address}:${info.port}/v2/models/${modelName}/infer`);
});

const shutdown = () => {
  server.close();
  void session.release().finally(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
