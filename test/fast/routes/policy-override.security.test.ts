// A model's gate and rollout policy belong to the model: a submitter's request may tighten them and
// is refused (403, naming each field) when it loosens them, starting nothing; an admin may loosen
// them, and what was loosened goes with the pipeline, for its approver and its audit log to see.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineInput } from '../../../contracts/model-pipeline-messages';
import { expectRefusal } from './app-request';
import { pipelineMounts, type PipelineMount } from './pipeline-mounts';

describe.each(pipelineMounts)('policy overrides on the $name', ({ name, open }) => {
  let m: PipelineMount;
  const start = (as: 'alice' | 'root', body: Record<string, unknown>) => m.request('POST', '/v1/pipelines', { as, body: { model: 'breast-cancer', dataset: m.dataset, ...body } });
  const started = (): PipelineInput => {
    const command = m.gateway.commands.find((c) => c.kind === 'start');
    if (!command || command.kind !== 'start') throw new Error('no pipeline was started');
    return command.options.args[0] as PipelineInput;
  };
  beforeAll(async () => {
    m = await open(`policy-override-${name.replace(/\W/g, '')}`);
  });
  afterAll(() => m?.close());
  beforeEach(() => m.reset());

  it.each([
    ['an empty gate', { gate: {} }, /gate\.roc_auc \(the model's gate checks roc_auc; the request drops it\); gate\.f1 /],
    ['a lower threshold', { gate: { roc_auc: { threshold: 0.5, greater_is_better: true }, f1: { threshold: 0.85, greater_is_better: true } } }, /^the request loosens the model's policy, which only an admin may do: gate\.roc_auc\.threshold \(the model's gate asks at least 0\.9\)$/],
    ['all at once', { rollout: { strategy: 'all_at_once' } }, /rollout\.strategy \(the model rolls out by canary\)/],
    ['a shorter bake', { rollout: { bakeSeconds: 1 } }, /rollout\.bakeSeconds \(the model bakes each step 60 s\)/],
    ['promoting a canary it could not judge', { rollout: { policy: { onInsufficientData: 'promote' } } }, /rollout\.policy\.onInsufficientData/],
  ])("a submitter's request with %s is a 403 naming the field, starting nothing", async (_case, body, message) => {
    expectRefusal(await start('alice', body), 403, 'forbidden', message);
    await m.expectNothingDone();
  });

  it('a submitter may tighten: a higher bar and a more careful rollout start the pipeline with them', async () => {
    const gate = { roc_auc: { threshold: 0.95, greater_is_better: true }, f1: { threshold: 0.9, greater_is_better: true } };
    const res = await start('alice', { gate, rollout: { steps: [5, 25, 50, 100], bakeSeconds: 300 } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(started()).toMatchObject({ gate, submittedBy: 'alice' });
    expect(started().loosened).toBeUndefined();
  });

  it('an admin may loosen; what was loosened goes with the pipeline', async () => {
    const res = await start('root', { gate: {}, rollout: { bakeSeconds: 1 } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(started().loosened!.map((l) => l.field)).toEqual(['gate.roc_auc', 'gate.f1', 'rollout.bakeSeconds']);
  });
});
