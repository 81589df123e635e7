// Wires the activities' dependencies from the environment: the embedded defaults (libSQL registry, local
// artifacts, local compute) or what the variables point at (object storage, runners, an edge).
import { execFileSync } from 'node:child_process';
import type { ActivityDeps } from '../activities';
import { EdgeClient } from '../activities/edge-client';
import { computeProfilesFromEnv, defaultComputeProfile } from '../activities/compute/compute-profiles';
import { LogAndWebhookNotifier } from '../activities/notifier';
import { mlflowTrackerFromEnv } from '../activities/mlflow-tracker-from-env';
import { DatasetRoots } from '../artifacts/dataset-roots';
import { objectStoreFromEnv, openBlobStore } from '../artifacts/open-blob-store';
import { principalsFromEnv } from '../config/principals-from-env';
import { projectRoot } from '../config/project-root';
import type { WindsockEnv } from '../config/windsock-env';
import { DatasetStore } from '../registry/dataset-store';
import { openRegistry } from '../registry/open-registry';
import { RegistryStore } from '../registry/registry-store';

export async function activityDepsFromEnv(env: WindsockEnv): Promise<ActivityDeps & { close(): void }> {
  const { db, client } = await openRegistry(env.registryUrl, env.WINDSOCK_REGISTRY_AUTH_TOKEN);
  const edgeToken = env.WINDSOCK_EDGE_TOKEN ?? principalsFromEnv(env).principals.find((p) => p.roles.includes('admin'))?.token;
  const registry = new RegistryStore(db);
  const objectStore = objectStoreFromEnv(env);
  return {
    registry,
    blobs: openBlobStore(env, objectStore),
    compute: computeProfilesFromEnv(env, projectRoot),
    defaultCompute: defaultComputeProfile(env),
    datasetRoots: new DatasetRoots(env.datasetRoots, projectRoot),
    objectStore,
    datasetHosts: env.datasetHosts,
    datasetMaxBytes: env.WINDSOCK_DATASET_MAX_BYTES,
    datasetCatalog: new DatasetStore(registry),
    notifier: new LogAndWebhookNotifier(env.WINDSOCK_NOTIFY_WEBHOOK, env.WINDSOCK_WEBHOOK_SECRET),
    codeVersion: env.WINDSOCK_CODE_VERSION ?? gitCommit(),
    jobPollMs: env.WINDSOCK_JOB_POLL_MS,
    edge: env.WINDSOCK_EDGE_URL && edgeToken ? new EdgeClient({ baseUrl: env.WINDSOCK_EDGE_URL, token: edgeToken, signingKey: env.WINDSOCK_CHANGE_SIGNING_KEY }) : undefined,
    mlflow: mlflowTrackerFromEnv(env),
    close: () => client.close(),
  };
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
