// The control plane's client for the serving side's admin routes (the edge on Workers, or Node
// serving): publish a version, set traffic weights, read metrics. Every call is idempotent.
import type { ModelSignature } from '../core/serving/model-signature';
import type { DriftPolicyInput, DriftReport } from '../core/monitoring/drift-report';
import type { VersionSketch } from '../core/monitoring/version-sketch';
import { WindsockError } from '../core/windsock-error';
import { changeSigner, type ChangeSigner } from '../contracts/serving-change-signature';

export interface EdgeClientOptions {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** One call's limit, the answer's body included (default 60 s: an artifact upload is one call). */
  timeoutMs?: number;
  /** The control plane's private key (base64 PKCS#8 Ed25519, WINDSOCK_CHANGE_SIGNING_KEY): publishes and traffic changes are signed with it. */
  signingKey?: string;
}

export interface PublishInput {
  model: string;
  version: number;
  artifact: Uint8Array;
  sha256: string;
  signature: ModelSignature;
  referenceProfile: unknown;
}

export class EdgeClient {
  private readonly fetchImpl: typeof fetch;
  private readonly sign?: ChangeSigner;
  constructor(private readonly options: EdgeClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    if (options.signingKey) this.sign = changeSigner(options.signingKey);
  }

  /** A change to what serving serves, signed when this client holds the control plane's key. */
  private async change<T>(path: string, body: object): Promise<T> {
    return this.call('PUT', path, body, this.sign ? await this.sign('PUT', path, body) : {});
  }

  private async call<T>(method: string, path: string, body?: Uint8Array | object, headers: Record<string, string> = {}): Promise<T> {
    const url = `${this.options.baseUrl.replace(/\/$/, '')}${path}`;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          ...(body instanceof Uint8Array ? { 'content-type': 'application/octet-stream' } : body ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body instanceof Uint8Array ? (body as Uint8Array<ArrayBuffer>) : body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
      text = await res.text();
    } catch (err) {
      throw new WindsockError('unavailable', `the edge at ${this.options.baseUrl} is unreachable: ${unreachable(err, this.options.timeoutMs ?? 60_000)}`, { retryable: true });
    }
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const message = (parsed as { error?: { message?: string } })?.error?.message ?? text;
      const code = res.status === 409 ? 'conflict' : res.status >= 500 ? 'unavailable' : res.status === 404 ? 'not_found' : 'unprocessable';
      throw new WindsockError(code, `edge ${method} ${path} answered ${res.status}: ${message}`, { retryable: res.status >= 500 || res.status === 429, details: parsed });
    }
    return parsed as T;
  }

  /** Uploads the artifact (verified by sha256 at the edge) and publishes the version; a repeat is a no-op. */
  async publish(input: PublishInput): Promise<{ published: 'created' | 'unchanged' }> {
    const base = `/admin/models/${encodeURIComponent(input.model)}/versions/${input.version}`;
    await this.call('PUT', `${base}/artifact`, input.artifact, { 'x-windsock-sha256': input.sha256 });
    return this.change(base, { artifactSha256: input.sha256, signature: input.signature, referenceProfile: input.referenceProfile });
  }

  /** Stores the model's pipeline template at the edge, so that edge clients can start its pipelines. */
  async putTemplate(model: string, template: unknown): Promise<void> {
    await this.call('PUT', `/admin/models/${encodeURIComponent(model)}/template`, template as object);
  }

  /** Sets the model's drift policy at the edge (the template's `drift`), which its drift monitor judges by. */
  async setDriftPolicy(model: string, policy: DriftPolicyInput): Promise<void> {
    await this.call('PUT', `/admin/models/${encodeURIComponent(model)}/drift-policy`, policy);
  }

  async setTraffic(model: string, weights: Record<string, number>, step?: number): Promise<{ weights: Record<string, number>; step: number }> {
    return this.change(`/admin/models/${encodeURIComponent(model)}/traffic`, { weights, step });
  }

  /** The model's weights and rollout step; undefined when it has none (or is not published). */
  async getTraffic(model: string): Promise<{ weights: Record<string, number>; step: number } | undefined> {
    try {
      const res = await this.call<{ traffic: { weights: Record<string, number>; step: number } | null }>('GET', `/admin/models/${encodeURIComponent(model)}`);
      return res.traffic ?? undefined;
    } catch (err) {
      if (err instanceof WindsockError && err.code === 'not_found') return undefined;
      throw err;
    }
  }

  /** Writes the answering isolate's pending statistics now (other isolates flush within seconds). */
  async flush(): Promise<void> {
    await this.call('POST', '/admin/flush');
  }

  /** The drift of each serving version over the last hour (the serving side's default window). */
  async drift(model: string): Promise<Record<string, DriftReport>> {
    const body = await this.call<{ versions: Record<string, DriftReport> }>('GET', `/admin/models/${encodeURIComponent(model)}/drift`);
    return body.versions;
  }

  async sketches(model: string, window: { from: Date; to: Date }): Promise<Record<string, VersionSketch>> {
    const query = new URLSearchParams({ from: window.from.toISOString(), to: window.to.toISOString() });
    const res = await this.call<{ versions: Record<string, VersionSketch> }>('GET', `/admin/models/${encodeURIComponent(model)}/sketches?${query}`);
    return res.versions;
  }
}

/** Why a call failed before an answer: its timeout, or the network's own error. */
function unreachable(err: unknown, timeoutMs: number): string {
  return (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
}
