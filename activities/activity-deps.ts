// What activities need from the outside world, each behind a small interface.
import type { BlobStore } from '../artifacts/blob-store';
import type { RegistryStore } from '../registry/registry-store';
import type { ComputeProvider } from './compute/compute-provider';
import type { Notifier } from './notifier';

export interface ActivityDeps {
  registry: RegistryStore;
  blobs: BlobStore;
  compute: Record<string, ComputeProvider>;
  notifier: Notifier;
  /** Recorded in lineage: the git commit (or release) of the code that trained the model. */
  codeVersion: string;
  /** How often the training activity polls its job and heartbeats. */
  jobPollMs?: number;
}
