// What the dashboard reads and decides through: the API's own route modules (pipelines, models, model
// cards, audit), mounted on a private in-process app and called through Hono's typed client as the
// signed-in principal. Role checks, the four-eyes rule, validation and the Temporal update an approval
// sends are therefore the API's, by construction; the dashboard only renders their answers.
import { Hono } from 'hono';
import { hc, type ClientResponse } from 'hono/client';
import type { ModelCard } from '../../core/governance/model-card';
import type { EdgeClient } from '../../activities/edge-client';
import type { BlobStore } from '../../artifacts/blob-store';
import type { RegistryStore } from '../../registry/registry-store';
import type { AuthenticatedPrincipal } from '../http/api-env';
import { onError } from '../http/error-envelope';
import { modelCardRoutes } from '../control/routes/model-card-routes';
import { auditRoutes } from '../control/routes/audit-routes';
import { modelRoutes } from '../control/routes/model-routes';
import { pipelineRoutes, type DatasetResolver, type ModelTemplates } from '../pipelines/pipeline-routes';
import type { TemporalGateway } from '../temporal/temporal-gateway';

export interface DashboardApiDeps {
  gateway: TemporalGateway;
  registry: RegistryStore;
  blobs: BlobStore;
  edge?: EdgeClient;
  datasets: DatasetResolver;
  templates: ModelTemplates;
  taskQueue: string;
}

/** Who calls, handed to the private app as its bindings: no header can claim to be someone. */
interface CallerBindings {
  principal: AuthenticatedPrincipal;
  requestId: string;
}

function privateApi(deps: DashboardApiDeps) {
  const api = new Hono<{ Bindings: CallerBindings; Variables: { principal: AuthenticatedPrincipal; requestId: string } }>()
    .use(async (c, next) => {
      c.set('principal', c.env.principal);
      c.set('requestId', c.env.requestId);
      await next();
    })
    .route('/pipelines', pipelineRoutes({ gateway: deps.gateway, taskQueue: deps.taskQueue, templates: deps.templates, datasets: deps.datasets, rollout: deps.edge !== undefined }))
    .route('/models', modelRoutes({ registry: deps.registry, blobs: deps.blobs, edge: deps.edge, gateway: deps.gateway }))
    .route('/models', modelCardRoutes({ registry: deps.registry, edge: deps.edge }))
    .route('/audit', auditRoutes({ registry: deps.registry }));
  // The control API's error envelope, so refusals read the same as over HTTP.
  api.onError((err, c) => onError(err, c as never));
  return api;
}

/** The model card's JSON (the route answers Markdown only when asked for it, which these reads never do). */
export async function modelCard(api: DashboardApiClient, model: string, version: string): Promise<ModelCard> {
  return (await answer(api.models[':name'].versions[':v'].card.$get({ param: { name: model, v: version } }))) as ModelCard;
}

export type DashboardApiClient = ReturnType<typeof hc<ReturnType<typeof privateApi>>>;

/** A refusal of the API, with its status and message as the API words them. */
export class ApiRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function dashboardApi(deps: DashboardApiDeps): (caller: CallerBindings) => DashboardApiClient {
  const api = privateApi(deps);
  return (caller) => hc<typeof api>('http://dashboard.internal/', { fetch: (input: string | URL | Request, init?: RequestInit) => api.request(input, init, caller) });
}

/** The success bodies a route declares (any 2xx). */
type OkBody<R> = R extends ClientResponse<infer T, infer S, 'json'> ? (S extends 200 | 201 | 202 ? T : never) : never;

/** The JSON of a successful answer, or an ApiRefusal carrying the API's own status and message. */
export async function answer<R extends ClientResponse<unknown, number, string>>(call: Promise<R>): Promise<OkBody<R>> {
  const res = await call;
  const body = (await res.json().catch(() => undefined)) as unknown;
  if (res.ok) return body as OkBody<R>;
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  throw new ApiRefusal(res.status, error?.code ?? `http_${res.status}`, error?.message ?? `the API answered ${res.status}`);
}
