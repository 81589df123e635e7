// Prometheus metrics that every Node HTTP app of Windsock shares (prom-client, so Node only: the
// Workers bundle must never import this file): a registry per app with the process's default
// metrics, request counts and latency by route pattern, and the /metrics exposition handler.
import type { Context, Handler, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * Node's default metrics (`process_*`, `nodejs_*`), collected once per process into a registry of
 * Windsock's own: each collection starts an event-loop-delay timer and a GC observer that never
 * stop, one per app would pile up where tests build many apps in one process.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * A registry of its own per app (never prom-client's global one), so that tests can build several
 * apps in one process; its exposition carries the process's default metrics too.
 */
export function createMetricsRegistry(): Registry {
  processMetrics();
  return new Registry();
}

/** Seconds: sub-millisecond for Node inference (tens of microseconds), up to long uploads. */
export const httpLatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const methods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** An unknown method is one label value, so a client cannot make a series per verb it invents. */
const methodLabel = (method: string) => (methods.has(method) ? method : 'OTHER');
const statusClass = (status: number) => `${Math.floor(status / 100)}xx`;

/** The label a request that matched no handler gets, whatever its path (so paths never become labels). */
export const unmatchedRoute = 'unmatched';

/**
 * The pattern of the handler a request was routed to (`/v1/pipelines/:id`), never the path itself:
 * a handler's method is the request's, middleware's is ALL. Taken from the router's match, so a
 * request refused by middleware before its handler (a 401) still counts under the handler's route.
 */
export function routePattern(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i]!;
    if (route.method !== 'ALL') return route.path;
  }
  return unmatchedRoute;
}

/** One label set's requests: a count, a sum and per-bucket (not cumulative) counts of latencies. */
interface Series {
  labels: Record<string, string>;
  count: number;
  sum: number;
  buckets: number[];
}

const requestsName = 'windsock_http_requests_total';
const durationName = 'windsock_http_request_duration_seconds';

/**
 * A histogram whose observations the caller counts in plain numbers and which prom-client reads at
 * scrape time: prom-client's own observe() validates and hashes the labels on every call, a few
 * microseconds per request, which is here once per series per scrape instead. prom-client reads a
 * metric for the exposition through getForPromString (and for JSON through get(), which calls it).
 */
class CountedHistogram extends Histogram<string> {
  readonly #series: Map<string, Series>;

  constructor(registry: Registry, labelNames: string[], series: Map<string, Series>) {
    super({ name: durationName, help: 'Time from a request arriving to its response headers, by method, route pattern and status class.', labelNames, buckets: httpLatencyBuckets, registers: [registry] });
    this.#series = series;
  }

  async getForPromString() {
    const values: Array<{ labels: Record<string, string | number>; sharedLabels: Record<string, string>; value: number; metricName: string }> = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i < httpLatencyBuckets.length; i++) {
        cumulative += s.buckets[i]!;
        values.push({ labels: { le: httpLatencyBuckets[i]! }, sharedLabels: s.labels, value: cumulative, metricName: `${durationName}_bucket` });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: s.labels, value: s.count, metricName: `${durationName}_bucket` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${durationName}_sum` });
      values.push({ labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${durationName}_count` });
    }
    return { name: durationName, help: 'Time from a request arriving to its response headers, by method, route pattern and status class.', type: 'histogram', values, aggregator: 'sum' };
  }
}

/**
 * `windsock_http_requests_total` and `windsock_http_request_duration_seconds` by method, route
 * pattern, status class and, where the app says so, model. A request costs a map lookup and a few
 * additions; prom-client reads the series when scraped.
 */
export class HttpRequestMetrics {
  readonly #series = new Map<string, Series>();
  readonly #withModel: boolean;

  constructor(registry: Registry, options: { modelLabel?: boolean } = {}) {
    this.#withModel = options.modelLabel ?? false;
    const labelNames = this.#withModel ? ['method', 'route', 'model', 'status_class'] : ['method', 'route', 'status_class'];
    const series = this.#series;
    new Counter({
      name: requestsName,
      help: 'HTTP requests answered, by method, route pattern and status class.',
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of series.values()) this.inc(s.labels, s.count);
      },
    });
    new CountedHistogram(registry, labelNames, series);
  }

  /** Counts one answered request; `model` only where the app was built with a model label ('' for none). */
  observe(method: string, route: string, status: number, seconds: number, model = ''): void {
    const m = methodLabel(method);
    const cls = statusClass(status);
    const key = `${m} ${route} ${cls} ${model}`;
    let series = this.#series.get(key);
    if (!series) {
      const labels: Record<string, string> = { method: m, route, status_class: cls };
      if (this.#withModel) labels.model = model;
      series = { labels, count: 0, sum: 0, buckets: httpLatencyBuckets.map(() => 0) };
      this.#series.set(key, series);
    }
    series.count++;
    series.sum += seconds;
    for (let i = 0; i < httpLatencyBuckets.length; i++) {
      if (seconds <= httpLatencyBuckets[i]!) {
        series.buckets[i]!++;
        break;
      }
    }
  }

  /** Middleware for a Hono app: mount it first, so that it times everything after it. */
  middleware(): MiddlewareHandler {
    return async (c, next) => {
      const started = performance.now();
      let status = 500;
      try {
        await next();
        status = c.res.status;
      } finally {
        // The app's onError answers errors inside next(); one that escapes it is a 500 at the server.
        this.observe(c.req.method, routePattern(c), status, (performance.now() - started) / 1000);
      }
    };
  }
}

/** GET /metrics: the process's and the app's metrics in Prometheus's text format. Mount it behind authentication. */
export function exposeMetrics(registry: Registry): Handler {
  return async (c) => {
    const [defaults, own] = await Promise.all([processMetrics().metrics(), registry.metrics()]);
    return c.body(defaults + own, 200, { 'content-type': registry.contentType });
  };
}
