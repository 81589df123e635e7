// The control API process: `npm run api` (the local stack starts it for you).
import { serve } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import { EdgeClient } from '../../activities/edge-client';
import { objectStoreFromEnv, openBlobStore } from '../../artifacts/open-blob-store';
import { principalsFromEnv } from '../../config/principals-from-env';
import { temporalConnectionOptions } from '../../config/temporal-connection';
import { loadWindsockEnv } from '../../config/windsock-env';
import { openRegistry } from '../../registry/open-registry';
import { RegistryStore } from '../../registry/registry-store';
import { DatasetStore } from '../../registry/dataset-store';
import { projectRoot } from '../../config/project-root';
import { createControlApp } from './control-app';
import { DatasetReferenceResolver } from './dataset-reference-resolver';
import { DatasetRoots } from '../../artifacts/dataset-roots';
import { GrpcRetrainScheduleGateway } from './grpc-retrain-schedule-gateway';
import { GrpcBatchScheduleGateway } from './grpc-batch-schedule-gateway';
import { GrpcTemporalGateway } from '../temporal/grpc-temporal-gateway';
import { reconcileSchedules } from './reconcile-schedules';

const env = loadWindsockEnv();
const { principals } = principalsFromEnv(env);
const { db, client: registryClient } = await openRegistry(env.registryUrl, env.WINDSOCK_REGISTRY_AUTH_TOKEN);
const connection = await Connection.connect(temporalConnectionOptions(env));
const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });

const registry = new RegistryStore(db);
const datasetStore = new DatasetStore(registry);
const objectStore = objectStoreFromEnv(env);
const blobs = openBlobStore(env, objectStore);
const schedules = new GrpcRetrainScheduleGateway(client);
const reconciled = await reconcileSchedules({ registry, schedules, taskQueue: env.WINDSOCK_TASK_QUEUE });
if (reconciled.created.length) console.log(`[api] recreated retraining schedules missing from Temporal: ${reconciled.created.join(', ')}`);
for (const { schedule, error } of reconciled.failed) console.error(`[api] could not recreate retraining schedule ${schedule}: ${error}`);

const app = createControlApp({
  gateway: new GrpcTemporalGateway(client),
  schedules,
  batchSchedules: new GrpcBatchScheduleGateway(client),
  objectStore: objectStore !== undefined,
  registry,
  blobs,
  edge: env.WINDSOCK_EDGE_URL
    ? new EdgeClient({
        baseUrl: env.WINDSOCK_EDGE_URL,
        token: env.WINDSOCK_EDGE_TOKEN ?? principals.find((p) => p.roles.includes('admin'))?.token ?? '',
        signingKey: env.WINDSOCK_CHANGE_SIGNING_KEY,
      })
    : undefined,
  datasets: new DatasetReferenceResolver(new DatasetRoots(env.datasetRoots, projectRoot), {
    objectStore,
    datasetHosts: env.datasetHosts,
    datasetMaxBytes: env.WINDSOCK_DATASET_MAX_BYTES,
    datasetCatalog: datasetStore,
    blobs,
  }),
  datasetStore,
  datasetUploadMaxBytes: env.WINDSOCK_DATASET_UPLOAD_MAX_BYTES,
  principals,
  taskQueue: env.WINDSOCK_TASK_QUEUE,
});

const server = serve({ fetch: app.fetch, hostname: env.WINDSOCK_API_HOST, port: env.WINDSOCK_API_PORT }, (info) => {
  console.log(`[api] control API on http://${info.address}:${info.port}`);
});

const shutdown = () => {
  server.close();
  void connection.close().finally(() => {
    registryClient.close();
    process.exit(0);
  });
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
