// The `windsock` CLI end to end: a real process per command against the control API on a loopback port
// (real registry and blob store, fake Temporal gateway), checking what it prints, its exit codes and what
// reached Temporal. Commands that do not depend on each other run side by side: each is a process.
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { approveUpdate, rejectUpdate } from '../../../contracts/model-pipeline-messages';
import { principals } from '../../test-principals';
import { exampleDataset, openControlFixture, type ControlFixture } from '../routes/control-app-fixture';
import { cliOutputs, runCli, serveOnLoopback, tokenOf } from './cli-process';

let f: ControlFixture;
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
let url: string;

beforeAll(async () => {
  f = await openControlFixture('cli');
  server = await serveOnLoopback(f.app);
  url = server.url;
});
afterAll(async () => {
  await server?.close();
  f?.close();
});
beforeEach(() => f.reset());

const pipelineId = (n: number) => `breast-cancer-${String(n).padStart(16, '0')}`;

describe('windsock CLI', () => {
  it('lists models as a table and as the API JSON, registers a model, uploads a dataset and infers its spec', async () => {
    const [table, json, registered, uploaded] = await Promise.all([
      runCli(['models', 'list'], { url, as: 'carol' }),
      runCli(['models', '--json'], { url, as: 'carol' }),
      runCli(['models', 'register', 'examples/digits/pipeline.json', '--name', 'cli-digits', '--spec', 'examples/digits/dataset-spec.json'], { url, as: 'erin' }),
      runCli(['datasets', 'upload', 'segments', 'test/fixtures/mixed-tabular.csv', '--description', 'customer segments'], { url, as: 'erin' }),
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+REVISION\s+LATEST\s+CHAMPION/);
    expect(table.stdout).toMatch(/^breast-cancer\s+1\s+-\s+-/m);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout).models.map((m: { name: string }) => m.name)).toEqual(expect.arrayContaining(['breast-cancer', 'digits']));

    expect(registered.code, registered.stderr).toBe(0);
    expect(registered.stdout.trim()).toBe('model cli-digits revision 1: created');
    expect((await f.registry.requireModel('cli-digits')).template.datasetSpec.target.name).toBe('digit');

    expect(uploaded.code, uploaded.stderr).toBe(0);
    expect(uploaded.stdout).toMatch(/^dataset:\/\/segments\/1: uploaded, \d+ rows, 6 columns$/m);
    const [again, spec] = await Promise.all([
      runCli(['datasets', 'upload', 'segments', 'test/fixtures/mixed-tabular.csv'], { url, as: 'erin' }),
      runCli(['datasets', 'infer-spec', 'dataset://segments/1', '--target', 'segment'], { url, as: 'erin' }),
    ]);
    expect(again.stdout).toMatch(/^dataset:\/\/segments\/1: unchanged/);
    expect(spec.code, spec.stderr).toBe(0);
    expect(JSON.parse(spec.stdout).target.name).toBe('segment');
    expect(spec.stderr).toMatch(/note: inferred from all \d+ rows of dataset:\/\/segments\/1/);
    expect(f.gateway.commands).toEqual([]);
  });

  it('starts a pipeline with typed params and an idempotency key, lists, shows, approves, rejects and cancels', async () => {
    const started = await runCli(['pipelines', 'start', 'breast-cancer', exampleDataset, '--param', 'epochs=5', '--param', 'lr=0.02', '--param', 'tag=cli', '--idempotency-key', 'cli-1'], { url, as: 'alice' });
    expect(started.code, started.stderr).toBe(0);
    const id = /^(breast-cancer-[0-9a-f]{16}): started$/m.exec(started.stdout)?.[1];
    expect(id, started.stdout).toBeDefined();
    expect(f.gateway.commands).toHaveLength(1);
    const start = f.gateway.commands[0]!;
    if (start.kind !== 'start') throw new Error(`expected a start, got ${start.kind}`);
    expect(start.options.workflowId).toBe(id);
    expect(start.options.args[0]).toMatchObject({ params: { epochs: 5, lr: 0.02, tag: 'cli' }, submittedBy: 'alice' });

    f.gateway.reset();
    f.gateway.putPipeline(pipelineId(1), { stage: 'awaiting_approval', submittedBy: 'alice', version: 3, metrics: { roc_auc: 0.98 } });
    f.gateway.putPipeline(pipelineId(2), { stage: 'awaiting_approval', submittedBy: 'alice' });
    f.gateway.putPipeline(pipelineId(3), { stage: 'training', submittedBy: 'alice' });
    const [listed, shown, approved, rejected, cancelled] = await Promise.all([
      runCli(['pipelines', 'list', '--awaiting-me'], { url, as: 'bob' }),
      runCli(['pipelines', 'show', pipelineId(1), '--json'], { url, as: 'carol' }),
      runCli(['pipelines', 'approve', pipelineId(1), '--comment', 'holdout looks good'], { url, as: 'bob' }),
      runCli(['pipelines', 'reject', pipelineId(2), '--reason', 'leaks the label'], { url, as: 'bob' }),
      runCli(['pipelines', 'cancel', pipelineId(3)], { url, as: 'alice' }),
    ]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/^PIPELINE\s+MODEL\s+STAGE\s+SUBMITTED BY/);
    expect(listed.stdout).toMatch(new RegExp(`^${pipelineId(1)}\\s+breast-cancer\\s+awaiting_approval\\s+alice`, 'm'));
    expect(listed.stdout).not.toContain(pipelineId(3));
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ pipelineId: pipelineId(1), stage: 'awaiting_approval', version: 3, metrics: { roc_auc: 0.98 } });
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout.trim()).toBe(`${pipelineId(1)}: approved`);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(f.gateway.commands).toEqual(
      expect.arrayContaining([
        { kind: 'update', workflowId: pipelineId(1), update: approveUpdate.name, arg: { principal: 'bob', comment: 'holdout looks good' } },
        { kind: 'update', workflowId: pipelineId(2), update: rejectUpdate.name, arg: { principal: 'bob', comment: 'leaks the label' } },
        { kind: 'cancel', workflowId: pipelineId(3) },
      ]),
    );
    expect(f.gateway.commands).toHaveLength(3);
  });

  it('follows a pipeline with watch: a line per stage and per tenth of training on a pipe, exit 0 at --until, 1 when it ends otherwise', async () => {
    f.gateway.put(pipelineId(4), {
      queries: { status: { pipelineId: pipelineId(4), model: 'breast-cancer', stage: 'training', submittedBy: 'alice' } },
      pendingActivities: [{ activityId: '1', activityType: 'trainModel', attempt: 1, heartbeat: { jobId: 'job-1', progress: { epoch: 30, epochs: 60, loss: 0.25, progress: 0.5 } } }] as never,
    });
    f.gateway.putPipeline(pipelineId(5), { stage: 'rejected', submittedBy: 'alice', approval: { decision: 'rejected', by: 'bob', comment: 'leaks the label', refused: [] } });
    const describes = vi.spyOn(f.gateway, 'describe');
    const polls = () => describes.mock.calls.filter(([workflowId]) => workflowId === pipelineId(4)).length;
    const watching = runCli(['pipelines', 'watch', pipelineId(4), '--until', 'awaiting_approval', '--interval', '100'], { url, as: 'carol' });
    const rejected = runCli(['pipelines', 'watch', pipelineId(5)], { url, as: 'carol' });
    // Once the watch has seen training (a second poll began after the first answer), the pipeline moves on.
    for (const by = Date.now() + 20_000; polls() < 2 && Date.now() < by; ) await new Promise((r) => setTimeout(r, 20));
    f.gateway.putPipeline(pipelineId(4), { stage: 'awaiting_approval', submittedBy: 'alice', version: 1, metrics: { roc_auc: 0.97 }, gate: { passed: true, checks: [{ metric: 'roc_auc', kind: 'threshold', passed: true, skipped: false, candidate: 0.97, required: 0.9, message: '' }] } });
    const [watched, ended] = await Promise.all([watching, rejected]);
    describes.mockRestore();
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d training$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d training \[#{12}-{12}\] {2}50% epoch 30\/60 loss 0\.2500$/);
    expect(lines[2]).toMatch(/^\d\d:\d\d:\d\d awaiting_approval {2}v1 gate passed: roc_auc=0\.9700$/);
    expect(lines).toHaveLength(3);
    expect(watched.stdout).not.toContain('\r');
    expect(ended.code).toBe(1);
    expect(ended.stdout).toMatch(/^\d\d:\d\d:\d\d rejected$/m);
    expect(ended.stderr).toContain(`pipeline ${pipelineId(5)} ended as rejected by bob: leaks the label`);
  });

  it('exits 1 with the API message, code and request id on a refusal; 2 on usage errors', async () => {
    f.gateway.putPipeline(pipelineId(6), { stage: 'awaiting_approval', submittedBy: 'dave' });
    await f.settle();
    const [refused, refusedJson, missingArg, badParam, noConfig, unknown] = await Promise.all([
      runCli(['pipelines', 'approve', pipelineId(6)], { url, as: 'alice' }),
      runCli(['--json', 'pipelines', 'approve', pipelineId(6)], { url, as: 'dave' }),
      runCli(['pipelines', 'start', 'breast-cancer'], { url, as: 'alice' }),
      runCli(['pipelines', 'start', 'breast-cancer', exampleDataset, '--param', 'epochs'], { url, as: 'alice' }),
      runCli(['models', 'list']),
      runCli(['modles'], { url, as: 'alice' }),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^windsock: alice lacks the role for this: needs approver \(forbidden, HTTP 403, request [\w-]+\)$/m);
    expect(refused.stdout).toBe('');
    expect(refusedJson.code).toBe(1);
    expect(JSON.parse(refusedJson.stdout).error).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/four-eyes/) });
    expect(missingArg.code).toBe(2);
    expect(missingArg.stderr).toMatch(/missing required argument 'dataset'/);
    expect(badParam.code).toBe(2);
    expect(badParam.stderr).toMatch(/--param.*expected key=value, got 'epochs'/);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/WINDSOCK_URL/);
    expect(noConfig.stderr).toMatch(/WINDSOCK_TOKEN/);
    expect(noConfig.stderr).toMatch(/windsock login/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'modles'/);
    await f.expectNothingDone();
  });

  it('login stores the URL and token in a 0600 file that later commands use; the environment wins over it', async () => {
    const configHome = mkdtempSync(path.join(os.tmpdir(), 'windsock-cli-login-'));
    const file = path.join(configHome, 'windsock', 'credentials.json');
    const wrong = await runCli(['login', '--url', url], { configHome, stdin: 'not-a-token-0123456789\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/unknown bearer token \(unauthorized, HTTP 401/);
    const login = await runCli(['login', '--url', url], { configHome, stdin: `${tokenOf('bob')}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`logged in to ${url} (token accepted); credentials in ${file} (mode 0600)`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ url, token: tokenOf('bob') });

    f.gateway.putPipeline(pipelineId(7), { stage: 'awaiting_approval', submittedBy: 'alice' });
    const [fromFile, envWins, whoami] = await Promise.all([
      runCli(['pipelines', 'list', '--awaiting-me'], { configHome }),
      runCli(['pipelines', 'list', '--awaiting-me'], { configHome, as: 'carol' }),
      runCli(['whoami'], { configHome }),
    ]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toContain(pipelineId(7));
    expect(envWins.code).toBe(1);
    expect(envWins.stderr).toMatch(/carol lacks the role for awaitingApprovalBy=me/);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(/token:\s+from credentials file, accepted/);
    expect(whoami.stdout).toMatch(/principal:\s+bob \(approver\)/);
  });

  it('lists the pipelines the caller submitted with --mine', async () => {
    f.gateway.putPipeline(pipelineId(8), { stage: 'training', submittedBy: 'dave' });
    f.gateway.putPipeline(pipelineId(9), { stage: 'training', submittedBy: 'alice' });
    const [mine, both] = await Promise.all([runCli(['pipelines', 'list', '--mine'], { url, as: 'dave' }), runCli(['pipelines', 'list', '--mine', '--submitted-by', 'alice'], { url, as: 'dave' })]);
    expect(mine.code, mine.stderr).toBe(0);
    expect(mine.stdout).toContain(pipelineId(8));
    expect(mine.stdout).not.toContain(pipelineId(9));
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--mine and --submitted-by both name the submitter/);
  });

  it('never printed a token', () => {
    expect(cliOutputs.length).toBeGreaterThan(40);
    for (const output of cliOutputs) {
      for (const p of principals) expect(output).not.toContain(p.token);
    }
  });
});
