// `npm run bench:ort-cuda`: onnxruntime-node's CUDA execution provider against its CPU provider on the
// same host, side by side in one run: the example's breast-cancer MLP (30 features) and a wide MLP
// (256 features, three 2048-wide layers, written by bench/export_wide_mlp.py), at batch sizes 1, 64
// and 4096. Reports p50 latency per run and rows per second, and the largest difference between the
// two providers' probabilities (the CUDA results must match the CPU ones). The CUDA provider needs
// libonnxruntime_providers_cuda.so beside onnxruntime-node's binding (its installer fetches it from
// NuGet; the onnxruntime-gpu wheel of the same version carries the same file) and the CUDA 13 and
// cuDNN 9 libraries on LD_LIBRARY_PATH; where it cannot start, the table says why.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { projectRoot } from '../config/project-root';
import { mulberry32 } from '../core/statistics/seeded-random';
import { printTable, summarize, writeResults } from './bench-report';

const BATCHES = [1, 64, 4096];
const MEASURE_MS = 1500;

interface ModelCase {
  name: string;
  file: string;
  features: number;
}

interface Row {
  model: string;
  provider: string;
  batch: number;
  runs: number;
  p50Ms: number;
  rowsPerSecond: number;
}

function input(features: number, batch: number): ort.Tensor {
  const random = mulberry32(batch);
  const data = Float32Array.from({ length: features * batch }, () => random() * 4 - 2);
  return new ort.Tensor('float32', data, [batch, features]);
}

async function measure(session: ort.InferenceSession, features: number, batch: number): Promise<{ runs: number; p50Ms: number; output: Float32Array }> {
  const feeds = { features: input(features, batch) };
  let output = (await session.run(feeds)).probabilities!.data as Float32Array;
  for (let i = 0; i < 5; i++) output = (await session.run(feeds)).probabilities!.data as Float32Array;
  const samples: number[] = [];
  const until = performance.now() + MEASURE_MS;
  while (performance.now() < until || samples.length < 5) {
    const start = performance.now();
    await session.run(feeds);
    samples.push(performance.now() - start);
  }
  return { runs: samples.length, p50Ms: summarize(samples).p50, output };
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-ort-cuda-'));
try {
  const wide = path.join(dir, 'wide-mlp.onnx');
  execFileSync(process.env.WINDSOCK_PYTHON ?? 'python3', [path.join(projectRoot, 'bench/export_wide_mlp.py'), wide], { stdio: 'inherit' });
  const models: ModelCase[] = [
    { name: 'breast-cancer MLP', file: path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx'), features: 30 },
    { name: 'wide MLP (8.9 M weights)', file: wide, features: 256 },
  ];
  const rows: Row[] = [];
  const problems: string[] = [];
  const maxDiff: Record<string, number> = {};
  for (const model of models) {
    const cpu = await ort.InferenceSession.create(model.file, { executionProviders: ['cpu'] });
    let cuda: ort.InferenceSession | undefined;
    try {
      cuda = await ort.InferenceSession.create(model.file, { executionProviders: [{ name: 'cuda', deviceId: 0 }] });
    } catch (err) {
      problems.push(`${model.name}: the CUDA provider did not start: ${(err as Error).message.slice(0, 400)}`);
    }
    for (const batch of BATCHES) {
      const onCpu = await measure(cpu, model.features, batch);
      rows.push({ model: model.name, provider: 'cpu', batch, runs: onCpu.runs, p50Ms: onCpu.p50Ms, rowsPerSecond: (batch * 1000) / onCpu.p50Ms });
      if (!cuda) continue;
      const onCuda = await measure(cuda, model.features, batch);
      rows.push({ model: model.name, provider: 'cuda', batch, runs: onCuda.runs, p50Ms: onCuda.p50Ms, rowsPerSecond: (batch * 1000) / onCuda.p50Ms });
      const diff = onCpu.output.reduce((worst, value, i) => Math.max(worst, Math.abs(value - onCuda.output[i]!)), 0);
      maxDiff[`${model.name} @ ${batch}`] = diff;
    }
    await cpu.release();
    await cuda?.release();
  }
  printTable(
    ['model', 'provider', 'batch', 'runs', 'p50 ms', 'rows/s', 'cuda/cpu rows/s'],
    rows.map((r) => {
      const cpu = rows.find((o) => o.model === r.model && o.batch === r.batch && o.provider === 'cpu')!;
      return [r.model, r.provider, String(r.batch), String(r.runs), r.p50Ms.toFixed(3), Math.round(r.rowsPerSecond).toString(), r.provider === 'cuda' ? `${(r.rowsPerSecond / cpu.rowsPerSecond).toFixed(2)}x` : '-'];
    }),
  );
  for (const [where, diff] of Object.entries(maxDiff)) console.log(`max |cuda - cpu| probability, ${where}: ${diff.toExponential(2)}`);
  for (const problem of problems) console.log(problem);
  console.log(`results: ${writeResults('ort-node-cuda', { ortVersion: ort.env.versions?.common, rows, maxDiff, problems })}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
