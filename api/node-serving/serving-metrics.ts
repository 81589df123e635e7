// Prometheus metrics for Node serving, around the serving app that Workers shares (so prom-client stays
// out of the Workers bundle): requests and latency by route pattern and model, inference errors, the
// recorder's pending batch, and GET /metrics behind a viewer token. The pattern is found by matching
// the request against the app's own routes, since middleware cannot be added to the built app.
import { Hono } from 'hono';
import { TrieRouter } from 'hono/router/trie-router';
import { getPath } from 'hono/utils/url';
import { Counter, Gauge } from 'prom-client';
import type { Principal } from '../../core/auth/principals';
import type { ApiEnv } from '../http/api-env';
import { bearerAuth, requireRole } from '../http/bearer-auth';
import { notFound, onError, requestId } from '../http/error-envelope';
import { createMetricsRegistry, exposeMetrics, HttpRequestMetrics, unmatchedRoute } from '../http/http-metrics';

export interface ServingMetricsOptions {
  /** The serving app: its routes name the patterns. */
  app: { routes: ReadonlyArray<{ method: string; path: string }>; fetch(request: Request, env?: unknown, ctx?: never): Response | Promise<Response> };
  /** The models serving knows (the store's): only these become label values. */
  models: () => Promise<string[]>;
  /** Requests the recorder holds for its next batch. */
  pendingRecordings: () => number;
  principals: Principal[];
  /** How long the list of models is reused (5 s); a name not on it asks again after a second. */
  modelsCacheMs?: number;
  now?: () => number;
}

/** A model label for requests that name no model the store knows (a typo, a scan), so names never explode. */
export const unknownModel = 'unknown';
const metricsPath = '/metrics';
const maxClassified = 1024;

export function createServingMetrics(options: ServingMetricsOptions) {
  const now = options.now ?? Date.now;
  const registry = createMetricsRegistry();
  const http = new HttpRequestMetrics(registry, { modelLabel: true });
  const inferenceErrors = new Counter({ name: 'windsock_inference_errors_total', help: 'Inference requests refused (4xx: bad input, unknown model or version) or failed (5xx), by model and status class.', labelNames: ['model', 'status_class'], registers: [registry] });
  new Gauge({
    name: 'windsock_recorder_pending_requests',
    help: "Requests recorded in the recorder's next batch, not yet written to the store.",
    registers: [registry],
    collect() {
      this.set(options.pendingRecordings());
    },
  });

  // The handlers' patterns (middleware is ALL); HEAD is answered by GET's handler, as Hono does.
  const router = new TrieRouter<string>();
  for (const route of options.app.routes) if (route.method !== 'ALL') router.add(route.method, route.path, route.path);
  router.add('GET', metricsPath, metricsPath);

  // Matching costs most of what counting a request does; the same few paths (a model's infer route)
  // come again and again. Bounded: a scan of random paths empties it rather than growing it.
  const classified = new Map<string, { route: string; name: string | undefined }>();
  const classify = (method: string, path: string) => {
    const key = `${method} ${path}`;
    let found = classified.get(key);
    if (!found) {
      const [match] = router.match(method === 'HEAD' ? 'GET' : method, path)[0];
      found = { route: match?.[0] ?? unmatchedRoute, name: match?.[1].name as string | undefined };
      if (classified.size >= maxClassified) classified.clear();
      classified.set(key, found);
    }
    return found;
  };

  let models = new Set<string>();
  let listedAt = Number.NEGATIVE_INFINITY;
  let listing: Promise<void> | undefined;
  const refreshModels = (olderThanMs: number) => {
    if (listing || now() - listedAt < olderThanMs) return;
    listedAt = now();
    listing = options.models().then(
      (names) => {
        models = new Set(names);
      },
      () => undefined,
    );
    void listing.finally(() => {
      listing = undefined;
    });
  };
  const modelsCacheMs = options.modelsCacheMs ?? 5000;
  const modelLabel = (name: string | undefined, route: string, status: number): string => {
    if (name === undefined) return '';
    // An inference route answers 2xx only for a model it serves: known from then on, before the next listing.
    if (status < 300 && route.startsWith('/v2/') && !models.has(name)) models.add(name);
    refreshModels(models.has(name) ? modelsCacheMs : Math.min(1000, modelsCacheMs));
    return models.has(name) ? name : unknownModel;
  };
  refreshModels(0);

  const metricsApp = new Hono<ApiEnv>()
    .use(requestId)
    .get(metricsPath, bearerAuth(options.principals), requireRole('viewer'), exposeMetrics(registry));
  metricsApp.onError(onError);
  metricsApp.notFound(notFound);

  return {
    registry,
    /** The serving app's fetch, counted; and GET /metrics. */
    async fetch(request: Request, env?: unknown, ctx?: never): Promise<Response> {
      const started = performance.now();
      const path = getPath(request);
      let status = 500;
      try {
        const res = path === metricsPath ? await metricsApp.fetch(request) : await options.app.fetch(request, env, ctx);
        status = res.status;
        return res;
      } finally {
        const seconds = (performance.now() - started) / 1000;
        const { route, name } = classify(request.method, path);
        const model = modelLabel(name, route, status);
        http.observe(request.method, route, status, seconds, model);
        if (status >= 400 && route.endsWith('/infer')) inferenceErrors.inc({ model, status_class: `${Math.floor(status / 100)}xx` });
      }
    },
  };
}
