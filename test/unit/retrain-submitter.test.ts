// Four-eyes for retraining: the person who asks for a retrain is its pipeline's submitter (so they may
// not approve it); what a schedule or the drift monitor starts is submitted by Windsock itself.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ActivityDeps } from '../../activities/activity-deps';
import { retrainActivities } from '../../activities/retrain-activities';
import { DatasetRoots } from '../../artifacts/dataset-roots';
import { projectRoot } from '../../config/project-root';
import { openRegistry } from '../../registry/open-registry';
import { RegistryStore } from '../../registry/registry-store';
import { seedExampleModels } from '../../registry/seed-example-models';

const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-retrain-submitter-'));
let close: () => void;
let prepare: ReturnType<typeof retrainActivities>['prepareRetrain'];

beforeAll(async () => {
  const { db, client } = await openRegistry(`file:${path.join(home, 'registry.db')}`);
  close = () => client.close();
  const registry = new RegistryStore(db);
  await seedExampleModels(registry);
  const deps = { registry, datasetRoots: new DatasetRoots([path.join(projectRoot, 'examples')], projectRoot) } as Partial<ActivityDeps> as ActivityDeps;
  prepare = retrainActivities(deps).prepareRetrain;
});
afterAll(() => {
  close();
  rmSync(home, { recursive: true, force: true });
});

it('makes the person who asked for a manual retrain its submitter', async () => {
  const input = await prepare({ model: 'breast-cancer', pipelineId: 'breast-cancer-0000000000000001', cause: { source: 'manual', reason: 'new labels', requestedBy: 'dave' } });
  expect(input.submittedBy).toBe('dave');
  expect(input.retrain).toMatchObject({ source: 'manual', reason: 'new labels' });
});

it("submits what the drift monitor or a schedule asked for as Windsock's own", async () => {
  const drift = await prepare({ model: 'breast-cancer', pipelineId: 'breast-cancer-0000000000000002', cause: { source: 'drift', reason: 'psi', requestedBy: 'drift-monitor' } });
  expect(drift.submittedBy).toBe('windsock-retrain (drift: drift-monitor)');
  const tick = await prepare({ model: 'breast-cancer', pipelineId: 'breast-cancer-0000000000000003', cause: { source: 'schedule', reason: 'nightly', requestedBy: 'schedule:nightly' } });
  expect(tick.submittedBy).toBe('windsock-retrain (schedule: schedule:nightly)');
});
