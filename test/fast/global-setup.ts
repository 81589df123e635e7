// The fast tier's one Temporal server for the whole run: the dev server binary the project provisions,
// in memory, started once and shared by every workflow test (each on its own task queue).
import { freePort } from '../../scripts/local-processes';
import type { TestProject } from 'vitest/node';
import { startTemporalDevServer, temporalCliPath } from '../../scripts/temporal-dev-server';

declare module 'vitest' {
  export interface ProvidedContext {
    fastTemporalAddress: string;
  }
}

export default async function setup(project: TestProject) {
  const server = await startTemporalDevServer({ cli: temporalCliPath(), grpcPort: await freePort(), httpPort: await freePort(), headless: true });
  project.provide('fastTemporalAddress', server.address);
  return () => server.stop();
}
