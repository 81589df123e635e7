// The edge: Windsock's inference app on Cloudflare Workers (onnxruntime-web, D1, R2), and the
// scheduled drift monitor and retention. One app per isolate; sessions and weights are cached in it.
import { drizzle } from 'drizzle-orm/d1';
import { z } from 'zod';
import { parsePrincipals } from '../../core/auth/principals';
import * as schema from '../../drizzle/edge-schema';
import { FetchTemporalGateway } from '../temporal/fetch-temporal-gateway';
import { pruneServingHistory, runDriftMonitor } from '../serving/drift-monitor';
import { temporalRetrainRequester } from '../serving/temporal-retrain-requester';
import { UriDatasetResolver } from '../serving/uri-dataset-resolver';
import { ServingStore, type ServingDb } from '../serving/serving-store';
import { createServingApp, type ServingApp } from '../serving/serving-app';
import { onnxruntimeWebBackend } from './onnxruntime-web-backend';
import { R2ArtifactSource } from './r2-artifact-source';
import { changeVerifier } from '../../contracts/serving-change-signature';
import { parseFeedbackTokens } from '../serving/feedback-routes';
import { GroundTruthStore, pruneGroundTruth } from '../serving/ground-truth-store';

// wrangler.toml's vars, which name their defaults there too.
const settingsSchema = z.object({
  // waitUntil work outlives a response by at most 30 s: the batch's opener holds it this long.
  WINDSOCK_RECORDING_MAX_AGE_MS: z.coerce.number().int().min(0).max(25_000).default(2000),
  WINDSOCK_RETENTION_DAYS: z.coerce.number().int().min(0).default(30),
  // Remembered predictions and their labels (ground truth) are kept this long.
  WINDSOCK_LABEL_RETENTION_DAYS: z.coerce.number().int().min(0).default(7),
});

interface Edge {
  app: ServingApp;
  store: ServingStore;
  settings: z.infer<typeof settingsSchema>;
}

let isolate: Edge | undefined;

function edgeFor(env: Env): Edge {
  if (isolate) return isolate;
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) throw new Error(`[edge] ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const settings = parsed.data;
  const store = new ServingStore(drizzle(env.EDGE_DB, { schema }) as unknown as ServingDb);
  const principals = env.WINDSOCK_TOKENS ? parsePrincipals(env.WINDSOCK_TOKENS) : [];
  if (principals.length === 0) console.warn('[edge] WINDSOCK_TOKENS is not set: every admin request will be refused');
  if (!env.WINDSOCK_CHANGE_PUBLIC_KEY) console.warn('[edge] WINDSOCK_CHANGE_PUBLIC_KEY is not set: publishes and traffic changes are taken on the admin token alone');
  const app = createServingApp({
    store,
    artifacts: new R2ArtifactSource(env.MODELS),
    backend: onnxruntimeWebBackend,
    principals,
    feedbackPrincipals: parseFeedbackTokens(env.WINDSOCK_FEEDBACK_TOKENS),
    rememberPredictions: env.WINDSOCK_REMEMBER_PREDICTIONS !== 'off',
    ...(env.WINDSOCK_CHANGE_PUBLIC_KEY ? { verifyChange: changeVerifier(env.WINDSOCK_CHANGE_PUBLIC_KEY) } : {}),
    defer: (c) => (work) => c.executionCtx.waitUntil(work),
    recording: env.WINDSOCK_RECORDING !== 'off',
    // No timer runs in an isolate once its responses are sent, unless waitUntil work is pending.
    recorder: { maxPendingMs: settings.WINDSOCK_RECORDING_MAX_AGE_MS, holdOpenBatch: true },
    pipelines: {
      gateway: gatewayFor(env),
      taskQueue: env.WINDSOCK_TASK_QUEUE ?? 'windsock-pipelines',
      datasets: new UriDatasetResolver((env.WINDSOCK_DATASET_PREFIXES ?? '').split(',').map((p) => p.trim()).filter(Boolean)),
    },
  });
  isolate = { app, store, settings };
  return isolate;
}

function gatewayFor(env: Env): FetchTemporalGateway {
  return new FetchTemporalGateway({ baseUrl: env.TEMPORAL_HTTP_URL, namespace: env.TEMPORAL_NAMESPACE, apiKey: env.TEMPORAL_API_KEY });
}

export default {
  fetch(request, env, ctx) {
    return edgeFor(env).app.app.fetch(request, env, ctx);
  },
  async scheduled(controller, env, ctx) {
    const { store, settings } = edgeFor(env);
    ctx.waitUntil(
      pruneServingHistory(store, controller.scheduledTime, { retentionDays: settings.WINDSOCK_RETENTION_DAYS })
        .then((pruned) => {
          if (pruned.sketches || pruned.driftReports) console.log(`[retention] deleted ${pruned.sketches} sketches and ${pruned.driftReports} drift reports older than ${settings.WINDSOCK_RETENTION_DAYS} days${pruned.more ? '; more next run' : ''}`);
        })
        .catch((err) => console.error('[retention] prune failed:', err)),
    );
    ctx.waitUntil(
      pruneGroundTruth(new GroundTruthStore(store.db), controller.scheduledTime, { retentionDays: settings.WINDSOCK_LABEL_RETENTION_DAYS })
        .then((pruned) => {
          if (pruned.predictions || pruned.labels) console.log(`[retention] deleted ${pruned.predictions} predictions and ${pruned.labels} labels older than ${settings.WINDSOCK_LABEL_RETENTION_DAYS} days${pruned.more ? '; more next run' : ''}`);
        })
        .catch((err) => console.error('[retention] ground-truth prune failed:', err)),
    );
    ctx.waitUntil(
      runDriftMonitor(store, controller.scheduledTime, {
        retrain: temporalRetrainRequester(gatewayFor(env), env.WINDSOCK_TASK_QUEUE ?? 'windsock-pipelines'),
      }).then((results) => {
        const drifted = results.filter((r) => r.datasetDrift);
        const retrains = results.filter((r) => r.retrain?.requested);
        console.log(`[drift] ${results.length} versions checked, ${drifted.length} drifted, ${retrains.length} retrain requests`);
      }),
    );
  },
} satisfies ExportedHandler<Env>;
