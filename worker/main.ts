// The Temporal worker process: `npm run worker` (the local stack starts it for you).
import { NativeConnection } from '@temporalio/worker';
import { temporalConnectionOptions } from '../config/temporal-connection';
import { loadWindsockEnv } from '../config/windsock-env';
import { activityDepsFromEnv } from './activity-deps-from-env';
import { createWorker } from './create-worker';
import { requireSearchAttributes } from './search-attribute-check';

const env = loadWindsockEnv();
const deps = await activityDepsFromEnv(env);
const connection = await NativeConnection.connect(temporalConnectionOptions(env));
try {
  await requireSearchAttributes(connection, env.TEMPORAL_NAMESPACE);
} catch (err) {
  console.error(`[worker] ${(err as Error).message}`);
  process.exit(1);
}
const worker = await createWorker({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.WINDSOCK_TASK_QUEUE,
  deps,
  workflowBundlePath: process.env.WINDSOCK_WORKFLOW_BUNDLE,
  maxConcurrentActivityTaskExecutions: env.WINDSOCK_MAX_ACTIVITIES,
});
console.log(`[worker] polling task queue ${env.WINDSOCK_TASK_QUEUE} on ${env.TEMPORAL_ADDRESS} (${env.TEMPORAL_NAMESPACE})`);
try {
  await worker.run();
} finally {
  await connection.close();
  deps.close();
}
