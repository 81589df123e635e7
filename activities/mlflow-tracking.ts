// A small client of MLflow's tracking REST API (2.0): experiments, runs, batched logging, metric history,
// and artifacts through the tracking server's artifact proxy (`mlflow server --serve-artifacts`). What
// Windsock logs, and when, is in mlflow-run-tracking.ts.
import { WindsockError } from '../core/windsock-error';

/** MLflow's own limits (mlflow/utils/validation.py): a log-batch call over them is refused whole. */
export const MLFLOW_LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  /** A log-batch request's JSON (MAX_BATCH_LOG_REQUEST_SIZE is 1e6 bytes), less room for the envelope. */
  batchBytes: 900_000,
} as const;

export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}
export interface MlflowKeyValue {
  key: string;
  value: string;
}
export interface MlflowBatch {
  metrics?: MlflowMetric[];
  params?: MlflowKeyValue[];
  tags?: MlflowKeyValue[];
}

export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface MlflowRun {
  info: { run_id: string; experiment_id: string; run_name?: string; status: MlflowRunStatus; artifact_uri: string; start_time?: number; end_time?: number };
  data: { metrics?: MlflowMetric[]; params?: MlflowKeyValue[]; tags?: MlflowKeyValue[] };
}

/**
 * Splits what one run logs into as few log-batch calls as MLflow's limits allow: 1000 metrics, 100
 * params, 100 tags, 1000 entities and 1 MB of request a call. Each kind keeps its given order.
 */
export function batchesWithinLimits(batch: MlflowBatch): MlflowBatch[] {
  const queues = { params: [...(batch.params ?? [])], tags: [...(batch.tags ?? [])], metrics: [...(batch.metrics ?? [])] };
  const limits = { params: MLFLOW_LIMITS.paramsPerBatch, tags: MLFLOW_LIMITS.tagsPerBatch, metrics: MLFLOW_LIMITS.metricsPerBatch };
  const out: MlflowBatch[] = [];
  while (queues.params.length || queues.tags.length || queues.metrics.length) {
    const part: Required<MlflowBatch> = { params: [], tags: [], metrics: [] };
    let bytes = 0;
    let entities = 0;
    for (const kind of ['params', 'tags', 'metrics'] as const) {
      const queue: (MlflowKeyValue | MlflowMetric)[] = queues[kind];
      while (queue.length && part[kind].length < limits[kind] && entities < MLFLOW_LIMITS.entitiesPerBatch) {
        const size = Buffer.byteLength(JSON.stringify(queue[0])) + 1;
        // One entity always goes, so that a call is never empty; MLflow's value limits keep it small.
        if (entities > 0 && bytes + size > MLFLOW_LIMITS.batchBytes) break;
        (part[kind] as (typeof queue)[number][]).push(queue.shift()!);
        bytes += size;
        entities++;
      }
    }
    out.push(Object.fromEntries(Object.entries(part).filter(([, v]) => v.length)) as MlflowBatch);
  }
  return out;
}

/**
 * A key MLflow accepts: letters, digits, `_ - . : /` and spaces, at most 250 characters, and a
 * normalised path (no empty, `.` or `..` segments).
 */
export function mlflowKey(key: string): string {
  const segments = key
    .replace(/[^\w.\- :/]/g, '_')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .map((s) => (s === '..' ? '__' : s));
  const cleaned = segments.join('/').slice(0, MLFLOW_LIMITS.keyLength).replace(/\/+$/, '');
  return cleaned === '' ? '_' : cleaned;
}

/** A param as MLflow stores it: a string of at most 6000 characters (longer values are cut). */
export function mlflowParam(key: string, value: unknown): MlflowKeyValue {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? 'null';
  return { key: mlflowKey(key), value: text.slice(0, MLFLOW_LIMITS.paramValueLength) };
}

export function mlflowTag(key: string, value: string): MlflowKeyValue {
  return { key: mlflowKey(key), value: value.slice(0, MLFLOW_LIMITS.tagValueLength) };
}

/** The artifact proxy's path of a run's artifact root (`mlflow-artifacts:/1/abc/artifacts`), or undefined when it is not proxied. */
export function proxiedArtifactPath(artifactUri: string): string | undefined {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri);
  return match ? match[1]!.replace(/\/+$/, '') : undefined;
}

export interface MlflowClientOptions {
  /** The tracking server, `http(s)://host[:port][/prefix]`. */
  trackingUri: string;
  /** Sent as `Authorization: Bearer` (WINDSOCK_MLFLOW_TRACKING_TOKEN). */
  token?: string;
  /** Basic auth, MLflow's own variables (MLFLOW_TRACKING_USERNAME, MLFLOW_TRACKING_PASSWORD). */
  username?: string;
  password?: string;
  /** Each call's limit (5 s); artifact uploads get `artifactTimeoutMs` (10 min). */
  timeoutMs?: number;
  artifactTimeoutMs?: number;
  fetch?: typeof fetch;
}

export class MlflowClient {
  private readonly base: string;
  private readonly authorization?: string;
  private readonly timeoutMs: number;
  private readonly artifactTimeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: MlflowClientOptions) {
    const url = new URL(options.trackingUri);
    // Credentials in the URL would end up in messages: they belong in the token or the basic-auth variables.
    if (url.username || url.password) throw new WindsockError('bad_request', 'the MLflow tracking URI carries credentials; use WINDSOCK_MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD');
    this.base = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
    if (options.token) this.authorization = `Bearer ${options.token}`;
    else if (options.username !== undefined && options.password !== undefined) {
      this.authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    }
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.artifactTimeoutMs = options.artifactTimeoutMs ?? 10 * 60_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Where the server is, for messages: the origin and prefix, never a credential. */
  get where(): string {
    return this.base;
  }

  async getExperimentIdByName(name: string): Promise<string | undefined> {
    const res = await this.call<{ experiment: { experiment_id: string } }>('GET', `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`, undefined, { missingOk: true });
    return res?.experiment.experiment_id;
  }

  /** The experiment's id, made when it does not exist yet (a concurrent maker wins without an error). */
  async ensureExperiment(name: string, tags: MlflowKeyValue[] = []): Promise<string> {
    const found = await this.getExperimentIdByName(name);
    if (found) return found;
    const made = await this.call<{ experiment_id: string }>('POST', '/api/2.0/mlflow/experiments/create', { name, tags }, { existsOk: true });
    if (made) return made.experiment_id;
    const again = await this.getExperimentIdByName(name);
    if (!again) throw new WindsockError('unavailable', `MLflow at ${this.where} neither made nor found experiment '${name}'`, { retryable: true });
    return again;
  }

  async createRun(input: { experimentId: string; runName: string; startTime: number; tags: MlflowKeyValue[] }): Promise<MlflowRun> {
    const res = await this.call<{ run: MlflowRun }>('POST', '/api/2.0/mlflow/runs/create', {
      experiment_id: input.experimentId,
      run_name: input.runName,
      start_time: input.startTime,
      tags: input.tags,
    });
    return res!.run;
  }

  async getRun(runId: string): Promise<MlflowRun> {
    return (await this.call<{ run: MlflowRun }>('GET', `/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`))!.run;
  }

  /** Active runs of the experiments whose tag `key` is `value`; value is restricted to a filter-safe alphabet. */
  async searchRunsByTag(experimentIds: string[], key: string, value: string, maxResults = 10): Promise<MlflowRun[]> {
    if (!/^[\w.:/-]*$/.test(key) || !/^[\w.:/@+-]*$/.test(value)) throw new WindsockError('bad_request', `tag ${key} = ${value} cannot be searched for safely`);
    const res = await this.call<{ runs?: MlflowRun[] }>('POST', '/api/2.0/mlflow/runs/search', {
      experiment_ids: experimentIds,
      filter: `tags.\`${key}\` = '${value}'`,
      run_view_type: 'ACTIVE_ONLY',
      max_results: maxResults,
      order_by: ['attributes.start_time ASC'],
    });
    return res?.runs ?? [];
  }

  /** Logs metrics, params and tags in as many log-batch calls as MLflow's limits need. */
  async logBatch(runId: string, batch: MlflowBatch): Promise<void> {
    for (const part of batchesWithinLimits(batch)) {
      await this.call('POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, metrics: part.metrics ?? [], params: part.params ?? [], tags: part.tags ?? [] });
    }
  }

  async updateRun(runId: string, status: MlflowRunStatus, endTime?: number): Promise<void> {
    await this.call('POST', '/api/2.0/mlflow/runs/update', { run_id: runId, status, ...(endTime !== undefined ? { end_time: endTime } : {}) });
  }

  async deleteRun(runId: string): Promise<void> {
    await this.call('POST', '/api/2.0/mlflow/runs/delete', { run_id: runId });
  }

  /** Every logged value of one metric of a run, all pages. */
  async getMetricHistory(runId: string, key: string): Promise<MlflowMetric[]> {
    const all: MlflowMetric[] = [];
    let pageToken: string | undefined;
    // A bound on pages, so that a server that keeps sending tokens cannot hold the activity.
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({ run_id: runId, metric_key: key, max_results: '25000', ...(pageToken ? { page_token: pageToken } : {}) });
      const res = await this.call<{ metrics?: MlflowMetric[]; next_page_token?: string }>('GET', `/api/2.0/mlflow/metrics/get-history?${query}`);
      all.push(...(res?.metrics ?? []));
      pageToken = res?.next_page_token;
      if (!pageToken) break;
    }
    return all;
  }

  /** Uploads one file under the run's artifact root through the server's artifact proxy. */
  async uploadArtifact(run: MlflowRun, relativePath: string, body: Uint8Array | string, contentType = 'application/octet-stream'): Promise<void> {
    const root = proxiedArtifactPath(run.info.artifact_uri);
    if (root === undefined) {
      throw new WindsockError('bad_request', `run ${run.info.run_id} keeps its artifacts at ${run.info.artifact_uri}, not behind the tracking server: start it with --serve-artifacts`);
    }
    const path = [...root.split('/'), ...relativePath.split('/')].filter(Boolean).map(encodeURIComponent).join('/');
    await this.call('PUT', `/api/2.0/mlflow-artifacts/artifacts/${path}`, body, { contentType, timeoutMs: this.artifactTimeoutMs });
  }

  /** Downloads one artifact of a run through the proxy (the tests read back what was logged). */
  async downloadArtifact(run: MlflowRun, relativePath: string): Promise<Uint8Array> {
    const root = proxiedArtifactPath(run.info.artifact_uri);
    if (root === undefined) throw new WindsockError('bad_request', `run ${run.info.run_id} keeps its artifacts outside the tracking server`);
    const path = [...root.split('/'), ...relativePath.split('/')].filter(Boolean).map(encodeURIComponent).join('/');
    const res = await this.send('GET', `/api/2.0/mlflow-artifacts/artifacts/${path}`, undefined, {});
    return new Uint8Array(await res.arrayBuffer());
  }

  private async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: { missingOk?: boolean; existsOk?: boolean; contentType?: string; timeoutMs?: number } = {},
  ): Promise<T | undefined> {
    const res = await this.send(method, path, body, options);
    const text = await res.text();
    // Empty: a tolerated miss (missingOk, existsOk).
    return text ? (JSON.parse(text) as T) : undefined;
  }

  private async send(
    method: string,
    path: string,
    body: unknown,
    options: { missingOk?: boolean; existsOk?: boolean; contentType?: string; timeoutMs?: number },
  ): Promise<Response> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const headers: Record<string, string> = {};
    if (this.authorization) headers.authorization = this.authorization;
    let payload: RequestInit['body'];
    if (body instanceof Uint8Array || typeof body === 'string') {
      payload = body;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const route = path.split('?')[0];
    let res: Response;
    try {
      res = await this.fetchImpl(`${this.base}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message);
      throw new WindsockError('unavailable', `MLflow at ${this.where} is unreachable (${method} ${route}): ${why}`, { retryable: true });
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let code = '';
    let message = text.slice(0, 300);
    try {
      const parsed = JSON.parse(text) as { error_code?: string; message?: string };
      code = parsed.error_code ?? '';
      message = (parsed.message ?? message).slice(0, 300);
    } catch {
      // not MLflow's JSON error: the text's head says enough
    }
    if (options.missingOk && (res.status === 404 || code === 'RESOURCE_DOES_NOT_EXIST')) return new Response('');
    if (options.existsOk && code === 'RESOURCE_ALREADY_EXISTS') return new Response('');
    const retryable = res.status >= 500 || res.status === 429;
    throw new WindsockError(retryable ? 'unavailable' : 'bad_request', `MLflow at ${this.where} answered ${res.status}${code ? ` ${code}` : ''} to ${method} ${route}: ${message}`, { retryable });
  }
}
