// Uploads feed continuous training: a new version of a registry dataset starts a retrain of each model
// that follows it with retrain.onNewData (the uploader as the retrain's requester), through the model's
// one retrain workflow; the same bytes again, or a model that does not follow it, start nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { irisLikeTemplate } from './model-template-body';

let f: ControlFixture;
const csv = (rows: number) => ['sepal_length,sepal_width,petal_length,colour,species', ...Array.from({ length: rows }, (_, i) => `${i % 7}.1,3.${i % 5},1.${i % 9},white,${['setosa', 'versicolor', 'virginica'][i % 3]}`)].join('\n') + '\n';
const upload = (rows: number) => f.request('PUT', '/v1/datasets/flowers', { as: 'erin', raw: csv(rows), headers: { 'content-type': 'text/csv' } });

beforeAll(async () => {
  f = await openControlFixture('dataset-new-data');
  const follows = (name: string, onNewData: boolean) =>
    f.request('POST', '/v1/models', { as: 'erin', body: { name, ...irisLikeTemplate(), retrain: { dataset: 'dataset://flowers', onNewData } } });
  expect((await follows('follower', true)).status).toBe(201);
  expect((await follows('bystander', false)).status).toBe(201);
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('new dataset versions', () => {
  it('start a retrain of each model that follows the dataset, and only once per version', async () => {
    const first = await upload(60);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.retrains).toEqual([{ model: 'follower', requested: true }]);
    expect(f.gateway.commands).toMatchObject([
      {
        kind: 'signalWithStart',
        options: { workflowType: 'retrainModel', workflowId: 'retrain:follower', signal: 'retrainRequested', signalArg: { source: 'new_data', requestedBy: 'erin', details: { dataset: 'dataset://flowers/1' } } },
      },
    ]);

    await f.settle();
    const same = await upload(60);
    expect(same.status).toBe(200);
    expect(same.body.retrains).toBeUndefined();
    expect(f.gateway.commands).toEqual([]);
  });

  it('refuse onNewData on a retrain location that is not a registry dataset, with a 400', async () => {
    const res = await f.request('POST', '/v1/models', { as: 'erin', body: { name: 'on-files', ...irisLikeTemplate(), retrain: { dataset: 'examples/breast-cancer/data/', onNewData: true } } });
    expectRefusal(res, 400, 'bad_request', /body\.retrain\.onNewData: onNewData follows a registry dataset: set dataset to dataset:\/\/<name> \(without a version\)/);
    await f.expectNothingDone();
  });
});
