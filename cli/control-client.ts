// The control API's typed client: Hono's `hc` over the app's own route types (ControlApp), so the CLI
// sends what the routes validate and reads what they answer, and a refusal (the error envelope, which
// no route type carries: onError writes it) becomes an ApiError with the API's code, message and request id.
import { hc, type ClientResponse } from 'hono/client';
import type { ControlApp } from '../api/control/control-app';
import type { CliConfig } from './cli-config';

export type ControlClient = ReturnType<typeof hc<ControlApp>>;

/** A call the API refused (any non-2xx answer), or one that never got an answer (status 0). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly requestId: string,
    /** The envelope as the API sent it, for --json. */
    readonly body: unknown,
  ) {
    super(message);
  }
}

export function controlClient(config: CliConfig): ControlClient {
  return hc<ControlApp>(config.url, {
    headers: { authorization: `Bearer ${config.token}`, 'user-agent': 'windsock-cli' },
    fetch: explainingFetch(config.url, 'the control API'),
  });
}

/** fetch, with a request that never got an answer turned into an ApiError naming what was not reached. */
export function explainingFetch(baseUrl: string, what: string) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    try {
      return await fetch(input, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(`cannot reach ${what} at ${baseUrl}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, 0, 'unreachable', '', undefined);
    }
  };
}

interface ErrorEnvelope {
  error: { code: string; message: string; requestId: string };
}

function isEnvelope(body: unknown): body is ErrorEnvelope {
  const error = (body as { error?: unknown } | null)?.error as Record<string, unknown> | undefined;
  return typeof error === 'object' && error !== null && typeof error.code === 'string' && typeof error.message === 'string';
}

/** Success bodies a route declares (any 2xx); an ApiError for anything else. */
type OkBody<R> = R extends ClientResponse<infer T, infer S, 'json'> ? (S extends 200 | 201 | 202 ? T : never) : never;

/** Awaits a typed call and answers its JSON body with the route's own type, or throws ApiError. */
export async function ok<R extends ClientResponse<unknown, number, string>>(call: Promise<R>): Promise<OkBody<R>> {
  const res = await call;
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (res.ok) return body as OkBody<R>;
  const requestId = res.headers.get('x-request-id') ?? '';
  if (isEnvelope(body)) throw new ApiError(body.error.message, res.status, body.error.code, body.error.requestId || requestId, body);
  throw new ApiError(`HTTP ${res.status} from the control API${text ? `: ${text.slice(0, 200)}` : ''}`, res.status, `http_${res.status}`, requestId, body);
}

/** A call whose success has no body (204). */
export async function done(call: Promise<Response>): Promise<void> {
  await ok(call as Promise<ClientResponse<unknown, number, string>>);
}
