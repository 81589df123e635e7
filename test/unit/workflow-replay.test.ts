// Replays committed workflow histories (modelPipeline, canaryRollout) against the current workflow
// code: a change that would break running workflows (non-determinism) fails here, without a server.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { beforeAll, expect, it } from 'vitest';
import { bundleWorkflows } from '../../worker/create-worker';

const historiesDir = fileURLToPath(new URL('../replay', import.meta.url));
const histories = readdirSync(historiesDir).filter((f) => f.endsWith('.history.json'));
let workflowBundle: WorkflowBundle;

beforeAll(async () => {
  workflowBundle = await bundleWorkflows();
}, 60_000);

it('has committed histories to replay', () => {
  expect(histories.length).toBeGreaterThan(0);
});

it.each(histories)('replays %s deterministically', async (file) => {
  const history = JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'));
  await Worker.runReplayHistory({ workflowBundle, replayName: file }, history);
}, 60_000);
