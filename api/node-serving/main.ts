// Windsock's inference app on Node (`npm run serve`): native onnxruntime, the edge's drizzle schema
// on libSQL (a file by default, Turso/sqld by URL, shared by replicas), model bytes from the blob store.
// The same routes and admin API as the edge, so rollouts can target it with WINDSOCK_EDGE_URL.
import { serve } from '@hono/node-server';
import path from 'node:path';
import { z } from 'zod';
import { principalsFromEnv } from '../../config/principals-from-env';
import { loadWindsockEnv } from '../../config/windsock-env';
import { FetchTemporalGateway } from '../temporal/fetch-temporal-gateway';
import { pruneServingHistory, runDriftMonitor } from '../serving/drift-monitor';
import { temporalRetrainRequester } from '../serving/temporal-retrain-requester';
import { UriDatasetResolver } from '../serving/uri-dataset-resolver';
import { openNodeInferenceApp } from './node-inference-app';
import { parseFeedbackTokens } from '../serving/feedback-routes';
import { GroundTruthStore, pruneGroundTruth } from '../serving/ground-truth-store';
import { availableExecutionProviders } from './onnxruntime-node-backend';

const env = loadWindsockEnv();
const serving = z
  .object({
    WINDSOCK_SERVE_PORT: z.coerce.number().int().min(1).max(65535).default(8788),
    WINDSOCK_SERVE_HOST: z.string().default('127.0.0.1'),
    WINDSOCK_SERVING_DB_URL: z.string().optional(),
    WINDSOCK_ROUTING_CACHE_MS: z.coerce.number().int().min(0).default(5000),
    WINDSOCK_RECORDING: z.enum(['on', 'off']).default('on'),
    /** A batch of serving statistics is written once 500 requests or this many ms have gathered, by a timer when no request comes. */
    WINDSOCK_RECORDING_MAX_AGE_MS: z.coerce.number().int().min(0).default(2000),
    /** Sketches and drift reports older than this are deleted every 5 minutes, in bounded batches; 0 keeps all. */
    WINDSOCK_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
    /** Predictions remembered for ground truth and their labels are deleted after this many days; 0 keeps all. */
    WINDSOCK_LABEL_RETENTION_DAYS: z.coerce.number().int().min(0).default(7),
    /** Who may send labels (POST /v2/models/:name/feedback): name:token,... */
    WINDSOCK_FEEDBACK_TOKENS: z.string().optional(),
    WINDSOCK_REMEMBER_PREDICTIONS: z.enum(['on', 'off']).default('on'),
    TEMPORAL_HTTP_URL: z.url().default('http://127.0.0.1:7243'),
    WINDSOCK_DATASET_PREFIXES: z.string().default(''),
    /** The drift monitor's period (the edge's cron runs it every 5 minutes); 0 turns it off. */
    WINDSOCK_DRIFT_MONITOR_SECONDS: z.coerce.number().int().min(0).default(300),
    WINDSOCK_ORT_PROVIDERS: z
      .string()
      .default('cpu')
      .transform((list) => list.split(',').map((p) => p.trim()).filter(Boolean))
      .refine((list) => list.length > 0 && list.every((p) => availableExecutionProviders().includes(p)), {
        message: `a comma-separated list of onnxruntime execution providers this install has: ${availableExecutionProviders().join(', ')}`,
      }),
  })
  .parse(process.env);

const gateway = new FetchTemporalGateway({ baseUrl: serving.TEMPORAL_HTTP_URL, namespace: env.TEMPORAL_NAMESPACE, apiKey: env.TEMPORAL_API_KEY });
const inference = await openNodeInferenceApp({
  databaseUrl: serving.WINDSOCK_SERVING_DB_URL ?? `file:${path.join(env.home, 'serving.db')}`,
  authToken: env.WINDSOCK_REGISTRY_AUTH_TOKEN,
  artifactsDir: path.join(env.artifactsDir, 'serving'),
  principals: principalsFromEnv(env).principals,
  routingCacheMs: serving.WINDSOCK_ROUTING_CACHE_MS,
  recording: serving.WINDSOCK_RECORDING === 'on',
  rememberPredictions: serving.WINDSOCK_REMEMBER_PREDICTIONS === 'on',
  feedbackPrincipals: parseFeedbackTokens(serving.WINDSOCK_FEEDBACK_TOKENS),
  recorder: { maxPendingMs: serving.WINDSOCK_RECORDING_MAX_AGE_MS },
  executionProviders: serving.WINDSOCK_ORT_PROVIDERS,
  changePublicKey: env.WINDSOCK_CHANGE_PUBLIC_KEY,
  pipelines: {
    gateway,
    taskQueue: env.WINDSOCK_TASK_QUEUE,
    datasets: new UriDatasetResolver(serving.WINDSOCK_DATASET_PREFIXES.split(',').map((p) => p.trim()).filter(Boolean)),
  },
});

if (!env.WINDSOCK_CHANGE_PUBLIC_KEY) console.warn('[serve] WINDSOCK_CHANGE_PUBLIC_KEY is not set: publishes and traffic changes are taken on the admin token alone');

const server = serve({ fetch: inference.fetch, hostname: serving.WINDSOCK_SERVE_HOST, port: serving.WINDSOCK_SERVE_PORT }, (info) => {
  console.log(`[serve] inference app on http://${info.address}:${info.port} (onnxruntime-node on ${serving.WINDSOCK_ORT_PROVIDERS.join(', ')}, recording ${serving.WINDSOCK_RECORDING})`);
});

// The edge runs the drift monitor from its cron; here a timer does (several replicas may each run it:
// the retrain workflow folds their requests into one pipeline).
const retrain = temporalRetrainRequester(gateway, env.WINDSOCK_TASK_QUEUE);
const monitor =
  serving.WINDSOCK_DRIFT_MONITOR_SECONDS > 0
    ? setInterval(() => {
        runDriftMonitor(inference.store, Date.now(), { retrain })
          .then((results) => {
            const retrains = results.filter((r) => r.retrain?.requested);
            if (retrains.length) console.log(`[drift] retrain requested for ${retrains.map((r) => r.model).join(', ')}`);
          })
          .catch((err) => console.error('[drift] monitor run failed:', err));
      }, serving.WINDSOCK_DRIFT_MONITOR_SECONDS * 1000)
    : undefined;

// The edge's cron prunes; here a timer does (replicas on one database each may: deletes are idempotent).
const groundTruth = new GroundTruthStore(inference.store.db);
const pruner =
  serving.WINDSOCK_RETENTION_DAYS > 0 || serving.WINDSOCK_LABEL_RETENTION_DAYS > 0
    ? setInterval(() => {
        pruneGroundTruth(groundTruth, Date.now(), { retentionDays: serving.WINDSOCK_LABEL_RETENTION_DAYS })
          .then((pruned) => {
            if (pruned.predictions || pruned.labels) console.log(`[retention] deleted ${pruned.predictions} predictions and ${pruned.labels} labels${pruned.more ? '; more next run' : ''}`);
          })
          .catch((err) => console.error('[retention] ground-truth prune failed:', err));
        pruneServingHistory(inference.store, Date.now(), { retentionDays: serving.WINDSOCK_RETENTION_DAYS })
          .then((pruned) => {
            if (pruned.sketches || pruned.driftReports) console.log(`[retention] deleted ${pruned.sketches} sketches and ${pruned.driftReports} drift reports${pruned.more ? '; more next run' : ''}`);
          })
          .catch((err) => console.error('[retention] prune failed:', err));
      }, 300_000)
    : undefined;

// Nothing answered is lost on shutdown (a signal, or the server closing): the requests in flight are
// answered, their recordings finish and the batch is written before the database closes.
const SHUTDOWN_GRACE_MS = 10_000;
let stopping: Promise<void> | undefined;
const stop = () =>
  (stopping ??= (async () => {
    clearInterval(monitor);
    clearInterval(pruner);
    await new Promise<void>((resolve) => {
      // Keep-alive connections that do not finish in time are cut, so that a client cannot hold the shutdown.
      const cut = setTimeout(() => ('closeAllConnections' in server ? server.closeAllConnections() : undefined), SHUTDOWN_GRACE_MS);
      server.close(() => (clearTimeout(cut), resolve()));
    });
    await inference.close();
  })());
server.once('close', () => void stop().catch((err) => console.error('[serve] closing the serving app failed:', err)));
const exitAfterStop = (signal: string) => {
  console.log(`[serve] ${signal}: writing pending statistics and stopping`);
  stop().then(
    () => process.exit(0),
    (err) => (console.error('[serve] shutdown failed:', err), process.exit(1)),
  );
};
process.once('SIGINT', () => exitAfterStop('SIGINT'));
process.once('SIGTERM', () => exitAfterStop('SIGTERM'));
