// Serving as the edge records it: requests, error rate and latency percentiles over time from the
// edge's per-window sketches, and drift per feature from its drift reports. Read with the control
// API's EdgeClient; any signed-in principal may look.
import { Hono } from 'hono';
import { z } from 'zod';
import type { EdgeClient } from '../../activities/edge-client';
import { emptyLatencySketch, latencyQuantile, mergeLatency, type LatencySketch } from '../../core/monitoring/latency-sketch';
import type { DriftReport } from '../../core/monitoring/drift-report';
import type { VersionSketch } from '../../core/monitoring/version-sketch';
import { modelName } from '../../contracts/shared-params';
import { answer } from './dashboard-api';
import type { DashboardEnv } from './dashboard-env';
import { Chart, Notice, num, Page, type ChartSpec } from './dashboard-layout';

const ranges = { '15m': 15 * 60, '1h': 3600, '6h': 6 * 3600, '24h': 86400 } as const;
type Range = keyof typeof ranges;
/** Windows a chart is cut into: one edge read each, in parallel. */
const BUCKETS = 12;

const servingQuery = z.object({
  model: modelName.optional().catch(undefined),
  range: z.enum(Object.keys(ranges) as [Range, ...Range[]]).catch('1h'),
});

interface Bucket {
  end: number;
  versions: Record<string, VersionSketch>;
}

/** The three charts over the buckets: requests per version, error rate, latency p50/p95/p99 (all versions). */
function servingCharts(buckets: Bucket[]): ChartSpec[] {
  const x = buckets.map((b) => b.end);
  const versions = [...new Set(buckets.flatMap((b) => Object.keys(b.versions)))].sort((a, b) => Number(a) - Number(b));
  const totals = buckets.map((b) => {
    const sketches = Object.values(b.versions);
    const latency = sketches.reduce<LatencySketch>((acc, s) => mergeLatency(acc, s.latency), emptyLatencySketch());
    const requests = sketches.reduce((n, s) => n + s.requests, 0);
    const errors = sketches.reduce((n, s) => n + s.errors, 0);
    return { requests, errors, latency };
  });
  const quantile = (q: number) => totals.map((t) => (t.latency.count > 0 ? latencyQuantile(t.latency, q) : null));
  return [
    { title: 'Requests per window', x, series: versions.map((v) => ({ label: `v${v}`, values: buckets.map((b) => b.versions[v]?.requests ?? 0) })) },
    { title: 'Error rate (%)', x, unit: '%', series: [{ label: 'errors', values: totals.map((t) => (t.requests > 0 ? (100 * t.errors) / t.requests : null)) }] },
    {
      title: 'Latency (ms)',
      x,
      unit: 'ms',
      series: [
        { label: 'p50', values: quantile(0.5) },
        { label: 'p95', values: quantile(0.95) },
        { label: 'p99', values: quantile(0.99) },
      ],
    },
  ];
}

const DriftTable = ({ version, report }: { version: string; report: DriftReport }) => (
  <section class="drift" data-testid={`drift-v${version}`}>
    <h3>
      v{version}: {report.insufficientData ? `too little data (${report.sampleSize} rows)` : `${report.driftedFeatures} of ${report.evaluatedFeatures} features drifted (share ${num(report.driftShare)})${report.datasetDrift ? ': dataset drift' : ''}`}
    </h3>
    <table>
      <thead>
        <tr>
          <th>Feature</th>
          <th>Method</th>
          <th>Score</th>
          <th>Threshold</th>
          <th>Rows</th>
          <th>Verdict</th>
        </tr>
      </thead>
      <tbody>
        {[...report.features, ...(report.prediction ? [report.prediction] : [])].map((f) => (
          <tr>
            <td>{f.name}</td>
            <td>{f.method}</td>
            <td>{num(f.score)}</td>
            <td>{num(f.threshold)}</td>
            <td>{f.sampleSize}</td>
            <td class={f.drifted ? 'fail' : undefined}>{f.insufficientData ? 'too little data' : f.drifted ? `drifted (${f.severity})` : 'stable'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  </section>
);

export function servingPage({ edge }: { edge?: EdgeClient }) {
  return new Hono<DashboardEnv>().get('/', async (c) => {
    const session = c.get('session');
    const query = servingQuery.parse(c.req.query());
    const { models } = await answer(c.get('api').models.$get());
    const model = query.model ?? models.find((m) => m.champion)?.name ?? models[0]?.name;
    const picker = (
      <form method="get" action="/serving" class="filters">
        <select name="model">
          {models.map((m) => (
            <option value={m.name} selected={m.name === model}>
              {m.name}
            </option>
          ))}
        </select>
        <select name="range">
          {Object.keys(ranges).map((r) => (
            <option value={r} selected={r === query.range}>
              last {r}
            </option>
          ))}
        </select>
        <button type="submit">Show</button>
      </form>
    );
    if (!edge || !model) {
      return c.html(
        <Page title="Serving" session={session} section="serving">
          {picker}
          <Notice kind="info">{!edge ? 'No edge is configured (WINDSOCK_EDGE_URL): there is nothing serving to chart.' : 'No model is registered yet.'}</Notice>
        </Page>,
      );
    }
    const now = Date.now();
    const step = (ranges[query.range] * 1000) / BUCKETS;
    let charts: ChartSpec[] | undefined;
    let drift: Record<string, DriftReport> | undefined;
    let problem: string | undefined;
    try {
      const buckets = await Promise.all(
        Array.from({ length: BUCKETS }, async (_, i) => {
          const from = new Date(now - (BUCKETS - i) * step);
          const to = new Date(now - (BUCKETS - i - 1) * step);
          return { end: to.getTime() / 1000, versions: await edge.sketches(model, { from, to }) };
        }),
      );
      charts = servingCharts(buckets);
      drift = await edge.drift(model);
    } catch (err) {
      problem = `The edge did not answer: ${(err as Error).message}`;
    }
    return c.html(
      <Page title={`Serving: ${model}`} session={session} section="serving" charts refreshSeconds={30}>
        {picker}
        {problem ? <Notice kind="error">{problem}</Notice> : null}
        <div class="charts">{charts?.map((spec, i) => <Chart spec={spec} testId={`serving-chart-${i}`} />)}</div>
        <h2>Drift per feature (the edge's last hour)</h2>
        {drift && Object.keys(drift).length > 0 ? Object.entries(drift).map(([version, report]) => <DriftTable version={version} report={report} />) : <p class="empty">No drift report: no version is serving with a reference profile yet.</p>}
      </Page>,
    );
  });
}
