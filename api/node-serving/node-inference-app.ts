// Windsock's inference app assembled for Node: onnxruntime-node, the edge schema on libSQL (a file, or
// Turso/sqld by URL, shared by replicas), model bytes from a blob-store directory, and the recorder's
// batches written off the event loop when the database is a file. `npm run serve` and the tests use it.
import { LocalBlobStore } from '../../artifacts/local-blob-store';
import type { Principal } from '../../core/auth/principals';
import { createServingApp, type ServingApp, type ServingAppOptions } from '../serving/serving-app';
import type { ServingStore } from '../serving/serving-store';
import type { InferenceBackend } from '../serving/serving-ports';
import { BlobArtifactSource } from './blob-artifact-source';
import { monotonicLatencyClock } from './monotonic-latency-clock';
import { createOnnxruntimeNodeBackend, onnxruntimeNodeBackend } from './onnxruntime-node-backend';
import { openServingStore } from './open-serving-store';
import { ThreadedSketchSink } from './threaded-sketch-sink';
import { createServingMetrics } from './serving-metrics';
import { changeVerifier } from '../../contracts/serving-change-signature';

export interface NodeInferenceOptions extends Pick<ServingAppOptions, 'routingCacheMs' | 'recording' | 'recorder' | 'limits' | 'pipelines' | 'rememberPredictions' | 'feedbackPrincipals'> {
  /** libSQL URL: `file:` path, or `libsql://` / `http(s)://` for Turso and sqld. */
  databaseUrl: string;
  authToken?: string;
  /** Where model bytes are kept (a blob-store directory). */
  artifactsDir: string;
  principals: Principal[];
  /** onnxruntime execution providers in order of preference (default: cpu). */
  executionProviders?: readonly string[];
  /** The control plane's public key (base64 raw Ed25519): publishes and traffic changes must be signed with its private key. */
  changePublicKey?: string;
  /** Wraps the onnxruntime-node backend (a test paces it so that what it measures does not hang on the host's speed). */
  wrapBackend?: (backend: InferenceBackend) => InferenceBackend;
}

export interface NodeInferenceApp extends ServingApp {
  store: ServingStore;
  /** The app's fetch with Prometheus metrics around it, and GET /metrics (viewer token): what `npm run serve` serves. */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** Resolves once the work deferred past the responses so far (recordings, flushes) is done. */
  settled(): Promise<void>;
  /** Finishes pending recordings, writes the batch and closes the database. */
  close(): Promise<void>;
}

export async function openNodeInferenceApp(options: NodeInferenceOptions): Promise<NodeInferenceApp> {
  const { store, client } = await openServingStore(options.databaseUrl, options.authToken);
  // Remote libSQL is already asynchronous I/O; a file is written on the calling thread.
  const sink = options.databaseUrl.startsWith('file:') ? new ThreadedSketchSink(store, options.databaseUrl) : undefined;
  const pending = new Set<Promise<unknown>>();
  // Requests recorded together share one promise: track it once. One function for every request,
  // so that deferring allocates no closure.
  const forget = (work: Promise<unknown>) => pending.delete(work);
  const defer = (work: Promise<unknown>) => {
    if (pending.has(work)) return;
    pending.add(work);
    work.then(() => forget(work), () => forget(work));
  };
  const inference = createServingApp({
    store,
    sketchSink: sink,
    predictionSink: sink,
    rememberPredictions: options.rememberPredictions,
    feedbackPrincipals: options.feedbackPrincipals,
    artifacts: new BlobArtifactSource(new LocalBlobStore(options.artifactsDir)),
    backend: (options.wrapBackend ?? ((b: InferenceBackend) => b))(options.executionProviders ? createOnnxruntimeNodeBackend(options.executionProviders) : onnxruntimeNodeBackend),
    clock: monotonicLatencyClock,
    principals: options.principals,
    ...(options.changePublicKey ? { verifyChange: changeVerifier(options.changePublicKey) } : {}),
    defer: () => defer,
    routingCacheMs: options.routingCacheMs,
    recording: options.recording,
    recorder: options.recorder,
    limits: options.limits,
    pipelines: options.pipelines,
  });
  const metrics = createServingMetrics({
    app: inference.app,
    models: () => store.listModels(),
    pendingRecordings: () => inference.recorder.pendingCount,
    principals: options.principals,
  });
  const settled = async () => {
    while (pending.size > 0) await Promise.allSettled([...pending]);
  };
  return {
    ...inference,
    store,
    fetch: metrics.fetch,
    settled,
    async close() {
      await settled();
      await inference.recorder.flush();
      await sink?.close();
      client.close();
    },
  };
}
