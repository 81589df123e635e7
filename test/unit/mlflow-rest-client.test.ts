// The MLflow REST client keeps within MLflow's log-batch limits (a call over them is refused whole),
// sends its credentials without ever showing them, and gives up on a silent server. The integration
// with a real tracking server is test/temporal/mlflow-tracking.test.ts.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { epochMetrics, jobEvents } from '../../activities/mlflow-run-tracking';
import { batchesWithinLimits, MLFLOW_LIMITS, MlflowClient, mlflowKey, mlflowParam, proxiedArtifactPath, type MlflowBatch } from '../../activities/mlflow-tracking';
import { WindsockError } from '../../core/windsock-error';

const metric = (i: number) => ({ key: `m${i % 7}`, value: i / 3, timestamp: 1_700_000_000_000 + i, step: i });
const kv = (prefix: string, i: number, size = 8) => ({ key: `${prefix}${i}`, value: 'x'.repeat(size) });

function expectWithinLimits(batches: MlflowBatch[]) {
  for (const b of batches) {
    const [m, p, t] = [b.metrics?.length ?? 0, b.params?.length ?? 0, b.tags?.length ?? 0];
    expect(m).toBeLessThanOrEqual(1000);
    expect(p).toBeLessThanOrEqual(100);
    expect(t).toBeLessThanOrEqual(100);
    expect(m + p + t).toBeLessThanOrEqual(1000);
    expect(m + p + t).toBeGreaterThan(0);
    // The server's own measure: the request's JSON, at most 1e6 bytes.
    expect(Buffer.byteLength(JSON.stringify({ run_id: 'r'.repeat(32), metrics: b.metrics ?? [], params: b.params ?? [], tags: b.tags ?? [] }))).toBeLessThanOrEqual(1_000_000);
  }
}

describe('log-batch limits', () => {
  it('splits metrics, params and tags into calls MLflow accepts, keeping everything in order', () => {
    const batch = {
      metrics: Array.from({ length: 2500 }, (_, i) => metric(i)),
      params: Array.from({ length: 250 }, (_, i) => kv('p', i)),
      tags: Array.from({ length: 150 }, (_, i) => kv('t', i)),
    };
    const batches = batchesWithinLimits(batch);
    expectWithinLimits(batches);
    expect(batches.flatMap((b) => b.metrics ?? [])).toEqual(batch.metrics);
    expect(batches.flatMap((b) => b.params ?? [])).toEqual(batch.params);
    expect(batches.flatMap((b) => b.tags ?? [])).toEqual(batch.tags);
    // 2900 entities, 250 params at 100 a call: three calls are the fewest possible.
    expect(batches.length).toBe(3);
  });

  it('splits by request size when long params and tags would pass 1 MB', () => {
    const batch = {
      params: Array.from({ length: 100 }, (_, i) => kv('p', i, MLFLOW_LIMITS.paramValueLength)),
      tags: Array.from({ length: 100 }, (_, i) => kv('t', i, MLFLOW_LIMITS.tagValueLength)),
    };
    const batches = batchesWithinLimits(batch);
    expect(batches.length).toBeGreaterThan(1);
    expectWithinLimits(batches);
    expect(batches.flatMap((b) => [...(b.params ?? []), ...(b.tags ?? [])])).toEqual([...batch.params, ...batch.tags]);
  });

  it('makes no call for nothing', () => {
    expect(batchesWithinLimits({})).toEqual([]);
    expect(batchesWithinLimits({ metrics: [], params: [], tags: [] })).toEqual([]);
  });
});

describe('keys and values', () => {
  it('turns any name into a key MLflow accepts', () => {
    expect(mlflowKey('evaluation/f1')).toBe('evaluation/f1');
    expect(mlflowKey('accuracy_min_group:plan')).toBe('accuracy_min_group:plan');
    expect(mlflowKey('a*b?c')).toBe('a_b_c');
    expect(mlflowKey('/x//y/./z/')).toBe('x/y/z');
    expect(mlflowKey('../up')).toBe('__/up');
    expect(mlflowKey('')).toBe('_');
    expect(mlflowKey('k'.repeat(400))).toHaveLength(250);
  });

  it('stores params as strings of at most 6000 characters', () => {
    expect(mlflowParam('hidden', [128, 64])).toEqual({ key: 'hidden', value: '[128,64]' });
    expect(mlflowParam('lr', 0.003)).toEqual({ key: 'lr', value: '0.003' });
    expect(mlflowParam('name', 'plain')).toEqual({ key: 'name', value: 'plain' });
    expect(mlflowParam('long', 'y'.repeat(7000)).value).toHaveLength(6000);
  });

  it('finds the artifact proxy path of a run', () => {
    expect(proxiedArtifactPath('mlflow-artifacts:/1/abc/artifacts')).toBe('1/abc/artifacts');
    expect(proxiedArtifactPath('mlflow-artifacts://mlflow.internal:5000/1/abc/artifacts/')).toBe('1/abc/artifacts');
    expect(proxiedArtifactPath('s3://bucket/1/abc/artifacts')).toBeUndefined();
  });

  it("reads each epoch's metrics from a job's events, once per epoch", () => {
    const logs = [
      '{"event":"started","device":"cpu","epochs":3}',
      '{"event":"progress","epoch":1,"epochs":3,"loss":0.9,"accuracy":0.5,"progress":0.33}',
      'not json',
      '{"event":"progress","epoch":2,"epochs":3,"loss":0.5,"accuracy":0.7,"val_loss":0.6,"progress":0.66}',
      '{"event":"progress","epoch":2,"epochs":3,"loss":0.4,"accuracy":0.8,"progress":0.66}',
      '{"event":"completed","metrics":{"train_loss":0.3}}',
      '--- stderr ---',
      '{"event":"progress","epoch":9,"loss":1}',
    ].join('\n');
    const history = epochMetrics(jobEvents(logs));
    expect([...history.keys()]).toEqual([1, 2]);
    expect(history.get(1)).toEqual({ loss: 0.9, accuracy: 0.5 });
    // A resumed job that runs an epoch again: its later report wins.
    expect(history.get(2)).toEqual({ loss: 0.4, accuracy: 0.8 });
  });
});

describe('the client against an HTTP server', () => {
  let server: Server;
  let url: string;
  const seen: { method: string; url: string; authorization?: string; body: any }[] = [];
  let answer: (req: IncomingMessage) => { status: number; body: string } | undefined = () => ({ status: 200, body: '{}' });

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body: text && req.headers['content-type'] === 'application/json' ? JSON.parse(text) : text });
      const reply = answer(req);
      // undefined: never answer (a silent server).
      if (!reply) return;
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    seen.length = 0;
    answer = () => ({ status: 200, body: '{}' });
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sends one log-batch call per batch, each within the limits', async () => {
    const client = new MlflowClient({ trackingUri: `${url}/mlflow/`, token: 'secret-token-123' });
    await client.logBatch('run1', { metrics: Array.from({ length: 2100 }, (_, i) => metric(i)), params: Array.from({ length: 120 }, (_, i) => kv('p', i)) });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual(Array(3).fill('POST /mlflow/api/2.0/mlflow/runs/log-batch'));
    expectWithinLimits(seen.map((s) => s.body as MlflowBatch));
    expect(seen.flatMap((s) => s.body.metrics).map((m: { step: number }) => m.step)).toEqual(Array.from({ length: 2100 }, (_, i) => i));
    expect(seen.every((s) => s.body.run_id === 'run1' && s.authorization === 'Bearer secret-token-123')).toBe(true);
  });

  it('uses basic auth from the username and password', async () => {
    await new MlflowClient({ trackingUri: url, username: 'ml', password: 'pw' }).updateRun('r', 'FINISHED', 5);
    expect(seen[0]).toMatchObject({ url: '/api/2.0/mlflow/runs/update', authorization: `Basic ${Buffer.from('ml:pw').toString('base64')}`, body: { run_id: 'r', status: 'FINISHED', end_time: 5 } });
  });

  it("reports a refusal with MLflow's reason and never the credentials", async () => {
    answer = () => ({ status: 401, body: JSON.stringify({ error_code: 'UNAUTHENTICATED', message: 'bad credentials' }) });
    const err = await new MlflowClient({ trackingUri: url, token: 'secret-token-123' }).getRun('r').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WindsockError);
    expect((err as WindsockError).message).toBe(`MLflow at ${url} answered 401 UNAUTHENTICATED to GET /api/2.0/mlflow/runs/get: bad credentials`);
    expect((err as WindsockError).retryable).toBe(false);
    expect(String((err as Error).message)).not.toContain('secret-token-123');
  });

  it('refuses a tracking URI with credentials in it', () => {
    expect(() => new MlflowClient({ trackingUri: 'http://user:pw@127.0.0.1:5000' })).toThrow(/carries credentials/);
  });

  it('treats a missing experiment as none and a concurrent maker as success', async () => {
    let created = false;
    answer = (req) => {
      if (req.url!.startsWith('/api/2.0/mlflow/experiments/get-by-name')) {
        return created ? { status: 200, body: '{"experiment":{"experiment_id":"7"}}' } : { status: 404, body: '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no"}' };
      }
      created = true;
      return { status: 400, body: '{"error_code":"RESOURCE_ALREADY_EXISTS","message":"exists"}' };
    };
    expect(await new MlflowClient({ trackingUri: url }).ensureExperiment('m')).toBe('7');
    expect(seen.map((s) => s.url.split('?')[0])).toEqual(['/api/2.0/mlflow/experiments/get-by-name', '/api/2.0/mlflow/experiments/create', '/api/2.0/mlflow/experiments/get-by-name']);
  });

  it('gives up on a silent server within its timeout, retryably', async () => {
    answer = () => undefined;
    const err = await new MlflowClient({ trackingUri: url, timeoutMs: 300 }).getRun('r').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'unavailable', retryable: true });
    expect((err as Error).message).toMatch(/no answer within 300 ms/);
  });
});
