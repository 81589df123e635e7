// The ways a pipeline ends other than promotion: rejection, approval timeout, failed gate, cancellation.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive } from '../../activities/compute/local-provider';
import { projectRoot } from '../../config/project-root';
import { exampleDataset, startHarness, type Harness } from './pipeline-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('outcomes');
});
afterAll(async () => h?.close());

describe('pipeline outcomes', () => {
  it('ends as rejected when an approver rejects, with the reason on the version', async () => {
    const id = await h.submit({}, 'reject');
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
    expect(waiting.stage).toBe('awaiting_approval');

    const noReason = await h.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: {} });
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.message).toMatch(/body\.reason/);

    const rejected = await h.request('POST', `/v1/pipelines/${id}/reject`, { as: 'bob', body: { reason: 'recall too low for screening' } });
    expect(rejected.status).toBe(202);
    const done = await h.waitForStage(id, ['rejected', 'succeeded', 'failed']);
    expect(done.stage).toBe('rejected');
    expect(done.approval).toMatchObject({ decision: 'rejected', by: 'bob', comment: 'recall too low for screening' });

    const version = await h.registry.requireVersion('breast-cancer', waiting.version!);
    expect(version.status).toBe('rejected');
    expect(version.statusReason).toBe('recall too low for screening');
    expect(await h.registry.getAlias('breast-cancer', 'champion')).toBeUndefined();

    const late = await h.request('POST', `/v1/pipelines/${id}/approve`, { as: 'bob', body: {} });
    expect(late.status).toBe(409);
  });

  it('ends as rejected when nobody decides before the deadline, after one reminder', async () => {
    const id = await h.submit({ approvalTimeout: '4s', reminderBefore: '2s' }, 'timeout');
    const waiting = await h.waitForStage(id, ['awaiting_approval', 'failed']);
    expect(waiting.stage).toBe('awaiting_approval');
    const done = await h.waitForStage(id, ['rejected', 'succeeded', 'failed'], 60_000);
    expect(done.stage).toBe('rejected');
    expect(done.approval!.decision).toBe('timed_out');
    const version = await h.registry.requireVersion('breast-cancer', waiting.version!);
    expect(version).toMatchObject({ status: 'rejected', statusReason: 'approval timed out' });
    const kinds = h.notifications.filter((n) => n.pipelineId === id).map((n) => n.kind);
    expect(kinds).toEqual(['approval_requested', 'approval_reminder']);
    const audit = (await h.registry.listAudit({ pipelineId: id })).map((e) => e.event);
    expect(audit).toEqual(expect.arrayContaining(['approval.requested', 'approval.reminder_sent', 'approval.timed_out', 'pipeline.rejected']));
  });

  it('fails with the reason when the model misses the gate, and registers nothing', async () => {
    const before = (await h.registry.listVersions('breast-cancer')).length;
    // An untrained network (epochs 0) cannot reach the example gate's ROC AUC and F1 bars.
    const id = await h.submit({ params: { epochs: 0 } }, 'gate');
    const done = await h.waitForStage(id, ['failed', 'awaiting_approval']);
    expect(done.stage).toBe('failed');
    expect(done.error!.code).toBe('gate_failed');
    expect(done.error!.message).toMatch(/metric gate failed: .*(roc_auc|f1)/);
    const failed = await h.waitForNotification((n) => n.kind === 'pipeline_failed' && n.pipelineId === id);
    expect(failed).toMatchObject({ model: 'breast-cancer', error: { code: 'gate_failed' } });
    expect(done.gate!.passed).toBe(false);
    expect(done.temporal.status).toBe('FAILED');
    expect(await h.registry.listVersions('breast-cancer')).toHaveLength(before);
  });

  it('refuses at submit a dataset whose first rows break its spec, naming the column', async () => {
    const res = await h.request('POST', '/v1/pipelines', { as: 'dave', body: { model: 'breast-cancer', dataset: 'test/fixtures/breast-cancer-negative-radius.csv' } });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.message).toMatch(/^dataset 'test\/fixtures\/breast-cancer-negative-radius\.csv' does not fit model 'breast-cancer' \(checked on its first \d+ rows\): .*mean_radius/);
  });

  it('fails with the dataset report when the whole data breaks its spec', async () => {
    // Every row twice: each row fits, so the submit-time check of the first rows passes; the duplicate
    // check, which needs every row, fails it.
    const [header, ...rows] = readFileSync(path.join(projectRoot, exampleDataset), 'utf8').trimEnd().split('\n');
    const doubled = path.join(mkdtempSync(path.join(os.tmpdir(), 'windsock-doubled-')), 'doubled.csv');
    writeFileSync(doubled, [header, ...rows.flatMap((row) => [row, row])].join('\n') + '\n');
    const id = await h.submit({ dataset: doubled }, 'bad-data');
    const done = await h.waitForStage(id, ['failed', 'awaiting_approval']);
    expect(done.stage).toBe('failed');
    expect(done.error!.code).toBe('dataset_invalid');
    expect(done.error!.message).toMatch(/rows repeat an earlier row/);
  });

  it('kills the training process when the pipeline is cancelled', async () => {
    const id = await h.submit({ params: { epochs: 1_000_000 } }, 'cancel');
    let training = await h.waitForStage(id, ['training']);
    const deadline = Date.now() + 60_000;
    while (!training.progress?.progress && Date.now() < deadline) {
      training = (await h.request('GET', `/v1/pipelines/${id}`, { as: 'carol' })).body;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(training.progress.jobId).toMatch(/^local-/);
    const pid = Number(readFileSync(path.join(h.home, 'jobs', training.progress.jobId, 'pid'), 'utf8'));
    expect(isAlive(pid)).toBe(true);

    const forbidden = await h.request('POST', `/v1/pipelines/${id}/cancel`, { as: 'alice' });
    expect(forbidden.status).toBe(403);
    const cancel = await h.request('POST', `/v1/pipelines/${id}/cancel`, { as: 'dave' });
    expect(cancel.status).toBe(202);
    const done = await h.waitForStage(id, ['cancelled', 'failed'], 60_000);
    expect(done.stage).toBe('cancelled');
    expect(done.temporal.status).toBe('CANCELLED');
    const killedBy = Date.now() + 10_000;
    while (isAlive(pid) && Date.now() < killedBy) await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(path.join(h.home, 'jobs', training.progress.jobId, 'cancelled'))).toBe(true);
  });
});
