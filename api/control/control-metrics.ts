// The control API's Prometheus metrics: its HTTP traffic, and what the registry and the edge know about
// the pipelines, training and serving. The worker writes versions and audit events, not this process,
// so those are read from the registry at scrape time with queries bounded by primary-key ranges (new
// rows since the last scrape), and the edge's drift at most every 30 s, never on a scrape's clock.
import { and, asc, gt, gte, isNotNull, lte, max, sql } from 'drizzle-orm';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EdgeClient } from '../../activities/edge-client';
import { stages } from '../../contracts/model-pipeline-messages';
import { WindsockError } from '../../core/windsock-error';
import { auditEvents, modelVersions } from '../../drizzle/schema';
import type { RegistryStore } from '../../registry/registry-store';
import { createMetricsRegistry, HttpRequestMetrics } from '../http/http-metrics';

export interface ControlMetricsOptions {
  registry: RegistryStore;
  edge?: EdgeClient;
  /** How long the edge's drift reports are reused (30 s). */
  driftCacheMs?: number;
  /** Pipelines counted by stage: those whose latest pipeline.* event is this recent (30 days)... */
  pipelineWindowMs?: number;
  /** ...and among the audit log's latest this many events (100,000), so a scrape reads a bounded range. */
  pipelineWindowEvents?: number;
  now?: () => number;
  log?: (line: string) => void;
}

/** Training time in seconds: from a quick CPU job to a day on a GPU. */
const trainingBuckets = [10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400];
/** `pipeline.started` comes before the first stage; every other pipeline event names a stage. */
const pipelineStages: readonly string[] = ['started', ...stages];
/** Rollout event names are the workflow's (`rollout.weights`, `rollout.analysis`, ...): a bounded set. */
const rolloutEvent = /^rollout\.[a-z_]{1,40}$/;
const maxRolloutEvents = 32;
const pageSize = 1000;
const firstDriftWaitMs = 5000;

export function createControlMetrics(options: ControlMetricsOptions) {
  const db = options.registry.db;
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.error(`[metrics] ${line}`));
  const registry: Registry = createMetricsRegistry();
  const http = new HttpRequestMetrics(registry);

  const collectErrors = new Counter({ name: 'windsock_metrics_collect_errors_total', help: 'Scrapes that could not refresh a source (registry, edge); its metrics keep their last values.', labelNames: ['source'], registers: [registry] });
  // Every scrape reads what is new (concurrent scrapes share one read): cheap, and never stale.
  const registrySync = coalesced(0, now, async () => {
    try {
      await syncVersions();
      await syncAudit();
    } catch (err) {
      collectErrors.inc({ source: 'registry' });
      log(`reading the registry failed: ${String(err)}`);
    }
  });
  const collectRegistry = () => registrySync();

  // Versions: each one registered since the last scrape, once (the first scrape reads them all, in pages).
  const trainingSeconds = new Histogram({ name: 'windsock_training_seconds', help: "Training jobs' wall time of registered versions (lineage computeSeconds), by model.", labelNames: ['model'], buckets: trainingBuckets, registers: [registry], collect: collectRegistry });
  const trainingCost = new Counter({ name: 'windsock_training_cost_usd_total', help: "Training cost of registered versions in US dollars (lineage computeCostUsd; providers that know a price), by model.", labelNames: ['model'], registers: [registry], collect: collectRegistry });
  const trainingGpuSeconds = new Counter({ name: 'windsock_training_gpu_seconds_total', help: 'GPU-seconds of registered versions (lineage computeGpuSeconds), by model.', labelNames: ['model'], registers: [registry], collect: collectRegistry });
  const versionsRegistered = new Counter({ name: 'windsock_model_versions_registered_total', help: 'Versions registered, by model.', labelNames: ['model'], registers: [registry], collect: collectRegistry });
  let lastVersionId = 0;
  async function syncVersions() {
    for (;;) {
      const rows = await db
        .select({
          id: modelVersions.id,
          model: modelVersions.modelName,
          seconds: sql<number | null>`json_extract(${modelVersions.lineage}, '$.computeSeconds')`,
          gpuSeconds: sql<number | null>`json_extract(${modelVersions.lineage}, '$.computeGpuSeconds')`,
          costUsd: sql<number | null>`json_extract(${modelVersions.lineage}, '$.computeCostUsd')`,
        })
        .from(modelVersions)
        .where(gt(modelVersions.id, lastVersionId))
        .orderBy(asc(modelVersions.id))
        .limit(pageSize);
      for (const row of rows) {
        versionsRegistered.inc({ model: row.model });
        if (isAmount(row.seconds)) trainingSeconds.observe({ model: row.model }, row.seconds);
        if (isAmount(row.gpuSeconds)) trainingGpuSeconds.inc({ model: row.model }, row.gpuSeconds);
        if (isAmount(row.costUsd)) trainingCost.inc({ model: row.model }, row.costUsd);
        lastVersionId = row.id;
      }
      if (rows.length < pageSize) return;
    }
  }

  // The audit log: rollout events counted as they are appended; pipelines by the stage of their latest event.
  const rolloutEvents = new Counter({ name: 'windsock_rollout_events_total', help: 'Rollout steps in the audit log (rollout.weights, rollout.analysis, rollout.promoted, rollout.rolled_back, ...), by event.', labelNames: ['event'], registers: [registry], collect: collectRegistry });
  const pipelines = new Gauge({ name: 'windsock_pipelines', help: "Pipelines by the stage of their latest pipeline.* audit event, among those with one in the window (30 days, the log's latest 100,000 events).", labelNames: ['stage'], registers: [registry], collect: collectRegistry });
  const seenRolloutEvents = new Set<string>();
  let lastAuditId = 0;
  async function syncAudit() {
    const [top] = await db.select({ id: max(auditEvents.id) }).from(auditEvents);
    const topId = top?.id ?? 0;
    if (topId > lastAuditId) {
      const counts = await db
        .select({ event: auditEvents.event, n: sql<number>`count(*)` })
        .from(auditEvents)
        .where(and(gt(auditEvents.id, lastAuditId), lte(auditEvents.id, topId), sql`substr(${auditEvents.event}, 1, 8) = 'rollout.'`))
        .groupBy(auditEvents.event);
      for (const { event, n } of counts) {
        if (!rolloutEvent.test(event) || (!seenRolloutEvents.has(event) && seenRolloutEvents.size >= maxRolloutEvents)) continue;
        seenRolloutEvents.add(event);
        rolloutEvents.inc({ event }, n);
      }
      lastAuditId = topId;
    }
    const since = new Date(now() - (options.pipelineWindowMs ?? 30 * 24 * 3600_000));
    const fromId = topId - (options.pipelineWindowEvents ?? 100_000);
    const latest = db
      .select({ id: max(auditEvents.id).as('latest_id') })
      .from(auditEvents)
      .where(and(gt(auditEvents.id, fromId), gte(auditEvents.at, since), isNotNull(auditEvents.pipelineId), sql`substr(${auditEvents.event}, 1, 9) = 'pipeline.'`))
      .groupBy(auditEvents.pipelineId)
      .as('latest');
    const byStage = await db
      .select({ event: auditEvents.event, n: sql<number>`count(*)` })
      .from(auditEvents)
      .innerJoin(latest, sql`${auditEvents.id} = ${latest.id}`)
      .groupBy(auditEvents.event);
    const counts = new Map(byStage.map((r) => [r.event.slice('pipeline.'.length), r.n]));
    for (const stage of pipelineStages) pipelines.set({ stage }, counts.get(stage) ?? 0);
  }

  // Drift from the edge: every registered model's serving versions, refreshed in the background once
  // stale, so a scrape waits on the edge only for the first report.
  if (options.edge) {
    const edge = options.edge;
    const driftShare = new Gauge({ name: 'windsock_drift_share', help: "Share of a serving version's features that drift over the edge's last hour (its drift report; absent until it has enough samples).", labelNames: ['model', 'version'], registers: [registry], collect: () => driftSync() });
    const datasetDrift = new Gauge({ name: 'windsock_drift_detected', help: "1 when a serving version's dataset drift share reaches its policy's threshold, else 0.", labelNames: ['model', 'version'], registers: [registry], collect: () => driftSync() });
    let driftSeen = false;
    const refreshDrift = coalesced(options.driftCacheMs ?? 30_000, now, async () => {
      const models = (await options.registry.listModels()).map((m) => m.name);
      const reports = await Promise.all(
        models.map((model) =>
          edge.drift(model).then(
            (versions) => ({ model, versions }),
            (err: unknown) => {
              // A model the edge does not serve has no report; anything else is worth a count.
              if (!(err instanceof WindsockError && err.code === 'not_found')) collectErrors.inc({ source: 'edge' });
              return { model, versions: {} };
            },
          ),
        ),
      );
      driftShare.reset();
      datasetDrift.reset();
      for (const { model, versions } of reports) {
        for (const [version, report] of Object.entries(versions)) {
          if (report.insufficientData) continue;
          driftShare.set({ model, version }, report.driftShare);
          datasetDrift.set({ model, version }, report.datasetDrift ? 1 : 0);
        }
      }
      driftSeen = true;
    });
    const driftSync = async () => {
      const refreshing = refreshDrift().catch((err: unknown) => {
        collectErrors.inc({ source: 'edge' });
        log(`reading drift from the edge failed: ${String(err)}`);
      });
      // The first report is waited for, up to a few seconds (EdgeClient's own timeout is a minute).
      if (!driftSeen) await Promise.race([refreshing, delay(firstDriftWaitMs)]);
    };
  }

  return { registry, http };
}

export type ControlMetrics = ReturnType<typeof createControlMetrics>;

/** Resolves after `ms` without holding the process open. */
const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

const isAmount = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

/**
 * Runs `work` at most once per `minIntervalMs`: callers in between share the run in flight, or
 * return at once when the last one is recent enough.
 */
function coalesced(minIntervalMs: number, now: () => number, work: () => Promise<void>): () => Promise<void> {
  let inFlight: Promise<void> | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  return () => {
    if (inFlight) return inFlight;
    if (now() - lastStart < minIntervalMs) return Promise.resolve();
    lastStart = now();
    inFlight = work().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}
