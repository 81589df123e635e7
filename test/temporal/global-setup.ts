// Starts one Temporal dev server (in memory, headless, free ports) and bundles the workflows once for
// the whole temporal test run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../scripts/local-processes';
import type { TestProject } from 'vitest/node';
import { startTemporalDevServer, temporalCliPath } from '../../scripts/temporal-dev-server';
import { bundleWorkflows } from '../../worker/create-worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalHttpAddress: string;
    workflowBundlePath: string;
    python: string;
  }
}


function torchPython(): string {
  for (const candidate of [process.env.WINDSOCK_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean) as string[]) {
    try {
      execFileSync(candidate, ['-c', 'import torch, numpy'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error('no Python that can import torch: run `bash scripts/provision.sh` (npm test does) or set WINDSOCK_PYTHON');
}

export default async function setup(project: TestProject) {
  const python = torchPython();
  const server = await startTemporalDevServer({
    cli: temporalCliPath(),
    grpcPort: await freePort(),
    httpPort: await freePort(),
    headless: true,
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'windsock-bundle-'));
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  const { code } = await bundleWorkflows();
  writeFileSync(bundlePath, code);

  project.provide('temporalAddress', server.address);
  project.provide('temporalHttpAddress', server.httpAddress);
  project.provide('workflowBundlePath', bundlePath);
  project.provide('python', python);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

