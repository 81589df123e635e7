// A Windsock worker in a process of its own, for batch-scoring.test.ts to kill with SIGKILL mid-batch:
// `node --import tsx batch-worker-process.ts <temporal address> <task queue> <WINDSOCK_HOME> <bundle>`.
// It reads the test's registry file and artifact directory (as a second worker host on shared storage
// would) and prints `polling` once it polls.
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { DatasetRoots } from '../../artifacts/dataset-roots';
import { LocalBlobStore } from '../../artifacts/local-blob-store';
import { projectRoot } from '../../config/project-root';
import { openRegistry } from '../../registry/open-registry';
import { RegistryStore } from '../../registry/registry-store';
import { createWorker } from '../../worker/create-worker';

const [address, taskQueue, home, bundle] = process.argv.slice(2);
Runtime.install({ logger: { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: (m: string) => console.error(m) } as never });
const { db } = await openRegistry(`file:${path.join(home!, 'registry.db')}`);
const connection = await NativeConnection.connect({ address: address! });
const worker = await createWorker({
  connection,
  namespace: 'default',
  taskQueue: taskQueue!,
  workflowBundlePath: bundle,
  deps: {
    registry: new RegistryStore(db),
    blobs: new LocalBlobStore(path.join(home!, 'artifacts')),
    compute: {},
    notifier: { notify: async () => undefined },
    codeVersion: 'test',
    datasetRoots: new DatasetRoots([path.join(projectRoot, 'examples'), path.join(projectRoot, 'test/fixtures'), os.tmpdir()], projectRoot),
  },
});
const running = worker.run();
console.log('polling');
await running;
