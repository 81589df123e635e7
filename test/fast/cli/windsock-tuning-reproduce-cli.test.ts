// `windsock pipelines trials`, the tuning and cross-validation lines of `pipelines show` and `watch`, and
// `windsock models reproduce|reproduction`: a real CLI process per command against the control API on a
// loopback port (real registry and blob store, fake Temporal gateway), checking what it prints, its
// exit codes and what reached Temporal.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TrialStatus } from '../../../contracts/model-pipeline-messages';
import { reproductionStatusQuery } from '../../../contracts/reproduction-messages';
import { principals } from '../../test-principals';
import { openControlFixture, type ControlFixture } from '../routes/control-app-fixture';
import { registerReproducibleVersion } from '../routes/reproduction-routes-fixture';
import { cliOutputs, runCli, serveOnLoopback } from './cli-process';

let f: ControlFixture;
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
let url: string;
let version: number;

beforeAll(async () => {
  f = await openControlFixture('cli-tuning');
  ({ version } = await registerReproducibleVersion(f));
  server = await serveOnLoopback(f.app);
  url = server.url;
});
afterAll(async () => {
  await server?.close();
  f?.close();
});
beforeEach(() => f.reset());

const pipelineId = (n: number) => `breast-cancer-${String(n).padStart(16, 'a')}`;
const trials: TrialStatus[] = [
  { n: 1, params: { lr: 0.01, hidden: 32 }, state: 'completed', curve: [{ epoch: 1, value: 0.4 }, { epoch: 2, value: 0.2 }], objective: 0.2, seconds: 3.5, costUsd: 0.0012, jobId: 'local-1' },
  { n: 2, params: { lr: 1e-5, hidden: 8 }, state: 'pruned', curve: [{ epoch: 1, value: 0.7 }], objective: 0.7, seconds: 1.25, reason: 'worse than the median' },
  { n: 3, params: { lr: 0.003, hidden: 16 }, state: 'running', curve: [] },
];
const tuning = { objective: 'val_loss', direction: 'minimize' as const, strategy: 'random' as const, trials: 3, parallelism: 2, pruning: true };
const crossValidation = {
  folds: 5,
  stratified: true,
  seed: 7,
  foldsDone: 5,
  metrics: { roc_auc: { mean: 0.98126, std: 0.0041, values: [0.98, 0.985, 0.977, 0.986, 0.978] }, f1: { mean: 0.95, std: null, values: [0.95] } },
};
const until = async (condition: () => boolean, what: string) => {
  for (const by = Date.now() + 20_000; !condition(); ) {
    if (Date.now() > by) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('windsock pipelines trials, show and watch of a tuning pipeline', () => {
  it('prints the trials as a table and as the API JSON, and the tuning and cross-validation summaries in show', async () => {
    f.gateway.putPipeline(pipelineId(1), { stage: 'training', submittedBy: 'dave', tuning: { ...tuning, best: 1 }, trials, crossValidation, metrics: { roc_auc: 0.98 } });
    f.gateway.putPipeline(pipelineId(2), { stage: 'awaiting_approval', submittedBy: 'dave' });
    const [listed, json, shown, untuned] = await Promise.all([
      runCli(['pipelines', 'trials', pipelineId(1)], { url, as: 'carol' }),
      runCli(['pipelines', 'trials', pipelineId(1), '--json'], { url, as: 'carol' }),
      runCli(['pipelines', 'show', pipelineId(1)], { url, as: 'carol' }),
      runCli(['pipelines', 'trials', pipelineId(2)], { url, as: 'carol' }),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${pipelineId(1)} (training): random search, minimize val_loss, 3 trials (2 at a time, pruning): 1 completed, 1 pruned, 1 running; best trial 1 (val_loss=0.2000)`);
    expect(lines[1]).toMatch(/^TRIAL\s+STATE\s+PARAMS\s+VAL_LOSS\s+SECONDS\s+COST USD\s+REASON$/);
    expect(lines[2]).toMatch(/^1\*\s+completed\s+lr=0\.0100 hidden=32\s+0\.2000\s+3\.5\s+0\.0012\s+-$/);
    expect(lines[3]).toMatch(/^2\s+pruned\s+lr=1\.00e-5 hidden=8\s+0\.7000\s+1\.3\s+-\s+worse than the median$/);
    expect(lines[4]).toMatch(/^3\s+running\s+lr=0\.0030 hidden=16\s+-\s+-\s+-\s+-$/);
    expect(lines).toHaveLength(5);

    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ pipelineId: pipelineId(1), stage: 'training', tuning: { ...tuning, best: 1 }, trials });

    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^tuning:\s+random search, minimize val_loss, 3 trials \(2 at a time, pruning\): 1 completed, 1 pruned, 1 running; best trial 1 \(val_loss=0\.2000\)$/m);
    expect(shown.stdout).toMatch(/^cross-validation:\s+5 folds, stratified: roc_auc=0\.9813 ± 0\.0041 f1=0\.9500$/m);

    expect(untuned.code, untuned.stderr).toBe(0);
    expect(untuned.stdout.trim()).toBe(`${pipelineId(2)}: no tuning (stage awaiting_approval)`);
    expect(f.gateway.commands).toEqual([]);
  });

  it('shows cross-validation folds still running', async () => {
    f.gateway.putPipeline(pipelineId(3), { stage: 'evaluating', submittedBy: 'dave', crossValidation: { ...crossValidation, foldsDone: 2, metrics: {} } });
    const shown = await runCli(['pipelines', 'show', pipelineId(3)], { url, as: 'carol' });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^cross-validation:\s+5 folds, stratified \(2\/5 done\)$/m);
    expect(shown.stdout).not.toMatch(/^tuning:/m);
  });

  it("watch draws the search's progress while a tuning pipeline trains", async () => {
    f.gateway.putPipeline(pipelineId(4), { stage: 'training', submittedBy: 'dave', tuning, trials });
    const describes = vi.spyOn(f.gateway, 'describe');
    const polls = () => describes.mock.calls.filter(([workflowId]) => workflowId === pipelineId(4)).length;
    const watching = runCli(['pipelines', 'watch', pipelineId(4), '--until', 'awaiting_approval', '--interval', '50'], { url, as: 'carol' });
    await until(() => polls() >= 2, 'the first trials to be seen');
    f.gateway.putPipeline(pipelineId(4), { stage: 'training', submittedBy: 'dave', tuning: { ...tuning, best: 3 }, trials: trials.map((t) => (t.n === 3 ? { ...t, state: 'completed', objective: 0.1 } : t)) });
    const seen = polls();
    await until(() => polls() >= seen + 2, 'the finished trials to be seen');
    f.gateway.putPipeline(pipelineId(4), { stage: 'awaiting_approval', submittedBy: 'dave', version: 2 });
    const watched = await watching;
    describes.mockRestore();
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d training$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d trials \[#{16}-{8}\] {2}67% 2\/3: 1 completed, 1 pruned, 1 running$/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d trials \[#{24}\] 100% 3\/3: 2 completed, 1 pruned$/);
    expect(lines[3]).toMatch(/^\d\d:\d\d:\d\d awaiting_approval {2}v2$/);
    expect(lines).toHaveLength(4);
  });

  it('exits 1 with the API message for an unknown pipeline, 2 without an id', async () => {
    const [unknown, missing] = await Promise.all([runCli(['pipelines', 'trials', pipelineId(9)], { url, as: 'carol' }), runCli(['pipelines', 'trials'], { url, as: 'carol' })]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(new RegExp(`^windsock: unknown pipeline '${pipelineId(9)}' \\(not_found, HTTP 404, request [\\w-]+\\)$`, 'm'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'id'/);
  });
});

describe('windsock models reproduce and reproduction', () => {
  const statusOf = (id: string, fields: Record<string, unknown>) => ({ reproductionId: id, model: 'breast-cancer', version, requestedBy: 'alice', tolerance: 0.001, ...fields });

  it('starts a reproduction with a tolerance and watches it until it reproduced the version (exit 0)', async () => {
    const watching = runCli(['models', 'reproduce', 'breast-cancer', String(version), '--tolerance', '0.001', '--watch', '--interval', '50'], { url, as: 'alice' });
    await until(() => f.gateway.commands.length > 0, 'the reproduction to start');
    const start = f.gateway.commands[0]!;
    if (start.kind !== 'start') throw new Error(`expected a start, got ${start.kind}`);
    const id = start.options.workflowId;
    expect(start.options.args[0]).toEqual({ reproductionId: id, model: 'breast-cancer', version, requestedBy: 'alice', tolerance: 0.001 });
    // A worker picks it up: training, then done.
    f.gateway.put(id, { workflowType: 'reproduceVersion', queries: { [reproductionStatusQuery.name]: statusOf(id, { state: 'running', stage: 'training' }) } });
    const describes = vi.spyOn(f.gateway, 'describe');
    await until(() => describes.mock.calls.filter(([w]) => w === id).length >= 2, 'training to be seen');
    describes.mockRestore();
    f.gateway.put(id, {
      workflowType: 'reproduceVersion',
      status: 'COMPLETED',
      queries: { [reproductionStatusQuery.name]: statusOf(id, { state: 'succeeded', stage: 'done', reproduced: true, maxAbsDelta: 0.0002, identicalArtifact: false, metrics: { original: { f1: 0.95 }, reproduced: { f1: 0.9502 } } }) },
    });
    const watched = await watching;
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    expect(lines[0]).toBe(`${id}: started (its state: windsock models reproduction breast-cancer ${version} ${id})`);
    expect(lines.at(-2)).toMatch(/^\d\d:\d\d:\d\d running training$/);
    expect(lines.at(-1)).toMatch(/^\d\d:\d\d:\d\d reproduced within 0\.001, max \|delta\| 0\.0002$/);

    // Read back: the verdict and the metrics side by side, or the API's JSON.
    const [shown, json] = await Promise.all([
      runCli(['models', 'reproduction', 'breast-cancer', String(version), id], { url, as: 'carol' }),
      runCli(['--json', 'models', 'reproduction', 'breast-cancer', String(version), id], { url, as: 'carol' }),
    ]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/^verdict:\s+reproduced within 0\.001, max \|delta\| 0\.0002$/m);
    expect(shown.stdout).toMatch(/^METRIC\s+VERSION\s+REPRODUCED\s+DELTA$/m);
    expect(shown.stdout).toMatch(/^f1\s+0\.9500\s+0\.9502\s+0\.0002$/m);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ reproductionId: id, state: 'succeeded', reproduced: true, temporal: { status: 'COMPLETED' } });
  });

  it('watch exits 1 for a reproduction that did not reproduce the version, and for one that failed', async () => {
    const differs = `reproduce:breast-cancer:v${version}:00000000000000d1`;
    const failed = `reproduce:breast-cancer:v${version}:00000000000000d2`;
    f.gateway.put(differs, { status: 'COMPLETED', queries: { [reproductionStatusQuery.name]: statusOf(differs, { state: 'succeeded', stage: 'done', reproduced: false, maxAbsDelta: 0.03, worstMetric: 'roc_auc' }) } });
    f.gateway.put(failed, { status: 'COMPLETED', queries: { [reproductionStatusQuery.name]: statusOf(failed, { state: 'failed', stage: 'training', error: { code: 'training_failed', message: 'the job exited 1' } }) } });
    const [notReproduced, notRun] = await Promise.all([
      runCli(['models', 'reproduction', 'breast-cancer', String(version), differs, '--watch'], { url, as: 'carol' }),
      runCli(['models', 'reproduction', 'breast-cancer', String(version), failed, '--watch'], { url, as: 'carol' }),
    ]);
    expect(notReproduced.code).toBe(1);
    expect(notReproduced.stdout).toMatch(/^\d\d:\d\d:\d\d NOT reproduced within 0\.001, max \|delta\| 0\.0300, worst roc_auc$/m);
    expect(notReproduced.stderr).toContain(`windsock: reproduction ${differs} did not reproduce the version: NOT reproduced`);
    expect(notRun.code).toBe(1);
    expect(notRun.stderr).toContain(`windsock: reproduction ${failed} failed: failed: the job exited 1 (training_failed)`);
  });

  it('exits 1 with the API message for a version that cannot be reproduced, 2 for a bad tolerance or version', async () => {
    const old = await f.registerVersion('breast-cancer', 'approved');
    await f.settle();
    const [refused, refusedJson, badTolerance, badVersion] = await Promise.all([
      runCli(['models', 'reproduce', 'breast-cancer', String(old)], { url, as: 'alice' }),
      runCli(['models', 'reproduce', 'breast-cancer', String(old), '--json'], { url, as: 'alice' }),
      runCli(['models', 'reproduce', 'breast-cancer', String(version), '--tolerance', '2'], { url, as: 'alice' }),
      runCli(['models', 'reproduce', 'breast-cancer', 'latest'], { url, as: 'alice' }),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^windsock: breast-cancer version ${old} was registered before Windsock recorded code versions; it cannot be reproduced \\(conflict, HTTP 409, request [\\w-]+\\)$`, 'm'));
    expect(refused.stdout).toBe('');
    expect(refusedJson.code).toBe(1);
    expect(JSON.parse(refusedJson.stdout).error).toMatchObject({ code: 'conflict', message: expect.stringMatching(/cannot be reproduced/) });
    expect(badTolerance.code).toBe(2);
    expect(badTolerance.stderr).toMatch(/--tolerance.*expected a number from 0 to 1/);
    expect(badVersion.code).toBe(2);
    expect(badVersion.stderr).toMatch(/version.*expected a version number/);
    await f.expectNothingDone();
  });

  it('never printed a token', () => {
    expect(cliOutputs.length).toBeGreaterThan(20);
    for (const output of cliOutputs) {
      for (const p of principals) expect(output).not.toContain(p.token);
    }
  });
});
