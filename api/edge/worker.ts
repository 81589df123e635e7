// Smoke worker proving ONNX inference inside workerd end to end (R2 -> onnxruntime-web).
// A placeholder for the edge Hono app, which replaces it.
import { createSession, ort } from './onnx-runtime-web';

interface SmokeRequest {
  key: string;
  input: string;
  shape: number[];
  data: number[];
}

function isSmokeRequest(body: unknown): body is SmokeRequest {
  if (typeof body !== 'object' || body === null) return false;
  const b = body as Record<string, unknown>;
  return (
    typeof b.key === 'string' &&
    typeof b.input === 'string' &&
    Array.isArray(b.shape) &&
    b.shape.every((d) => Number.isInteger(d) && (d as number) >= 0) &&
    Array.isArray(b.data) &&
    b.data.every((x) => typeof x === 'number' && Number.isFinite(x))
  );
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

async function sessionFor(env: Env, key: string): Promise<ort.InferenceSession | undefined> {
  const cached = sessions.get(key);
  if (cached) return cached;
  const object = await env.MODELS.get(key);
  if (!object) return undefined;
  const loading = object.arrayBuffer().then((bytes) => createSession(new Uint8Array(bytes)));
  sessions.set(key, loading);
  loading.catch(() => sessions.delete(key));
  return loading;
}

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== '/smoke' || request.method !== 'POST') return json({ error: 'not found' }, 404);

    const body: unknown = await request.json().catch(() => undefined);
    if (!isSmokeRequest(body)) return json({ error: 'expected { key, input, shape, data }' }, 400);
    const expected = body.shape.reduce((n, d) => n * d, 1);
    if (expected !== body.data.length) return json({ error: `shape holds ${expected} values, data ${body.data.length}` }, 400);

    const session = await sessionFor(env, body.key);
    if (!session) return json({ error: `no model at ${body.key}` }, 404);
    const feeds = { [body.input]: new ort.Tensor('float32', Float32Array.from(body.data), body.shape) };
    const results = await session.run(feeds);
    const outputs = Object.fromEntries(
      Object.entries(results).map(([name, t]) => [name, { dims: t.dims, data: Array.from(t.data as Float32Array) }]),
    );
    return json({ outputs });
  },
} satisfies ExportedHandler<Env>;
