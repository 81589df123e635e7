// The `runner` compute provider: training jobs on a Windsock job runner (runner/) over HTTP. Inputs
// go up by digest, the job is submitted under the activity's idempotency key (a retry gets the job
// already started), and outputs come back verified against the runner's sha256. An unreachable
// runner or a 5xx is retryable; a refused spec or a missing job is not. Calls go through Hono's `hc` over
// the runner app's own route types, so bodies are what its routes declare, not casts.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import { hc } from 'hono/client';
import { WindsockError, errorStatus, type ErrorCode } from '../../core/windsock-error';
import { sha256File } from '../../artifacts/sha256-file';
import type { RunnerArtifact, SubmitJob } from '../../contracts/runner-protocol';
import type { RunnerApp } from '../../runner/runner-app';
import type { ComputeProvider, JobOutputs, JobRequest, JobStatus } from './compute-provider';

export interface RunnerProviderOptions {
  /** The profile name pipelines use to pick this runner. */
  name: string;
  baseUrl: string;
  token: string;
  /** Where downloaded outputs are kept on the worker host. */
  workDir: string;
  /** One HTTP call's limit; a runner that does not answer in time counts as unreachable. */
  requestTimeoutMs?: number;
}

export class RunnerProvider implements ComputeProvider {
  readonly name: string;
  private readonly runner: ReturnType<typeof hc<RunnerApp>>;
  constructor(private readonly o: RunnerProviderOptions) {
    this.name = o.name;
    this.runner = hc<RunnerApp>(o.baseUrl, { fetch: this.checkedFetch() });
  }

  async submit(request: JobRequest, idempotencyKey: string): Promise<{ jobId: string; reattached: boolean }> {
    const inputs: Record<string, string> = {};
    for (const [name, file] of Object.entries(request.inputs)) inputs[name] = await this.upload(file);
    const body: SubmitJob = {
      idempotencyKey,
      command: request.command,
      env: request.env,
      inputs,
      deadlineSeconds: request.deadlineSeconds,
      ...(request.checkpointKey ? { checkpointKey: request.checkpointKey } : {}),
      ...(request.gpus !== undefined ? { gpus: request.gpus } : {}),
      ...(request.budgetUsd !== undefined ? { budgetUsd: request.budgetUsd } : {}),
    };
    const submitted = await (await this.runner.v1.jobs.$post({ json: body })).json();
    return { jobId: submitted.job.id, reattached: !submitted.created };
  }

  private async upload(file: string): Promise<string> {
    const sha256 = await sha256File(file);
    // HEAD has no hc method, and the upload streams: both go through call() itself.
    const head = await this.call('HEAD', `/v1/inputs/${sha256}`, { allow404: true });
    if (head.status === 404) await this.call('PUT', `/v1/inputs/${sha256}`, { file });
    return sha256;
  }

  async status(jobId: string): Promise<JobStatus> {
    const job = await (await this.runner.v1.jobs[':id'].$get({ param: { id: jobId } })).json();
    return {
      jobId: job.id,
      state: job.state,
      progress: job.progress,
      error: job.error,
      reason: job.reason,
      exitCode: job.exitCode,
      startedAt: job.startedAt,
      endedAt: job.endedAt,
      gpuSeconds: job.gpuSeconds,
      costUsd: job.costUsd,
    };
  }

  async cancel(jobId: string): Promise<void> {
    await this.runner.v1.jobs[':id'].cancel.$post({ param: { id: jobId } }, { fetch: this.checkedFetch({ allow404: true }) });
  }

  async cancelByKeyPrefix(keyPrefix: string): Promise<number> {
    const { jobs } = await (await this.runner.v1.jobs.$get({ query: { idempotencyKeyPrefix: keyPrefix } })).json();
    const unfinished = jobs.filter((j) => j.state === 'queued' || j.state === 'running');
    for (const job of unfinished) await this.cancel(job.id);
    return unfinished.length;
  }

  async outputs(jobId: string): Promise<JobOutputs> {
    const dir = path.join(this.o.workDir, jobId, 'output');
    await mkdir(dir, { recursive: true });
    const { artifacts } = await (await this.runner.v1.jobs[':id'].artifacts.$get({ param: { id: jobId } })).json();
    for (const artifact of artifacts) await this.download(jobId, artifact, dir);
    const logs = [await this.logs(jobId, 'stdout'), await this.logs(jobId, 'stderr')].join('\n--- stderr ---\n');
    return { dir, logs };
  }

  /** Streams one artifact to disk and keeps it only when its digest matches the runner's. */
  private async download(jobId: string, artifact: RunnerArtifact, dir: string): Promise<void> {
    const target = path.resolve(dir, artifact.name);
    if (!target.startsWith(dir + path.sep)) throw new WindsockError('job_failed', `runner artifact name '${artifact.name}' escapes the output directory`);
    await mkdir(path.dirname(target), { recursive: true });
    const res = await this.call('GET', `/v1/jobs/${jobId}/artifacts/${artifact.name.split('/').map(encodeURIComponent).join('/')}`);
    const tmp = `${target}.part-${randomUUID()}`;
    if (!res.body) throw new WindsockError('job_failed', `runner sent artifact '${artifact.name}' without a body`);
    await pipeline(Readable.fromWeb(res.body), createWriteStream(tmp));
    const actual = await sha256File(tmp);
    if (actual !== artifact.sha256) {
      throw new WindsockError('unavailable', `artifact ${artifact.name} of ${jobId} arrived with sha256 ${actual}, not ${artifact.sha256}`, { retryable: true });
    }
    await rename(tmp, target);
  }

  private async logs(jobId: string, stream: 'stdout' | 'stderr'): Promise<string> {
    const pages: Buffer[] = [];
    for (let offset = 0; ; ) {
      const res = await this.call('GET', `/v1/jobs/${jobId}/logs?stream=${stream}&offset=${offset}`);
      const page = Buffer.from(await res.arrayBuffer());
      pages.push(page);
      offset = Number(res.headers.get('x-next-offset'));
      if (page.byteLength === 0 || res.headers.get('x-log-complete') === 'true') break;
    }
    return Buffer.concat(pages).toString('utf8');
  }

  /** fetch for `hc`: the runner's token and timeout, and a refusal turned into a WindsockError, as call() does. */
  private checkedFetch(options: { allow404?: boolean } = {}): typeof fetch {
    return (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const json = typeof init?.body === 'string' ? init.body : undefined;
      return this.call(init?.method ?? 'GET', `${url.pathname}${url.search}`, { ...options, json });
    }) as typeof fetch;
  }

  /** One request to the runner: JSON text, a file streamed, or no body. */
  private async call(method: string, route: string, options: { json?: string; file?: string; allow404?: boolean } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.o.token}` };
    let body: RequestInit['body'];
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = options.json;
    } else if (options.file) {
      // Streamed: a dataset need not fit in memory.
      headers['content-type'] = 'application/octet-stream';
      headers['content-length'] = String((await stat(options.file)).size);
      body = Readable.toWeb(createReadStream(options.file)) as RequestInit['body'];
    }
    let res: Response;
    try {
      res = await fetch(new URL(route, this.o.baseUrl), {
        method,
        headers,
        body,
        ...(options.file ? { duplex: 'half' } : {}),
        signal: AbortSignal.timeout(this.o.requestTimeoutMs ?? 30_000),
      } as RequestInit);
    } catch (err) {
      throw new WindsockError('unavailable', `job runner ${this.name} at ${this.o.baseUrl} is unreachable: ${(err as Error).cause ?? (err as Error).message}`, { retryable: true });
    }
    if (res.ok || (options.allow404 && res.status === 404)) return res;
    const text = await res.text();
    let code: string | undefined;
    let message = text;
    try {
      const envelope = JSON.parse(text) as { error?: { code?: string; message?: string } };
      code = envelope.error?.code;
      message = envelope.error?.message ?? text;
    } catch {
      // not an envelope
    }
    const known = code && code in errorStatus ? (code as ErrorCode) : undefined;
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw new WindsockError(retryable ? 'unavailable' : (known ?? 'bad_request'), `job runner ${this.name} answered ${method} ${route} with ${res.status}: ${message}`, { retryable });
  }
}
