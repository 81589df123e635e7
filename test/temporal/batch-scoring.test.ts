// Batch scoring end to end on the dev server: POST /v1/models/:name/batch scores a few thousand rows
// with an approved version and the output matches onnxruntime-node's own scoring row by row; a worker
// killed with SIGKILL mid-batch leaves its stored chunks to the next worker, which scores only the rest
// and writes the same output as an uninterrupted batch; an input and an output in object storage; a
// schedule starts batches; a bad row past the submit-time sample fails the batch naming the row. Real
// Temporal, libSQL file, versitygw, ONNX models.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { createControlApp } from '../../api/control/control-app';
import { DatasetReferenceResolver } from '../../api/control/dataset-reference-resolver';
import { GrpcBatchScheduleGateway } from '../../api/control/grpc-batch-schedule-gateway';
import { GrpcRetrainScheduleGateway } from '../../api/control/grpc-retrain-schedule-gateway';
import { GrpcTemporalGateway } from '../../api/temporal/grpc-temporal-gateway';
import { projectRoot } from '../../config/project-root';
import { batchScheduleTemporalId } from '../../contracts/batch-scoring-messages';
import { parseCsv, toCsv } from '../../core/data/csv';
import { modelSignatureSchema } from '../../core/serving/model-signature';
import servingFixture from '../fixtures/breast-cancer-serving.json';
import { requestApp, type RequestOptions } from '../fast/routes/app-request';
import { startS3Server, type S3TestServer } from '../s3-server';
import { exampleDataset, principals, startHarness, testDatasetRoots, type Harness } from './pipeline-harness';

const model = 'breast-cancer';
let h: Harness;
let inputDir: string;
let classes: string[];
let featureNames: string[];
let mlpVersion: number;
let slowVersion: number;
let s3: S3TestServer;

/** The control API on a task queue of the test's choosing (the crash test's has only child-process workers). */
function apiOn(taskQueue: string) {
  const gateway = new GrpcTemporalGateway(h.client);
  const app = createControlApp({
    gateway,
    schedules: new GrpcRetrainScheduleGateway(h.client),
    batchSchedules: new GrpcBatchScheduleGateway(h.client),
    objectStore: true,
    registry: h.registry,
    blobs: h.deps.blobs,
    datasets: new DatasetReferenceResolver(testDatasetRoots, { objectStore: s3.client, datasetCatalog: h.deps.datasetCatalog, blobs: h.deps.blobs }),
    principals,
    taskQueue,
  });
  return (method: string, url: string, options?: RequestOptions) => requestApp(app, method, url, options);
}
let request: ReturnType<typeof apiOn>;

async function registerApproved(file: string, run: string): Promise<number> {
  const blob = await h.deps.blobs.put(`models/${run}/model.onnx`, readFileSync(path.join(projectRoot, 'test/fixtures', file)));
  const { version } = await h.registry.registerVersion({
    modelName: model,
    artifactUri: blob.uri,
    artifactSha256: blob.sha256,
    signature: modelSignatureSchema.parse(servingFixture.signature),
    metrics: {},
    confusionMatrix: [],
    gate: {},
    referenceProfile: servingFixture.referenceProfile,
    lineage: {
      datasetUri: exampleDataset, datasetSha256: '0'.repeat(64), trainSplitUri: 'file:///train.csv', holdoutSplitUri: 'file:///holdout.csv',
      codeVersion: 'test', params: {}, computeProvider: 'local', computeJobId: run, workflowId: run, runId: run,
    },
    pipelineId: `${model}-${createHash('sha256').update(run).digest('hex').slice(0, 16)}`,
    pipelineRunId: run,
    createdBy: 'dave',
  });
  await h.registry.setVersionStatus(model, version, 'approved', 'registered by the batch test');
  return version;
}

/**
 * The example's rows `copies` times, each copy's numbers scaled a little, without the target and with
 * a `patient` id in front: the unlabelled data a batch scores. `edit` may change a row's cells.
 */
function writeInput(name: string, copies: number, edit?: (row: number, cells: string[]) => void): { file: string; rows: string[][]; header: string[] } {
  const example = parseCsv(readFileSync(path.join(projectRoot, exampleDataset), 'utf8'));
  const target = example.header.indexOf('diagnosis');
  const header = ['patient', ...example.header.filter((_, i) => i !== target)];
  const rows: string[][] = [];
  for (let copy = 0; copy < copies; copy++) {
    example.rows.forEach((cells, r) => {
      const scale = 1 + 0.01 * (((copy * 7 + r) % 5) - 2);
      const row = [`p${copy}-${r}`, ...cells.filter((_, i) => i !== target).map((cell) => String(Number((Number(cell) * scale).toPrecision(6))))];
      edit?.(rows.length + 1, row);
      rows.push(row);
    });
  }
  const file = path.join(inputDir, name);
  writeFileSync(file, toCsv(header, rows));
  return { file, rows, header };
}

async function waitForBatch(id: string, call = request, timeoutMs = 120_000): Promise<Record<string, any>> {
  let last: unknown;
  for (const by = Date.now() + timeoutMs; Date.now() < by; ) {
    const res = await call('GET', `/v1/batches/${id}`, { as: 'carol' });
    last = res.body;
    if (res.status === 200 && ['succeeded', 'failed', 'cancelled'].includes(res.body.state) && res.body.temporal.status !== 'RUNNING') return res.body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`batch ${id} did not end within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

async function submit(body: Record<string, unknown>, call = request): Promise<string> {
  const res = await call('POST', `/v1/models/${model}/batch`, { as: 'alice', body });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.batchId as string;
}

const readOutput = (uri: string) => readFileSync(fileURLToPath(uri));

beforeAll(async () => {
  s3 = await startS3Server();
  h = await startHarness('batch', { adjust: (deps) => ({ ...deps, objectStore: s3.client }) });
  request = apiOn(h.taskQueue);
  inputDir = mkdtempSync(path.join(os.tmpdir(), 'windsock-batch-input-'));
  const spec = (await h.registry.requireModel(model)).template.datasetSpec;
  classes = spec.target.classes;
  featureNames = spec.features.map((f) => f.name);
  mlpVersion = await registerApproved('breast-cancer-mlp.onnx', 'batch-mlp');
  slowVersion = await registerApproved('slow-model.onnx', 'batch-slow');
  await h.registry.setAlias(model, 'champion', mlpVersion, 'bob');
});
afterAll(async () => {
  await h?.close();
  await s3?.stop();
  if (inputDir) rmSync(inputDir, { recursive: true, force: true });
});

describe('batch scoring', () => {
  it("scores a few thousand rows with the champion, each row as onnxruntime-node scores it, and audits the batch", async () => {
    const input = writeInput('patients.csv', 6);
    const batchId = await submit({ input: input.file, idColumn: 'patient', chunkRows: 1000 });
    const done = await waitForBatch(batchId);
    expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'succeeded', model, version: mlpVersion, rows: input.rows.length, chunks: 4, chunksDone: 4, chunksReused: 0, progress: 1 });

    const bytes = readOutput(done.output.uri);
    expect(done.output).toMatchObject({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.byteLength, rows: input.rows.length });
    const output = parseCsv(bytes.toString('utf8'));
    expect(output.header).toEqual(['row', 'patient', 'prediction', ...classes.map((c) => `probability_${c}`)]);
    expect(output.rows).toHaveLength(input.rows.length);

    // onnxruntime-node on every row at once, features in the spec's order.
    const session = await ort.InferenceSession.create(readFileSync(path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx')));
    const columns = featureNames.map((name) => input.header.indexOf(name));
    const features = Float32Array.from(input.rows.flatMap((cells) => columns.map((i) => Number(cells[i]))));
    const result = await session.run({ features: new ort.Tensor('float32', features, [input.rows.length, featureNames.length]) });
    const expected = result.probabilities!.data as Float32Array;
    await session.release();
    output.rows.forEach((cells, r) => {
      expect(cells[0]).toBe(String(r + 1));
      expect(cells[1]).toBe(input.rows[r]![0]);
      const probabilities = classes.map((_, c) => Number(cells[3 + c]));
      probabilities.forEach((p, c) => expect(Math.abs(p - expected[r * classes.length + c]!), `row ${r + 1}, class ${classes[c]}`).toBeLessThan(1e-6));
      const best = expected[r * 2]! >= expected[r * 2 + 1]! ? 0 : 1;
      expect(cells[2], `row ${r + 1}`).toBe(classes[best]);
    });

    const audit = await h.registry.listAudit({ modelName: model });
    const events = audit.filter((e) => (e.details as { batchId?: string } | null)?.batchId === batchId);
    expect(events.map((e) => e.event).sort()).toEqual(['batch.finished', 'batch.started']);
    expect(events.find((e) => e.event === 'batch.finished')).toMatchObject({ actor: 'alice', version: mlpVersion, details: { state: 'succeeded', output: { sha256: done.output.sha256 } } });
  });

  it('resumes a batch whose worker was killed mid-batch without scoring its stored chunks again, to the same output', async () => {
    const input = writeInput('many-patients.csv', 30);
    const chunkRows = 100;
    const chunks = Math.ceil(input.rows.length / chunkRows);
    const body = { input: input.file, version: slowVersion, chunkRows, idColumn: 'patient' };

    // The batch's task queue has only child-process workers: one to kill, then one to finish.
    const crashQueue = `${h.taskQueue}-crash`;
    const onCrashQueue = apiOn(crashQueue);
    const startWorker = async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'test/temporal/batch-worker-process.ts'), inject('temporalAddress'), crashQueue, h.home, inject('workflowBundlePath')], {
        cwd: projectRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      onTestFinished(() => void child.kill('SIGKILL'));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (data: Buffer) => data.toString().includes('polling') && resolve());
        child.once('exit', (code) => reject(new Error(`the worker process exited (${code}) before it polled`)));
      });
      return { child, exited };
    };

    const first = await startWorker();
    const batchId = await submit(body, onCrashQueue);
    const chunkDir = path.join(h.home, 'artifacts', 'batches', batchId, 'chunks');
    const stored = () => {
      try {
        return readdirSync(chunkDir).filter((f) => f.endsWith('.csv'));
      } catch {
        return [];
      }
    };
    for (const by = Date.now() + 60_000; stored().length < 3; ) {
      if (Date.now() > by) throw new Error('the first worker stored no chunks within 60 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const atKill = new Map(stored().map((f) => [f, statSync(path.join(chunkDir, f))]));
    // The property needs a batch cut short: some chunks stored, some not.
    expect(atKill.size).toBeGreaterThanOrEqual(3);
    expect(atKill.size).toBeLessThan(chunks);

    await startWorker();
    const done = await waitForBatch(batchId, onCrashQueue);
    expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'succeeded', version: slowVersion, chunks, chunksDone: chunks, chunksReused: atKill.size });
    // Each chunk stored before the kill is the same file, never written again (a rewrite renames a new file in).
    for (const [file, before] of atKill) {
      const after = statSync(path.join(chunkDir, file));
      expect({ file, ino: after.ino, mtimeMs: after.mtimeMs }).toEqual({ file, ino: before.ino, mtimeMs: before.mtimeMs });
    }
    expect(stored()).toHaveLength(chunks);

    // The same batch uninterrupted, on the test's own worker: byte for byte the same output.
    const reference = await waitForBatch(await submit(body));
    expect(reference.state).toBe('succeeded');
    expect(done.output.sha256).toBe(reference.output.sha256);
    expect(parseCsv(readOutput(done.output.uri).toString('utf8')).rows).toHaveLength(input.rows.length);
  });

  it('reads its input from object storage and writes its output there, under a prefix', async () => {
    const input = writeInput('from-s3.csv', 2);
    const bytes = readFileSync(input.file);
    await s3.client.put({ bucket: s3.bucket, key: 'incoming/patients.csv' }, bytes, createHash('sha256').update(bytes).digest('hex'));
    const batchId = await submit({ input: `s3://${s3.bucket}/incoming/patients.csv`, output: `s3://${s3.bucket}/scores/`, idColumn: 'patient' });
    const done = await waitForBatch(batchId);
    expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'succeeded', rows: input.rows.length, input: `s3://${s3.bucket}/incoming/patients.csv`, output: { uri: `s3://${s3.bucket}/scores/${batchId}.csv` } });
    const written = await s3.client.get({ bucket: s3.bucket, key: `scores/${batchId}.csv` });
    expect(createHash('sha256').update(written).digest('hex')).toBe(done.output.sha256);
    const output = parseCsv(written.toString('utf8'));
    expect(output.rows.map((cells) => cells[1])).toEqual(input.rows.map((cells) => cells[0]));
  });

  it('runs on a schedule: each run a batch of its own, until the schedule is deleted', async () => {
    const input = writeInput('nightly.csv', 1);
    const created = await request('POST', `/v1/models/${model}/batch`, { as: 'alice', body: { input: input.file, schedule: { id: 'nightly', cron: '0 3 * * *' } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.schedule).toMatchObject({ model, id: 'nightly', temporalScheduleId: batchScheduleTemporalId(model, 'nightly'), cron: '0 3 * * *', paused: false, batch: { alias: 'champion' } });
    expect(created.body.schedule.nextActionTimes[0]).toMatch(/T03:00:00/);

    // Two ticks, now: Temporal's trigger runs the schedule's action as a tick would (ALLOW_ALL, as the
    // scheduler may not yet have seen the previous batch close, and would skip the tick under SKIP).
    const handle = h.client.schedule.getHandle(batchScheduleTemporalId(model, 'nightly'));
    const batchIds = new Set<string>();
    let lastTick = 0;
    for (let tick = 1; tick <= 2; tick++) {
      // A tick's batch id ends in its time to the second: two ticks in one second would be one batch.
      while (Date.now() < lastTick + 1000) await new Promise((r) => setTimeout(r, 50));
      await handle.trigger('ALLOW_ALL');
      for (const by = Date.now() + 60_000; batchIds.size < tick; ) {
        if (Date.now() > by) throw new Error(`the schedule started no batch for tick ${tick}`);
        const view = await request('GET', `/v1/models/${model}/batch-schedules/nightly`, { as: 'carol' });
        expect(view.status).toBe(200);
        for (const b of view.body.recentBatches) {
          batchIds.add(b.batchId);
          lastTick = Math.max(lastTick, Date.parse(b.scheduledAt));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      const done = await waitForBatch([...batchIds].at(-1)!);
      expect(done, JSON.stringify(done.error)).toMatchObject({ state: 'succeeded', version: mlpVersion, rows: input.rows.length });
    }
    const outputs = await Promise.all([...batchIds].map(async (id) => (await waitForBatch(id)).output.uri as string));
    expect(new Set(outputs).size).toBe(2);

    expect((await request('DELETE', `/v1/models/${model}/batch-schedules/nightly`, { as: 'alice' })).status).toBe(204);
    expect((await request('GET', `/v1/models/${model}/batch-schedules/nightly`, { as: 'carol' })).status).toBe(404);
  });

  it('fails a batch on a row past the submit-time sample that does not fit, naming the row', async () => {
    const input = writeInput('one-bad-row.csv', 6, (row, cells) => {
      if (row === 3000) cells[1] = 'unknown';
    });
    const batchId = await submit({ input: input.file, chunkRows: 500 });
    const done = await waitForBatch(batchId);
    expect(done.state).toBe('failed');
    expect(done.error).toMatch(/^batch input row 3000: column mean_radius: the value is not a number$/);
    expect(done.output).toBeUndefined();
    const finished = (await h.registry.listAudit({ modelName: model })).find((e) => e.event === 'batch.finished' && (e.details as { batchId?: string }).batchId === batchId);
    expect(finished?.details).toMatchObject({ state: 'failed', error: done.error });
  });
});
