// Tuning in a pipeline request: it replaces the model's own for that run and goes to the workflow
// with the request; one the model's job cannot run (an objective it never reports, a parameter it does
// not take, a bad range) is a 400 naming the field, starting nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PipelineInput } from '../../../contracts/model-pipeline-messages';
import { expectRefusal } from './app-request';
import { pipelineMounts, type PipelineMount } from './pipeline-mounts';

const tuning = { objective: 'loss', trials: 4, parallelism: 2, space: { lr: { type: 'logUniform', low: 1e-4, high: 0.1 } } };

describe.each(pipelineMounts)('tuning in a pipeline request on the $name', ({ name, open }) => {
  let m: PipelineMount;
  const start = (body: Record<string, unknown>) => m.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'breast-cancer', dataset: m.dataset, ...body } });
  const started = (): PipelineInput => {
    const command = m.gateway.commands.find((c) => c.kind === 'start');
    if (!command || command.kind !== 'start') throw new Error('no pipeline was started');
    return command.options.args[0] as PipelineInput;
  };
  beforeAll(async () => {
    m = await open(`pipeline-tuning-${name.replace(/\W/g, '')}`);
  });
  afterAll(() => m?.close());
  beforeEach(() => m.reset());

  it('starts the pipeline with the request tuning, its defaults filled in', async () => {
    const res = await start({ tuning });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(started().tuning).toEqual({ ...tuning, strategy: 'random' });
  });

  it('starts a pipeline without tuning when neither the model nor the request has one', async () => {
    const res = await start({});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(started().tuning).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an objective the job never reports', { objective: 'val_loss' }, /^body\.tuning\.objective: the job does not report 'val_loss' per epoch; it reports loss, accuracy$/],
    ['a parameter the job does not take', { space: { dropout: { type: 'uniform', low: 0, high: 0.5 } } }, /body\.tuning\.space\.dropout: .*no parameter 'dropout'/],
    ['an empty range', { space: { lr: { type: 'uniform', low: 0.1, high: 0.1 } } }, /body\.tuning\.space\.lr/],
    ['more parallelism than trials', { trials: 2, parallelism: 3 }, /body\.tuning\.parallelism/],
  ])('refuses %s with a 400 naming it, starting nothing', async (_case, change, message) => {
    expectRefusal(await start({ tuning: { ...tuning, ...change } }), 400, 'bad_request', message);
    await m.expectNothingDone();
  });
});
