// `windsock batch`: start a batch (and follow it with --watch), show and watch one, and a model's batch
// schedules, as a real CLI process per command against the control API on a loopback port (the batch
// route fixture: real registry, blob store and dataset resolver with an approved champion; fake
// Temporal and batch schedule gateways), checking what it prints, its exit codes and what reached Temporal.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BatchInput, BatchStatus } from '../../../contracts/batch-scoring-messages';
import { principals } from '../../test-principals';
import { openBatchFixture, type BatchFixture } from '../routes/batch-routes-fixture';
import { createControlApp } from '../../../api/control/control-app';
import { DatasetReferenceResolver } from '../../../api/control/dataset-reference-resolver';
import { DatasetRoots } from '../../../artifacts/dataset-roots';
import { LocalBlobStore } from '../../../artifacts/local-blob-store';
import { projectRoot } from '../../../config/project-root';
import { DatasetStore } from '../../../registry/dataset-store';
import { cliOutputs, runCli, serveOnLoopback } from './cli-process';

let f: BatchFixture;
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
let url: string;

beforeAll(async () => {
  f = await openBatchFixture('cli-batch');
  // The fixture's batch app is reached through its request() only; the CLI needs one on a port: the
  // same deps (its gateways, registry, inputs under its dataset roots), object-store credentials said to be set.
  const blobs = new LocalBlobStore(path.join(f.home, 'artifacts'));
  const app = createControlApp({
    gateway: f.gateway,
    schedules: f.schedules,
    batchSchedules: f.batchSchedules,
    objectStore: true,
    registry: f.registry,
    apiTokens: f.apiTokens,
    blobs,
    datasets: new DatasetReferenceResolver(new DatasetRoots(f.datasetRoots, projectRoot), { datasetCatalog: new DatasetStore(f.registry), blobs }),
    principals,
    taskQueue: 'routes-cli-batch',
  });
  server = await serveOnLoopback(app);
  url = server.url;
});
afterAll(async () => {
  await server?.close();
  f?.close();
});
beforeEach(() => f.reset());

const until = async (condition: () => boolean, what: string) => {
  for (const by = Date.now() + 20_000; !condition(); ) {
    if (Date.now() > by) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const statusOf = (batchId: string, fields: Partial<BatchStatus>): BatchStatus => ({
  batchId,
  model: 'breast-cancer',
  state: 'planning',
  version: f.champion,
  input: 'file:///unlabelled.csv',
  chunksDone: 0,
  chunksReused: 0,
  progress: 0,
  requestedBy: 'alice',
  ...fields,
});

describe('windsock batch', () => {
  it('starts a batch with the champion and follows it to success with --watch: rows scored, then the output (exit 0)', async () => {
    const watching = runCli(['batch', 'start', 'breast-cancer', '--input', f.inputs.unlabelled, '--output', 's3://scores/today.csv', '--chunk-rows', '500', '--parallelism', '2', '--idempotency-key', 'cli-1', '--watch', '--interval', '50'], { url, as: 'alice' });
    await until(() => f.gateway.commands.length > 0, 'the batch to start');
    const start = f.gateway.commands[0]!;
    if (start.kind !== 'start') throw new Error(`expected a start, got ${start.kind}`);
    const id = start.options.workflowId;
    expect(id).toMatch(/^batch-breast-cancer-[0-9a-f]{16}$/);
    expect(start.options.args[0] as BatchInput).toEqual({ model: 'breast-cancer', version: f.champion, input: pathToFileURL(f.inputs.unlabelled).href, output: 's3://scores/today.csv', chunkRows: 500, parallelism: 2, requestedBy: 'alice' });

    // A worker plans it and scores half the rows, then writes the output.
    const describes = vi.spyOn(f.gateway, 'describe');
    const polls = () => describes.mock.calls.filter(([w]) => w === id).length;
    f.gateway.put(id, {
      workflowType: 'batchScoring',
      queries: { batchStatus: statusOf(id, { state: 'scoring', rows: 2000, chunks: 4 }) },
      pendingActivities: [{ activityType: 'scoreBatchChunks', attempt: 1, heartbeat: { done: [0, 1], rows: 1000 } }] as never,
    });
    const seen = polls();
    await until(() => polls() >= seen + 2, 'scoring to be seen');
    describes.mockRestore();
    f.gateway.put(id, {
      workflowType: 'batchScoring',
      status: 'COMPLETED',
      queries: { batchStatus: statusOf(id, { state: 'succeeded', rows: 2000, chunks: 4, chunksDone: 4, progress: 1, output: { uri: 's3://scores/today.csv', sha256: 'a'.repeat(64), size: 12_345, rows: 2000 } }) },
    });
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${id}: started`);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d scoring {2}2000 rows in 4 chunks$/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d scoring \[#{12}-{12}\] {2}50% 1000\/2000 rows, 2\/4 chunks$/);
    expect(lines[3]).toMatch(/^\d\d:\d\d:\d\d succeeded {2}2000 rows to s3:\/\/scores\/today\.csv$/);
    expect(lines).toHaveLength(4);

    // The same request and key again: the same batch. Shown as a table and as the API's JSON.
    const [again, shown, json] = await Promise.all([
      runCli(['batch', 'start', 'breast-cancer', '--input', f.inputs.unlabelled, '--output', 's3://scores/today.csv', '--chunk-rows', '500', '--parallelism', '2', '--idempotency-key', 'cli-1'], { url, as: 'alice' }),
      runCli(['batch', 'show', id], { url, as: 'carol' }),
      runCli(['batch', 'show', id, '--json'], { url, as: 'carol' }),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe(`${id}: already started (the same request and key)`);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^model:\\s+breast-cancer v${f.champion}$`, 'm'));
    expect(shown.stdout).toMatch(/^state:\s+succeeded$/m);
    expect(shown.stdout).toMatch(/^chunks:\s+4\/4$/m);
    expect(shown.stdout).toMatch(/^output:\s+s3:\/\/scores\/today\.csv \(2000 rows, 12345 bytes, sha256 a{64}\)$/m);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ batchId: id, state: 'succeeded', output: { rows: 2000 }, temporal: { status: 'COMPLETED' } });
  });

  it('watch exits 1 for a batch that failed, with its error; a scheduled batch id (with colons) is read as it is', async () => {
    const id = 'batch-breast-cancer-schedule-nightly-2025-01-01T03:00:00Z';
    f.gateway.put(id, { workflowType: 'batchScoring', status: 'FAILED', queries: { batchStatus: statusOf(id, { state: 'failed', error: 'row 12: mean_radius is not a number', requestedBy: 'schedule:nightly (dave)' }) } });
    const [watched, json] = await Promise.all([runCli(['batch', 'watch', id], { url, as: 'carol' }), runCli(['batch', 'watch', id, '--json'], { url, as: 'carol' })]);
    expect(watched.code).toBe(1);
    expect(watched.stdout).toMatch(/^\d\d:\d\d:\d\d failed$/m);
    expect(watched.stderr).toContain(`windsock: batch ${id} ended as failed: row 12: mean_radius is not a number`);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ batchId: id, state: 'failed' });
  });

  it('makes a batch schedule with --cron, shows it and deletes it', async () => {
    const made = await runCli(['batch', 'start', 'breast-cancer', '--input', f.inputs.unlabelled, '--output', 's3://scores/nightly/', '--cron', '0 3 * * *', '--schedule-id', 'nightly'], { url, as: 'dave' });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout.trim()).toBe('batch schedule breast-cancer/nightly: created (windsock batch schedules show breast-cancer nightly)');
    expect(f.batchSchedules.commands).toEqual([{ kind: 'create', model: 'breast-cancer', id: 'nightly' }]);
    expect(f.gateway.commands).toEqual([]);
    const [shown, json] = await Promise.all([
      runCli(['batch', 'schedules', 'show', 'breast-cancer', 'nightly'], { url, as: 'carol' }),
      runCli(['batch', 'schedules', 'show', 'breast-cancer', 'nightly', '--json'], { url, as: 'carol' }),
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^cron:\s+0 3 \* \* \* \(UTC\)$/m);
    expect(shown.stdout).toMatch(/^scores with:\s+the version alias champion points at$/m);
    expect(shown.stdout).toMatch(/^output:\s+s3:\/\/scores\/nightly\/$/m);
    expect(shown.stdout).toMatch(/^recent batches:\n\(none\)$/m);
    expect(JSON.parse(json.stdout)).toMatchObject({ model: 'breast-cancer', id: 'nightly', cron: '0 3 * * *', batch: { alias: 'champion' } });

    const deleted = await runCli(['batch', 'schedules', 'delete', 'breast-cancer', 'nightly'], { url, as: 'dave' });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout.trim()).toBe('batch schedule breast-cancer/nightly: deleted');
    const gone = await runCli(['batch', 'schedules', 'show', 'breast-cancer', 'nightly'], { url, as: 'carol' });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^windsock: model 'breast-cancer' has no batch schedule 'nightly' \(not_found, HTTP 404, request [\w-]+\)$/m);
  });

  it('exits 1 with the API message on a refusal, 2 on usage errors, and starts nothing', async () => {
    const [pending, pendingJson, viewer, both, noInput, badChunks, watchCron] = await Promise.all([
      runCli(['batch', 'start', 'breast-cancer', '--input', f.inputs.unlabelled, '--model-version', String(f.pending)], { url, as: 'alice' }),
      runCli(['--json', 'batch', 'start', 'breast-cancer', '--input', f.inputs.unlabelled, '--model-version', String(f.pending)], { url, as: 'alice' }),
      runCli(['batch', 'start', 'breast-cancer', '--input', f.inputs.unlabelled], { url, as: 'carol' }),
      runCli(['batch', 'start', 'breast-cancer', '--input', f.inputs.unlabelled, '--model-version', '1', '--alias', 'champion'], { url, as: 'alice' }),
      runCli(['batch', 'start', 'breast-cancer'], { url, as: 'alice' }),
      runCli(['batch', 'start', 'breast-cancer', '--input', f.inputs.unlabelled, '--chunk-rows', 'many'], { url, as: 'alice' }),
      runCli(['batch', 'start', 'breast-cancer', '--input', f.inputs.unlabelled, '--cron', '@daily', '--watch'], { url, as: 'alice' }),
    ]);
    expect(pending.code).toBe(1);
    expect(pending.stderr).toMatch(new RegExp(`^windsock: breast-cancer v${f.pending} is pending_approval; batches score with approved versions only \\(bad_request, HTTP 400, request [\\w-]+\\)$`, 'm'));
    expect(pending.stdout).toBe('');
    expect(pendingJson.code).toBe(1);
    expect(JSON.parse(pendingJson.stdout).error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/pending_approval/) });
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/^windsock: carol lacks the role for this: needs submitter or admin \(forbidden, HTTP 403/m);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--model-version and --alias both pick the version: give one/);
    expect(noInput.code).toBe(2);
    expect(noInput.stderr).toMatch(/required option '--input <uri>' not specified/);
    expect(badChunks.code).toBe(2);
    expect(badChunks.stderr).toMatch(/--chunk-rows.*expected a whole number/);
    expect(watchCron.code).toBe(2);
    expect(watchCron.stderr).toMatch(/--watch follows one batch/);
    await f.expectNothingDone();
  });

  it('never printed a token', () => {
    expect(cliOutputs.length).toBeGreaterThan(20);
    for (const output of cliOutputs) {
      for (const p of principals) expect(output).not.toContain(p.token);
    }
  });
});
