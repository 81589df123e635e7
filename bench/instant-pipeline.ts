// The benches' workload: pipelines whose training job is jobs/instant/emit_model.py, which copies
// one real model (jobs/breast-cancer/train.py, run once, directly) instead of training. Each pipeline
// still validates, evaluates and registers a real ONNX model; only the training cost is gone.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../config/project-root';
import { finalStages } from '../contracts/model-pipeline-messages';
import { python, track, type ApiResponse, type BenchStack } from './bench-stack';

export async function trainReferenceModel(outputDir: string): Promise<{ modelPath: string; seconds: number }> {
  mkdirSync(outputDir, { recursive: true });
  const started = performance.now();
  const child = track(
    spawn(python, ['jobs/breast-cancer/train.py'], {
      cwd: projectRoot,
      env: {
        ...process.env,
        WINDSOCK_DATASET: 'examples/breast-cancer/data/breast-cancer.csv',
        WINDSOCK_DATASET_SPEC: 'examples/breast-cancer/dataset-spec.json',
        WINDSOCK_OUTPUT_DIR: outputDir,
        WINDSOCK_PARAMS: JSON.stringify({ epochs: 60 }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const modelPath = path.join(outputDir, 'model.onnx');
  if (code !== 0 || !existsSync(modelPath)) {
    throw new Error(`jobs/breast-cancer/train.py exited with ${code} (within 5 min?) and left no model.onnx:\n${stderr}`);
  }
  return { modelPath, seconds: (performance.now() - started) / 1000 };
}

export const instantJob = { command: ['python', 'jobs/instant/emit_model.py'] };

/** POST /v1/pipelines as the submitter; a unique Idempotency-Key per pipeline makes a unique id. */
export async function submitInstantPipeline(stack: BenchStack, modelPath: string, idempotencyKey: string): Promise<ApiResponse & { id: string }> {
  const res = await stack.request('POST', '/v1/pipelines', {
    token: stack.tokens.submitter,
    headers: { 'idempotency-key': idempotencyKey },
    body: {
      model: 'breast-cancer',
      dataset: 'examples/breast-cancer/data/breast-cancer.csv',
      job: instantJob,
      params: { model_path: modelPath },
    },
  });
  if (res.status !== 202) throw new Error(`POST /v1/pipelines answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { ...res, id: res.body.pipelineId as string };
}

/** Polls GET /v1/pipelines/:id until the stage is reached; a final stage on the way is an error. */
export async function waitForStage(
  stack: BenchStack,
  id: string,
  stage: string,
  { pollMs, timeoutMs = 120_000, latencies }: { pollMs: number; timeoutMs?: number; latencies?: number[] },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    stack.assertAlive();
    const res = await stack.request('GET', `/v1/pipelines/${id}`, { token: stack.tokens.approver });
    latencies?.push(res.ms);
    if (res.status === 200 && res.body.stage === stage) return;
    if (res.status === 200 && finalStages.has(res.body.stage)) {
      throw new Error(`pipeline ${id} ended as ${res.body.stage} while waiting for ${stage}: ${JSON.stringify(res.body.error ?? res.body)}`);
    }
    if (Date.now() > deadline) throw new Error(`pipeline ${id} did not reach ${stage} within ${timeoutMs / 1000} s; last: ${res.status} ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
