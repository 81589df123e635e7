// The edge: Windsock's inference app on Cloudflare Workers (onnxruntime-web, D1, R2), and the
// scheduled drift monitor. One app per isolate; sessions and weights are cached in it.
import { drizzle } from 'drizzle-orm/d1';
import { parsePrincipals } from '../../core/auth/principals';
import * as schema from '../../drizzle/edge-schema';
import { FetchTemporalGateway } from '../temporal/fetch-temporal-gateway';
import { runDriftMonitor } from '../serving/drift-monitor';
import { temporalRetrainRequester } from '../serving/temporal-retrain-requester';
import { UriDatasetResolver } from '../serving/uri-dataset-resolver';
import { ServingStore, type ServingDb } from '../serving/serving-store';
import { createServingApp, type ServingApp } from '../serving/serving-app';
import { onnxruntimeWebBackend } from './onnxruntime-web-backend';
import { R2ArtifactSource } from './r2-artifact-source';
import { changeVerifier } from '../../contracts/serving-change-signature';

let isolate: { app: ServingApp; store: ServingStore } | undefined;

function edgeFor(env: Env): { app: ServingApp; store: ServingStore } {
  if (isolate) return isolate;
  const store = new ServingStore(drizzle(env.EDGE_DB, { schema }) as unknown as ServingDb);
  const principals = env.WINDSOCK_TOKENS ? parsePrincipals(env.WINDSOCK_TOKENS) : [];
  if (principals.length === 0) console.warn('[edge] WINDSOCK_TOKENS is not set: every admin request will be refused');
  if (!env.WINDSOCK_CHANGE_PUBLIC_KEY) console.warn('[edge] WINDSOCK_CHANGE_PUBLIC_KEY is not set: publishes and traffic changes are taken on the admin token alone');
  const app = createServingApp({
    store,
    artifacts: new R2ArtifactSource(env.MODELS),
    backend: onnxruntimeWebBackend,
    principals,
    ...(env.WINDSOCK_CHANGE_PUBLIC_KEY ? { verifyChange: changeVerifier(env.WINDSOCK_CHANGE_PUBLIC_KEY) } : {}),
    defer: (c) => (work) => c.executionCtx.waitUntil(work),
    recording: env.WINDSOCK_RECORDING !== 'off',
    pipelines: {
      gateway: gatewayFor(env),
      taskQueue: env.WINDSOCK_TASK_QUEUE ?? 'windsock-pipelines',
      datasets: new UriDatasetResolver((env.WINDSOCK_DATASET_PREFIXES ?? '').split(',').map((p) => p.trim()).filter(Boolean)),
    },
  });
  isolate = { app, store };
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
    ctx.waitUntil(
      runDriftMonitor(edgeFor(env).store, controller.scheduledTime, {
        retrain: temporalRetrainRequester(gatewayFor(env), env.WINDSOCK_TASK_QUEUE ?? 'windsock-pipelines'),
      }).then((results) => {
        const drifted = results.filter((r) => r.datasetDrift);
        const retrains = results.filter((r) => r.retrain?.requested);
        console.log(`[drift] ${results.length} versions checked, ${drifted.length} drifted, ${retrains.length} retrain requests`);
      }),
    );
  },
} satisfies ExportedHandler<Env>;
