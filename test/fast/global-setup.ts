// The fast tier's one Temporal server for the whole run: the dev server binary the project provisions,
// in memory, started once and shared by every workflow test (each on its own task queue); and the
// workflows bundled once, so that a worker per test file starts in well under a second.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/local-processes';
import type { TestProject } from 'vitest/node';
import { startTemporalDevServer, temporalCliPath } from '../../scripts/temporal-dev-server';
import { bundleWorkflows } from '../../worker/create-worker';

declare module 'vitest' {
  export interface ProvidedContext {
    fastTemporalAddress: string;
    fastTemporalHttpAddress: string;
    fastWorkflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  // The server starts while webpack bundles: the two take about as long as each other.
  const [server, { code }] = await Promise.all([
    (async () => startTemporalDevServer({ cli: temporalCliPath(), grpcPort: await freePort(), httpPort: await freePort(), headless: true }))(),
    bundleWorkflows(),
  ]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-fast-bundle-'));
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, code);
  project.provide('fastTemporalAddress', server.address);
  project.provide('fastTemporalHttpAddress', server.httpAddress);
  project.provide('fastWorkflowBundlePath', bundlePath);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
