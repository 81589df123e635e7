// `tsx bench/batch-scoring.ts [--rows 200000] [--chunk-rows 10000] [--runs 3] [--parallelism 1]
//   [--python PATH] [--no-peer]`: rows per second of a Windsock batch (POST /v1/models/:name/batch on a
// throwaway stack: dev server, worker and control API as processes; from the POST until GET says
// succeeded, with the scoring activities' own time read from the workflow history) and of a plain
// pandas + onnxruntime script (bench/batch_scoring_peer.py) on the same CSV and the same ONNX model,
// side by side in one run. The predictions of both are compared row by row.
// The Python: --python, else $BATCH_PYTHON, else ~/.cache/windsock/venv-batch (made on first use from
// bench/requirements-batch.txt).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalBlobStore } from '../artifacts/local-blob-store';
import { projectRoot } from '../config/project-root';
import { parseCsv, toCsv } from '../core/data/csv';
import { modelSignatureSchema } from '../core/serving/model-signature';
import { openRegistry } from '../registry/open-registry';
import { RegistryStore } from '../registry/registry-store';
import servingFixture from '../test/fixtures/breast-cancer-serving.json';
import { flag, intArg, textArg } from './bench-args';
import { printTable, writeResults } from './bench-report';
import { abortAfter, startBenchStack } from './bench-stack';

const rowCount = intArg('rows', 200_000);
const chunkRows = intArg('chunk-rows', 10_000);
const runs = intArg('runs', 3);
const parallelism = intArg('parallelism', 1);
const withPeer = !flag('no-peer');
const model = 'breast-cancer';
const modelFile = path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx');
const defaultVenv = path.join(os.homedir(), '.cache/windsock/venv-batch');

function resolvePython(): string | null {
  const explicit = textArg('python') ?? process.env.BATCH_PYTHON;
  if (explicit) return explicit;
  const venvPython = path.join(defaultVenv, 'bin/python');
  if (!existsSync(venvPython)) {
    console.log(`[bench] making ${defaultVenv} from bench/requirements-batch.txt (once)`);
    const make = spawnSync('python3', ['-m', 'venv', defaultVenv], { stdio: 'inherit' });
    const install = make.status === 0 && spawnSync(venvPython, ['-m', 'pip', 'install', '-q', '-r', path.join(projectRoot, 'bench/requirements-batch.txt')], { stdio: 'inherit' });
    if (!install || install.status !== 0) {
      console.error('[bench] could not make the venv; the pandas peer is skipped (pass --python PATH to one with bench/requirements-batch.txt)');
      return null;
    }
  }
  return venvPython;
}

/** The example's rows, scaled a little per copy, without the target and with a `patient` id: `rowCount` of them. */
function writeInput(file: string): void {
  const example = parseCsv(readFileSync(path.join(projectRoot, 'examples/breast-cancer/data/breast-cancer.csv'), 'utf8'));
  const target = example.header.indexOf('diagnosis');
  const header = ['patient', ...example.header.filter((_, i) => i !== target)];
  const rows: string[][] = [];
  for (let i = 0; i < rowCount; i++) {
    const r = i % example.rows.length;
    const scale = 1 + 0.01 * (((Math.floor(i / example.rows.length) * 7 + r) % 5) - 2);
    rows.push([`p${i}`, ...example.rows[r]!.filter((_, c) => c !== target).map((cell) => String(Number((Number(cell) * scale).toPrecision(6))))]);
  }
  writeFileSync(file, toCsv(header, rows));
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main() {
  abortAfter(30 * 60_000, 'the batch bench');
  const python = withPeer ? resolvePython() : null;
  // The input is written before the stack starts: writing it takes longer than the API keeps an idle
  // connection, and a request on a connection it is closing fails.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'windsock-bench-batch-input-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const input = path.join(dataDir, 'batch-input.csv');
  writeInput(input);
  const stack = await startBenchStack({ name: 'batch', temporalStore: 'memory', env: { WINDSOCK_DATASET_ROOTS: dataDir } });
  try {
    // An approved champion: the fixture MLP, as a pipeline would have registered it.
    const { db, client } = await openRegistry(`file:${path.join(stack.home, 'registry.db')}`);
    const registry = new RegistryStore(db);
    const blob = await new LocalBlobStore(path.join(stack.home, 'artifacts')).put('models/bench/model.onnx', readFileSync(modelFile));
    const { version } = await registry.registerVersion({
      modelName: model, artifactUri: blob.uri, artifactSha256: blob.sha256, signature: modelSignatureSchema.parse(servingFixture.signature),
      metrics: {}, confusionMatrix: [], gate: {}, referenceProfile: servingFixture.referenceProfile,
      lineage: { datasetUri: 'bench', datasetSha256: '0'.repeat(64), trainSplitUri: 'bench', holdoutSplitUri: 'bench', codeVersion: 'bench', params: {}, computeProvider: 'local', computeJobId: 'bench', workflowId: 'bench', runId: 'bench' },
      pipelineId: `${model}-${'0'.repeat(16)}`, pipelineRunId: 'bench-batch', createdBy: 'bench',
    });
    await registry.setVersionStatus(model, version, 'approved', 'bench');
    await registry.setAlias(model, 'champion', version, 'bench');
    const spec = (await registry.requireModel(model)).template.datasetSpec;
    client.close();

    const bytes = readFileSync(input).byteLength;
    console.log(`[bench] ${rowCount} rows x ${spec.features.length} features (${(bytes / 1024 / 1024).toFixed(1)} MiB), chunks of ${chunkRows}, ${runs} runs, parallelism ${parallelism}, ${os.cpus().length} CPUs`);

    const windsock: Array<{ total: number; scoring: number; batchId: string; output: string; sha256: string }> = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      const posted = await stack.request('POST', `/v1/models/${model}/batch`, { token: stack.tokens.submitter, body: { input, idColumn: 'patient', chunkRows, parallelism } });
      if (posted.status !== 202) throw new Error(`POST answered ${posted.status}: ${JSON.stringify(posted.body)}`);
      const batchId = posted.body.batchId as string;
      let status: any;
      for (;;) {
        stack.assertAlive();
        try {
          status = (await stack.request('GET', `/v1/batches/${batchId}`, { token: stack.tokens.submitter })).body;
        } catch (err) {
          console.error(`[bench] GET /v1/batches/${batchId} failed after ${((performance.now() - started) / 1000).toFixed(1)} s: ${(err as Error).message} ${String((err as { cause?: unknown }).cause)}`);
          throw err;
        }
        if (['succeeded', 'failed', 'cancelled'].includes(status?.state)) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const total = (performance.now() - started) / 1000;
      if (status.state !== 'succeeded') throw new Error(`batch ${batchId} ${status.state}: ${status.error}`);
      // The scoring activities' own time: from the first one's start to the last one's completion.
      const history = await stack.client.workflow.getHandle(batchId).fetchHistory();
      const scoring = scoringSeconds(history.events ?? []);
      windsock.push({ total, scoring, batchId, output: status.output.uri, sha256: status.output.sha256 });
      console.log(`[bench] windsock run ${run + 1}: ${total.toFixed(2)} s end to end, ${scoring.toFixed(2)} s in the scoring activity`);
    }

    let peer: { versions: Record<string, string>; runs: Array<{ rows: number; read: number; score: number; write: number; total: number; sha256: string }> } | null = null;
    let agreement: { rows: number; samePrediction: number; maxAbsDiff: number } | null = null;
    if (python) {
      const specFile = path.join(stack.home, 'spec.json');
      writeFileSync(specFile, JSON.stringify(spec));
      const peerOutput = path.join(stack.home, 'peer-output.csv');
      const answer = spawnSync(python, [path.join(projectRoot, 'bench/batch_scoring_peer.py'), input, modelFile, peerOutput, specFile, 'patient', String(chunkRows), String(runs)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
      if (answer.status !== 0) throw new Error(`the pandas peer failed: ${answer.stderr.slice(-2000)}`);
      peer = JSON.parse(answer.stdout.trim().split('\n').at(-1)!);
      for (const [i, r] of peer!.runs.entries()) console.log(`[bench] pandas run ${i + 1}: ${r.total.toFixed(2)} s (read ${r.read.toFixed(2)}, score ${r.score.toFixed(2)}, write ${r.write.toFixed(2)})`);
      agreement = compare(readFileSync(fileURLToPath(windsock[0]!.output), 'utf8'), readFileSync(peerOutput, 'utf8'), spec.target.classes.length);
    }

    const wTotal = median(windsock.map((w) => w.total));
    const wScoring = median(windsock.map((w) => w.scoring));
    const pTotal = peer ? median(peer.runs.map((r) => r.total)) : NaN;
    const pScore = peer ? median(peer.runs.map((r) => r.score)) : NaN;
    const perSecond = (seconds: number) => (Number.isFinite(seconds) ? Math.round(rowCount / seconds).toLocaleString('en-US') : '-');
    console.log('');
    printTable(['path (median of runs)', 'seconds', 'rows/s'], [
      ['windsock batch, POST to succeeded (plan, score, write, audit)', wTotal.toFixed(2), perSecond(wTotal)],
      ['windsock scoring activity (read, parse, encode, score, store chunks)', wScoring.toFixed(2), perSecond(wScoring)],
      ['pandas + onnxruntime script (read_csv, score, to_csv, sha256)', Number.isFinite(pTotal) ? pTotal.toFixed(2) : '-', perSecond(pTotal)],
      ['pandas + onnxruntime, session.run alone', Number.isFinite(pScore) ? pScore.toFixed(2) : '-', perSecond(pScore)],
    ]);
    if (peer) console.log(`\nwindsock end to end / pandas script, rows/s: ${(pTotal / wTotal).toFixed(2)}x`);
    if (agreement) console.log(`predictions agree on ${agreement.samePrediction} of ${agreement.rows} rows; largest probability difference ${agreement.maxAbsDiff.toExponential(2)}`);
    const file = writeResults('batch-scoring', { rows: rowCount, bytes, chunkRows, parallelism, cpus: os.cpus().length, windsock, peer, agreement, ratio: pTotal / wTotal });
    console.log(`raw figures: ${file}`);
  } catch (err) {
    await stack.stop({ keepHome: true });
    throw err;
  }
  await stack.stop();
}

type HistoryEvent = { eventType?: unknown; eventTime?: { seconds?: unknown; nanos?: unknown } | null; activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null };

function scoringSeconds(events: HistoryEvent[]): number {
  const at = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) + Number(e.eventTime?.nanos ?? 0) / 1e9;
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'scoreBatchChunks').map(at);
  // The next activity scheduled after scoring (finishBatch) marks its end.
  const after = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'finishBatch').map(at);
  return scheduled.length && after.length ? Math.max(...after) - Math.min(...scheduled) : NaN;
}

function compare(windsockCsv: string, peerCsv: string, classes: number) {
  const a = parseCsv(windsockCsv).rows;
  const b = parseCsv(peerCsv).rows;
  let same = 0;
  let maxAbsDiff = 0;
  a.forEach((row, i) => {
    const other = b[i];
    if (!other) return;
    if (row[2] === other[2]) same++;
    for (let c = 0; c < classes; c++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(Number(row[3 + c]) - Number(other[3 + c])));
  });
  return { rows: Math.max(a.length, b.length), samePrediction: same, maxAbsDiff };
}

await main();
