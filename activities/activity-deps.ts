// What activities need from the outside world, each behind a small interface.
import type { BlobStore } from '../artifacts/blob-store';
import type { DatasetCatalog } from '../artifacts/dataset-catalog';
import type { DatasetRoots } from '../artifacts/dataset-roots';
import type { ObjectStoreClient } from '../artifacts/object-store-client';
import type { RegistryStore } from '../registry/registry-store';
import type { ComputeProvider } from './compute/compute-provider';
import type { EdgeClient } from './edge-client';
import type { Notifier } from './notifier';
import type { MlflowTracker } from './mlflow-run-tracking';

export interface ActivityDeps {
  registry: RegistryStore;
  blobs: BlobStore;
  /** Compute providers by profile name (`local`, `runner`, ...). */
  compute: Record<string, ComputeProvider>;
  /** The profile of jobs that name none (WINDSOCK_COMPUTE); `local` when unset. */
  defaultCompute?: string;
  notifier: Notifier;
  /** The serving side rollouts publish to and read metrics from; absent when none is configured. */
  edge?: EdgeClient;
  /** Recorded in lineage: the git commit (or release) of the code that trained the model. */
  codeVersion: string;
  /** The longest wait between the training activity's polls of its job (it starts at 50 ms and doubles). */
  jobPollMs?: number;
  /** Where datasets may be read from; every dataset the worker reads is checked against them. */
  datasetRoots: DatasetRoots;
  /** s3:// datasets and retrain locations (AWS_ACCESS_KEY_ID, WINDSOCK_S3_ENDPOINT); absent: they are refused. */
  objectStore?: ObjectStoreClient;
  /** Hosts https:// datasets may come from (WINDSOCK_DATASET_HOSTS); none when absent. */
  datasetHosts?: readonly string[];
  /** The largest dataset read from object storage or https (WINDSOCK_DATASET_MAX_BYTES; 512 MiB when absent). */
  datasetMaxBytes?: number;
  /** The registry's versioned datasets (`dataset://name/v`); absent: such references are refused. */
  datasetCatalog?: DatasetCatalog;
  /** How long a compute provider may stay unreachable before a training attempt fails (5 min). */
  computeUnreachableMs?: number;
  /** Experiment tracking in MLflow (WINDSOCK_MLFLOW_TRACKING_URI), best effort; absent: nothing is tracked. */
  mlflow?: MlflowTracker;
}
