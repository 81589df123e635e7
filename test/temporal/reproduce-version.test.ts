// Reproducible versions: a real pipeline with the built-in trainer registers a version that records its
// code snapshot, seed and split digests; POST .../reproduce trains it again from exactly that (the
// snapshot's files, not the checkout's) and compares on the same holdout; a version whose code or data
// is gone or changed is refused with a 409 and nothing starts; 404s, 400s and roles.
import { readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileBlobUri, type CodeManifest } from '../../artifacts/code-snapshot';
import type { ReproductionRecord } from '../../core/governance/reproduction-record';
import { CHAMPION } from '../../registry/registry-store';
import { startHarness, type Harness } from './pipeline-harness';

let h: Harness;
let pipelineId: string;
let record: ReproductionRecord;
const model = 'digits';

async function reproductionsStarted(): Promise<number> {
  let n = 0;
  for await (const _ of h.client.workflow.list({ query: `WorkflowType = 'reproduceVersion' AND TaskQueue = '${h.taskQueue}'` })) n++;
  return n;
}

async function waitForReproduction(location: string, timeoutMs = 180_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const res = await h.request('GET', location, { as: 'carol' });
    last = res.body;
    if (res.status === 200 && res.body.state !== 'running' && res.body.temporal.status !== 'RUNNING') return res.body;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`reproduction ${location} did not finish within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** Moves a blob away while `check` runs, then puts it back. */
async function without(uri: string, check: () => Promise<void>) {
  const file = fileURLToPath(uri);
  renameSync(file, `${file}.away`);
  try {
    await check();
  } finally {
    renameSync(`${file}.away`, file);
  }
}

beforeAll(async () => {
  h = await startHarness('reproduce');
  pipelineId = await h.submit({ model, dataset: 'examples/digits/data/digits.csv' }, 'reproduce');
  const status = await h.waitForStage(pipelineId, ['awaiting_approval'], 180_000);
  expect(status.version).toBe(1);
  record = ((await h.registry.requireVersion(model, 1)).lineage as unknown as { reproducibility: ReproductionRecord }).reproducibility;
}, 240_000);

afterAll(async () => {
  await h?.client.workflow.getHandle(pipelineId).cancel().catch(() => undefined);
  await h?.close();
});

describe('what a version records', () => {
  it('records the code snapshot, the seed the trainer ran with, the job spec and the split digests', async () => {
    expect(record.format).toBe(1);
    expect(record.seed).toBe(42);
    expect(record.job.command).toEqual(['python', 'jobs/tabular/train.py']);
    expect(record.code?.digest).toMatch(/^[0-9a-f]{64}$/);
    const manifest = JSON.parse(readFileSync(fileURLToPath(record.code!.manifestUri), 'utf8')) as CodeManifest;
    const paths = manifest.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['jobs/tabular/train.py', 'jobs/tabular/tabular_model.py', 'jobs/windsock_job/torch_training.py']));
    expect(paths.some((p) => p.includes('__pycache__'))).toBe(false);
    const version = await h.registry.requireVersion(model, 1);
    expect(record.trainSplit.uri).toBe(version.lineage.trainSplitUri);
    expect(record.holdoutSplit.uri).toBe(version.lineage.holdoutSplitUri);
  });
});

describe('POST /v1/models/:name/versions/:v/reproduce', () => {
  it('trains the version again from its code snapshot and reproduces it to 1e-6 on CPU, registering nothing', async () => {
    const before = await h.registry.listVersions(model);
    const res = await h.request('POST', `/v1/models/${model}/versions/1/reproduce`, { as: 'alice' });
    expect(res.status).toBe(202);
    expect(res.body.reproductionId).toMatch(/^reproduce:digits:v1:[0-9a-f]{16}$/);
    expect(res.body.state).toBe('running');
    const done = await waitForReproduction(res.body.location);
    expect(done.state).toBe('succeeded');
    expect(done.reproduced).toBe(true);
    expect(done.maxAbsDelta).toBeLessThanOrEqual(1e-6);
    expect(done.metricsMaxAbsDelta).toBeLessThanOrEqual(1e-6);
    expect(done.probabilitiesMaxAbsDelta).toBeLessThanOrEqual(1e-6);
    expect(done.tolerance).toBe(1e-6);
    expect(done.codeVersion).toBe(record.code!.digest);
    expect(done.seed).toBe(42);
    const version = await h.registry.requireVersion(model, 1);
    expect(done.metrics.original).toEqual(version.metrics);
    expect(Object.keys(done.metrics.reproduced)).toEqual(expect.arrayContaining(['accuracy', 'f1_macro']));

    // The job ran the snapshot's files, laid out beside the jobs, not the checkout's.
    const spec = JSON.parse(readFileSync(path.join(h.home, 'jobs', done.training.jobId, 'spec.json'), 'utf8')) as { argv: string[] };
    expect(spec.argv[1]).toBe(path.join(h.home, 'jobs', 'code', record.code!.digest, 'jobs/tabular/train.py'));

    // Nothing registered, no alias moved; the audit log has the reproduction.
    expect(await h.registry.listVersions(model)).toHaveLength(before.length);
    expect(await h.registry.getAlias(model, CHAMPION)).toBeUndefined();
    const events = (await h.registry.listAudit({ modelName: model })).filter((e) => e.event.startsWith('version.reproduc'));
    expect(events.map((e) => e.event)).toEqual(['version.reproduction_started', 'version.reproduced']);
    expect(events[0]!.actor).toBe('alice');
    expect(events[1]!.details).toMatchObject({ reproductionId: res.body.reproductionId, reproduced: true, codeVersion: record.code!.digest });
  }, 240_000);

  it('says "not reproduced" with the metrics side by side when the version does not match what training gives', async () => {
    // A version whose recorded metrics are off by 0.01: the same inputs cannot give them back.
    const v1 = await h.registry.requireVersion(model, 1);
    const { version } = await h.registry.registerVersion({
      ...v1,
      metrics: { ...v1.metrics, accuracy: (v1.metrics.accuracy ?? 0) - 0.01 },
      pipelineRunId: `${v1.pipelineRunId}-tampered`,
    });
    const res = await h.request('POST', `/v1/models/${model}/versions/${version}/reproduce`, { as: 'root', body: { tolerance: 1e-6 } });
    expect(res.status).toBe(202);
    const done = await waitForReproduction(res.body.location);
    expect(done.state).toBe('succeeded');
    expect(done.reproduced).toBe(false);
    expect(done.metricsMaxAbsDelta).toBeCloseTo(0.01, 9);
    expect(done.probabilitiesMaxAbsDelta).toBeLessThanOrEqual(1e-6);
    expect(done.worstMetric).toBe('accuracy');
    expect(done.differences).toEqual([{ metric: 'accuracy', original: v1.metrics.accuracy! - 0.01, reproduced: v1.metrics.accuracy, absDelta: expect.closeTo(0.01, 9) }]);
    const events = (await h.registry.listAudit({ modelName: model })).filter((e) => e.event === 'version.reproduction_failed');
    expect(events.at(-1)!.version).toBe(version);
  }, 240_000);

  it('refuses with a 409 naming what is gone or changed, and starts nothing', async () => {
    const started = await reproductionsStarted();
    const post = () => h.request('POST', `/v1/models/${model}/versions/1/reproduce`, { as: 'alice' });

    const manifest = JSON.parse(readFileSync(fileURLToPath(record.code!.manifestUri), 'utf8')) as CodeManifest;
    const trainer = manifest.files.find((f) => f.path === 'jobs/tabular/train.py')!;
    await without(fileBlobUri(record.code!.manifestUri, trainer.sha256), async () => {
      const res = await post();
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain(`the code snapshot sha256:${record.code!.digest} is no longer available: jobs/tabular/train.py`);
    });
    await without(record.code!.manifestUri, async () => {
      const res = await post();
      expect(res.status).toBe(409);
      expect(res.body.error.message).toMatch(/the code snapshot manifest .* is gone/);
    });
    await without(record.trainSplit.uri, async () => {
      const res = await post();
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('the train split is gone from the artifact store');
    });
    // The holdout changed under the same name: the bytes no longer match the recorded digest.
    const holdout = fileURLToPath(record.holdoutSplit.uri);
    const bytes = readFileSync(holdout);
    writeFileSync(holdout, Buffer.concat([bytes, Buffer.from(bytes.subarray(bytes.indexOf(10) + 1, bytes.indexOf(10, bytes.indexOf(10) + 1) + 1))]));
    try {
      const res = await post();
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain('the holdout split no longer matches its recorded sha256');
    } finally {
      writeFileSync(holdout, bytes);
    }
    expect(existsSync(holdout)).toBe(true);
    expect(await reproductionsStarted()).toBe(started);
  });

  it('refuses a version registered before code versions were recorded', async () => {
    const v1 = await h.registry.requireVersion(model, 1);
    const { reproducibility: _, ...oldLineage } = v1.lineage as typeof v1.lineage & { reproducibility?: unknown };
    const { version } = await h.registry.registerVersion({ ...v1, lineage: oldLineage, pipelineRunId: `${v1.pipelineRunId}-old` });
    const res = await h.request('POST', `/v1/models/${model}/versions/${version}/reproduce`, { as: 'alice' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(`digits version ${version} was registered before Windsock recorded code versions; it cannot be reproduced`);
  });

  it('answers 404 for an unknown model or version, 400 for bad input, 415 for a body that is not JSON', async () => {
    expect((await h.request('POST', '/v1/models/nope/versions/1/reproduce', { as: 'alice' })).status).toBe(404);
    const missing = await h.request('POST', `/v1/models/${model}/versions/99/reproduce`, { as: 'alice' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('has no version 99');
    expect((await h.request('POST', `/v1/models/${model}/versions/0/reproduce`, { as: 'alice' })).status).toBe(400);
    const tolerance = await h.request('POST', `/v1/models/${model}/versions/1/reproduce`, { as: 'alice', body: { tolerance: 2 } });
    expect(tolerance.status).toBe(400);
    expect(tolerance.body.error.message).toContain('tolerance');
    expect((await h.request('POST', `/v1/models/${model}/versions/1/reproduce`, { as: 'alice', body: { seed: 1 } })).status).toBe(400);
    expect((await h.request('POST', `/v1/models/${model}/versions/1/reproduce`, { as: 'alice', raw: 'tolerance=1', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
  });

  it('lets submitters and admins start one; viewers, approvers and maintainers may not; a token is needed', async () => {
    for (const who of ['carol', 'bob', 'erin']) {
      const res = await h.request('POST', `/v1/models/${model}/versions/1/reproduce`, { as: who });
      expect(res.status, who).toBe(403);
    }
    expect((await h.request('POST', `/v1/models/${model}/versions/1/reproduce`)).status).toBe(401);
  });
});

describe('GET /v1/models/:name/versions/:v/reproductions/:id', () => {
  it('answers 404 for an id that is not one of this version\'s reproductions, and 401 without a token', async () => {
    const unknown = await h.request('GET', `/v1/models/${model}/versions/1/reproductions/reproduce:digits:v1:0123456789abcdef`, { as: 'carol' });
    expect(unknown.status).toBe(404);
    const other = await h.request('GET', `/v1/models/${model}/versions/2/reproductions/reproduce:digits:v1:0123456789abcdef`, { as: 'carol' });
    expect(other.status).toBe(404);
    expect((await h.request('GET', `/v1/models/${model}/versions/1/reproductions/${'x'.repeat(300)}`, { as: 'carol' })).status).toBe(400);
    expect((await h.request('GET', `/v1/models/${model}/versions/1/reproductions/reproduce:digits:v1:0123456789abcdef`)).status).toBe(401);
  });
});
