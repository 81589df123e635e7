// The control plane's client for the serving side's admin routes (the edge on Workers, or Node
// serving): publish a version, set traffic weights, read metrics. Every call is idempotent. Calls go
// through Hono's `hc` over the admin routes' own type (ServingAdminApp), so what they send and read is
// what the routes declare.
import { hc } from 'hono/client';
import type { ServingAdminApp } from '../api/serving/serving-admin-routes';
import type { AccuracyApp, VersionAccuracy } from '../api/serving/accuracy-routes';
import type { ModelSignature } from '../core/serving/model-signature';
import type { DriftPolicyInput, DriftReport } from '../core/monitoring/drift-report';
import { referenceProfileSchema } from '../core/monitoring/reference-profile';
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
  private readonly admin: ReturnType<typeof hc<ServingAdminApp>>;
  /** The live-accuracy read, a sub-app of its own beside the admin routes under /admin. */
  private readonly accuracyAdmin: ReturnType<typeof hc<AccuracyApp>>;
  constructor(private readonly options: EdgeClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    if (options.signingKey) this.sign = changeSigner(options.signingKey);
    const send = ((input: string | URL | Request, init?: RequestInit) => this.send(input, init)) as typeof fetch;
    this.admin = hc<ServingAdminApp>(`${this.baseUrl}/admin`, { fetch: send });
    this.accuracyAdmin = hc<AccuracyApp>(`${this.baseUrl}/admin`, { fetch: send });
  }

  private get baseUrl(): string {
    return this.options.baseUrl.replace(/\/$/, '');
  }

  /** The headers that sign a change to what serving serves, when this client holds the control plane's key. */
  private async signed(path: string, body: object): Promise<Record<string, string>> {
    return this.sign ? this.sign('PUT', path, body) : {};
  }

  /**
   * One request with the token and the timeout (the answer's body included: it is read here); an
   * unreachable edge is a retryable `unavailable`, a refusal a WindsockError with the edge's message.
   */
  private async send(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const url = input instanceof Request ? input.url : String(input);
    const method = init.method ?? 'GET';
    const path = new URL(url).pathname;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        ...init,
        method,
        headers: { ...Object.fromEntries(new Headers(init.headers)), authorization: `Bearer ${this.options.token}` },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
      text = await res.text();
    } catch (err) {
      throw new WindsockError('unavailable', `the edge at ${this.options.baseUrl} is unreachable: ${unreachable(err, this.options.timeoutMs ?? 60_000)}`, { retryable: true });
    }
    if (!res.ok) {
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      const message = (parsed as { error?: { message?: string } } | undefined)?.error?.message ?? text;
      const code = res.status === 409 ? 'conflict' : res.status >= 500 ? 'unavailable' : res.status === 404 ? 'not_found' : 'unprocessable';
      throw new WindsockError(code, `edge ${method} ${path} answered ${res.status}: ${message}`, { retryable: res.status >= 500 || res.status === 429, details: parsed });
    }
    return new Response(text, { status: res.status, headers: res.headers });
  }

  /** A JSON request to a route outside the admin routes' type (none of this client's own routes). */
  private async call<T>(method: string, path: string, body?: object): Promise<T> {
    const res = await this.send(`${this.baseUrl}${path}`, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Uploads the artifact (verified by sha256 at the edge) and publishes the version; a repeat is a no-op. */
  async publish(input: PublishInput): Promise<{ published: 'created' | 'unchanged' }> {
    const name = encodeURIComponent(input.model);
    const base = `/admin/models/${name}/versions/${input.version}`;
    // The artifact's bytes go up as they are: a plain route, outside the typed client.
    await this.send(`${this.baseUrl}${base}/artifact`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'x-windsock-sha256': input.sha256 },
      body: input.artifact as Uint8Array<ArrayBuffer>,
    });
    // The registry keeps the profile as JSON of no type; serving would refuse one that is not a profile.
    const profile = referenceProfileSchema.safeParse(input.referenceProfile);
    if (!profile.success) throw new WindsockError('unprocessable', `${input.model} v${input.version} has no reference profile serving can take: ${profile.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const body = { artifactSha256: input.sha256, signature: input.signature, referenceProfile: profile.data };
    const res = await this.admin.models[':name'].versions[':v'].$put({ param: { name, v: String(input.version) }, json: body }, { headers: await this.signed(base, body) });
    const { published } = await res.json();
    return { published };
  }

  /** Stores the model's pipeline template at the edge, so that edge clients can start its pipelines. */
  async putTemplate(model: string, template: unknown): Promise<void> {
    // Sent as the control plane stored it; the route validates it (servedTemplateSchema).
    await this.call('PUT', `/admin/models/${encodeURIComponent(model)}/template`, template as object);
  }

  /** Sets the model's drift policy at the edge (the template's `drift`), which its drift monitor judges by. */
  async setDriftPolicy(model: string, policy: DriftPolicyInput): Promise<void> {
    await this.admin.models[':name']['drift-policy'].$put({ param: { name: encodeURIComponent(model) }, json: policy });
  }

  async setTraffic(model: string, weights: Record<string, number>, step?: number): Promise<{ weights: Record<string, number>; step: number }> {
    const name = encodeURIComponent(model);
    const body = { weights, step };
    const res = await this.admin.models[':name'].traffic.$put({ param: { name }, json: body }, { headers: await this.signed(`/admin/models/${name}/traffic`, body) });
    return res.json();
  }

  /** The model's weights and rollout step; undefined when it has none (or is not published). */
  async getTraffic(model: string): Promise<{ weights: Record<string, number>; step: number } | undefined> {
    try {
      const res = await this.admin.models[':name'].$get({ param: { name: encodeURIComponent(model) } });
      return (await res.json()).traffic ?? undefined;
    } catch (err) {
      if (err instanceof WindsockError && err.code === 'not_found') return undefined;
      throw err;
    }
  }

  /** Writes the answering isolate's pending statistics now (other isolates flush within seconds). */
  async flush(): Promise<void> {
    await this.admin.flush.$post();
  }

  /** The drift of each serving version over the last hour (the serving side's default window). */
  async drift(model: string): Promise<Record<string, DriftReport>> {
    const res = await this.admin.models[':name'].drift.$get({ param: { name: encodeURIComponent(model) }, query: {} });
    return (await res.json()).versions;
  }

  /** Live accuracy per version from ground-truth labels, over predictions served in the window. */
  async accuracy(model: string, window: { from: Date; to: Date }): Promise<Record<string, VersionAccuracy>> {
    const res = await this.accuracyAdmin.models[':name'].accuracy.$get({ param: { name: encodeURIComponent(model) }, query: { from: window.from.toISOString(), to: window.to.toISOString() } });
    return (await res.json()).versions;
  }

  async sketches(model: string, window: { from: Date; to: Date }): Promise<Record<string, VersionSketch>> {
    const res = await this.admin.models[':name'].sketches.$get({ param: { name: encodeURIComponent(model) }, query: { from: window.from.toISOString(), to: window.to.toISOString() } });
    return (await res.json()).versions;
  }
}

/** Why a call failed before an answer: its timeout, or the network's own error. */
function unreachable(err: unknown, timeoutMs: number): string {
  return (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message;
}
