// A closed-loop HTTP load generator for the serving benchmarks: c connections (node:http with a
// keep-alive Agent, one request in flight per connection), each sending the next request as soon as
// the last answer is read, for a bounded time and a bounded number of requests. Latency is what the
// client waited for, from write to the last body byte.
import http from 'node:http';

export interface LoadOptions {
  url: string;
  /** POST (the default) sends the bodies; GET sends none. */
  method?: 'GET' | 'POST';
  /** Bodies sent in turn (e.g. one per holdout row), so the server sees varied inputs. */
  bodies: readonly string[];
  headers?: Record<string, string>;
  concurrency: number;
  durationMs: number;
  /** A bound on requests whatever the duration. */
  maxRequests?: number;
  /** Reuse connections (the default); false opens one per request. */
  keepAlive?: boolean;
  /** Unmeasured traffic first, to open the connections and warm the JIT. */
  warmupMs?: number;
  /** Answers with another status count as errors and are not in the latency samples. */
  expectStatus?: number;
  /** Also return when each sample's request was sent (ms since the measured run began). */
  timeline?: boolean;
}

export interface LatencySummary {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  concurrency: number;
  /** Measured wall time, ms. */
  elapsedMs: number;
  requests: number;
  errors: number;
  /** Successful requests per second. */
  rps: number;
  latencyMs: LatencySummary;
  /** First error seen, to tell a broken target from a slow one. */
  firstError?: string;
}

/** Nearest-rank percentiles over latency samples, in ms. */
export function latencySummary(samples: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { n, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * n) - 1)]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { n, mean: sum / n, p50: rank(50), p90: rank(90), p99: rank(99), max: sorted[n - 1]! };
}

interface Answer {
  status: number;
  body: string;
}

function send(agent: http.Agent, target: URL, method: 'GET' | 'POST', body: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method,
        headers: method === 'POST' ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? body : undefined);
  });
}

async function loop(agent: http.Agent, target: URL, options: LoadOptions, until: number, budget: { left: number }, latencies: number[] | undefined, tally: { errors: number; firstError?: string }, offset: number, sentAt?: { origin: number; at: number[] }): Promise<void> {
  const headers = options.headers ?? {};
  const expect = options.expectStatus ?? 200;
  const method = options.method ?? 'POST';
  let i = offset;
  while (budget.left > 0 && performance.now() < until) {
    budget.left--;
    const body = options.bodies.length ? options.bodies[i++ % options.bodies.length]! : '';
    const started = performance.now();
    try {
      const answer = await send(agent, target, method, body, headers);
      const took = performance.now() - started;
      if (answer.status === expect) {
        latencies?.push(took);
        sentAt?.at.push(started - sentAt.origin);
      }
      else {
        tally.errors++;
        tally.firstError ??= `${answer.status} ${answer.body.slice(0, 200)}`;
      }
    } catch (err) {
      tally.errors++;
      tally.firstError ??= (err as Error).message;
      // A refused connection would otherwise spin; the bound on requests stops it anyway.
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export type MeasuredLoad = LoadResult & { samples: number[]; sentAtMs?: number[] };

/** Runs the load and returns throughput and latency; never more than maxRequests nor durationMs (plus warm-up). */
export async function runLoad(options: LoadOptions): Promise<MeasuredLoad> {
  const target = new URL(options.url);
  const agent = new http.Agent({ keepAlive: options.keepAlive ?? true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency });
  try {
    const workers = Array.from({ length: options.concurrency }, (_, w) => w);
    if (options.warmupMs) {
      const until = performance.now() + options.warmupMs;
      await Promise.all(workers.map((w) => loop(agent, target, options, until, { left: 100_000 }, undefined, { errors: 0 }, w * 7)));
    }
    const latencies: number[] = [];
    const tally: { errors: number; firstError?: string } = { errors: 0 };
    const budget = { left: options.maxRequests ?? 1_000_000 };
    const started = performance.now();
    const until = started + options.durationMs;
    const sentAt = options.timeline ? { origin: started, at: [] as number[] } : undefined;
    await Promise.all(workers.map((w) => loop(agent, target, options, until, budget, latencies, tally, w * 7, sentAt)));
    const elapsedMs = performance.now() - started;
    return {
      concurrency: options.concurrency,
      elapsedMs,
      requests: latencies.length + tally.errors,
      errors: tally.errors,
      rps: (latencies.length / elapsedMs) * 1000,
      latencyMs: latencySummary(latencies),
      ...(tally.firstError !== undefined && { firstError: tally.firstError }),
      samples: latencies,
      ...(sentAt && { sentAtMs: sentAt.at }),
    };
  } finally {
    agent.destroy();
  }
}

/** Pools interleaved runs of one variant: requests over total time, percentiles over every sample. */
export function poolRuns(runs: readonly MeasuredLoad[]): LoadResult {
  const samples = runs.flatMap((r) => r.samples);
  const elapsedMs = runs.reduce((s, r) => s + r.elapsedMs, 0);
  const ok = samples.length;
  const errors = runs.reduce((s, r) => s + r.errors, 0);
  return { concurrency: runs[0]?.concurrency ?? 0, elapsedMs, requests: ok + errors, errors, rps: (ok / elapsedMs) * 1000, latencyMs: latencySummary(samples) };
}

/** A run without its samples, for the JSON results. */
export function withoutSamples({ samples: _samples, sentAtMs: _sentAtMs, ...result }: MeasuredLoad): LoadResult {
  return result;
}

/** ms with enough digits for sub-millisecond serving latencies. */
export function fmtMs(value: number): string {
  if (!Number.isFinite(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function fmtRps(value: number): string {
  return Number.isFinite(value) ? value.toFixed(0) : '-';
}
