// POST /v1/models registers a model's template (revision 1), the same again changes nothing, PUT makes
// the next revision (audited), and the revisions stay readable; pipelines record the revision they ran.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BUILT_IN_TRAINER_COMMAND } from '../../../core/pipeline/pipeline-template';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { irisLikeTemplate } from './model-template-body';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('model-template-happy');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('model templates', () => {
  it('register a model with the built-in trainer and every default filled in, once', async () => {
    const created = await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'flowers', ...irisLikeTemplate() } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: 'flowers', revision: 1, outcome: 'created', createdBy: 'erin', description: 'three kinds of flower from four measurements' });
    expect(created.body.template.job).toEqual({ command: [...BUILT_IN_TRAINER_COMMAND], deadlineSeconds: 3600 });
    expect(created.body.template.approvalTimeoutSeconds).toBe(2 * 86400);
    expect(created.body.template.holdout).toEqual({ fraction: 0.2, seed: 42 });

    const again = await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'flowers', ...irisLikeTemplate() } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ revision: 1, outcome: 'unchanged' });

    const read = await f.request('GET', '/v1/models/flowers', { as: 'carol' });
    expect(read.body).toMatchObject({ name: 'flowers', revision: 1, template: created.body.template });
    const audit = await f.registry.listAudit({ modelName: 'flowers' });
    expect(audit.map((e) => [e.event, e.actor, e.details])).toEqual([['model.registered', 'erin', { revision: 1 }]]);
  });

  it('make the next revision on PUT, naming what changed, and keep every revision', async () => {
    await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'revised', ...irisLikeTemplate() } });
    const tighter = { ...irisLikeTemplate(), gate: { f1_macro: { threshold: 0.9, greater_is_better: true } } };
    const revised = await f.request('PUT', '/v1/models/revised', { as: 'erin', body: tighter });
    expect(revised.status, JSON.stringify(revised.body)).toBe(200);
    expect(revised.body).toMatchObject({ revision: 2, outcome: 'revised' });
    const same = await f.request('PUT', '/v1/models/revised', { as: 'erin', body: tighter });
    expect(same.body).toMatchObject({ revision: 2, outcome: 'unchanged' });

    const revisions = await f.request('GET', '/v1/models/revised/revisions', { as: 'carol' });
    expect(revisions.body.revision).toBe(2);
    expect(revisions.body.revisions.map((r: { revision: number }) => r.revision)).toEqual([2, 1]);
    const first = await f.request('GET', '/v1/models/revised/revisions/1', { as: 'carol' });
    expect(first.body.template.gate.f1_macro.threshold).toBe(0.8);
    const audit = await f.registry.listAudit({ modelName: 'revised' });
    expect(audit.at(-1)).toMatchObject({ event: 'model.template_revised', actor: 'erin', details: { revision: 2, changed: ['gate'] } });
  });

  it('take a template read back with GET as the next PUT body, unchanged', async () => {
    const { body } = await f.request('GET', '/v1/models/breast-cancer', { as: 'carol' });
    const res = await f.request('PUT', '/v1/models/breast-cancer', { as: 'root', body: { description: body.description, ...body.template } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ revision: body.revision, outcome: 'unchanged' });
  });

  it('create a model on PUT when none has the name (201)', async () => {
    const res = await f.request('PUT', '/v1/models/put-created', { as: 'erin', body: irisLikeTemplate() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'put-created', revision: 1, outcome: 'created' });
  });

  it('start pipelines from the current revision and record it', async () => {
    await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'recorded', ...irisLikeTemplate() } });
    await f.request('PUT', '/v1/models/recorded', { as: 'erin', body: { ...irisLikeTemplate(), params: { epochs: 40 } } });
    const flowers = path.join(f.datasetRoots[1]!, 'flowers.csv');
    writeFileSync(flowers, 'sepal_length,sepal_width,petal_length,colour,species\n5.1,3.5,1.4,white,setosa\n6.3,2.9,5.6,,virginica\n');
    const started = await f.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'recorded', dataset: flowers } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const [start] = f.gateway.commands;
    expect(start).toMatchObject({ kind: 'start', options: { workflowType: 'modelPipeline', args: [{ templateRevision: 2, params: { epochs: 40 } }] } });
  });

  it("override only the fields a request names, keeping the template's others", async () => {
    const res = await f.request('POST', '/v1/pipelines', {
      as: 'alice',
      body: { model: 'breast-cancer', dataset: 'examples/breast-cancer/data/breast-cancer.csv', job: { gpus: 0 }, holdout: { seed: 7 }, rollout: { bakeSeconds: 120 } },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const [start] = f.gateway.commands;
    // The example's template: a 900 s deadline, a 0.2 holdout, canary steps 10-25-50-100.
    expect(start).toMatchObject({
      options: { args: [{ job: { deadlineSeconds: 900, gpus: 0 }, holdout: { fraction: 0.2, seed: 7 }, rollout: { strategy: 'canary', steps: [10, 25, 50, 100], bakeSeconds: 120 } }] },
    });
  });
});
