// A pipeline's dataset must be one its model can train on: a file or registry dataset whose header
// lacks a column the model's spec names is a 400 naming the columns, an unknown registry dataset or
// version a 404; either starts nothing. dataset://name is pinned to its newest version at submit.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../config/project-root';
import { expectRefusal } from './app-request';
import { openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
const upload = (name: string, csv: string) => f.request('PUT', `/v1/datasets/${name}`, { as: 'erin', raw: csv, headers: { 'content-type': 'text/csv' } });
const exampleRows = (): string => {
  const header = 'mean_radius,diagnosis';
  return [header, ...Array.from({ length: 60 }, (_, i) => `${10 + i / 10},${i % 2 ? 'benign' : 'malignant'}`)].join('\n') + '\n';
};

beforeAll(async () => {
  f = await openControlFixture('pipeline-datasets');
  writeFileSync(path.join(f.datasetRoots[1]!, 'two-columns.csv'), exampleRows());
  expect((await upload('two-columns', exampleRows())).status).toBe(201);
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('pipeline datasets', () => {
  it("refuse a file whose header lacks the model's columns with a 400 naming them", async () => {
    const res = await f.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'breast-cancer', dataset: path.join(f.datasetRoots[1]!, 'two-columns.csv') } });
    expectRefusal(res, 400, 'bad_request', /does not fit model 'breast-cancer' \(checked on its first 60 rows\): column mean_texture is missing from the file; the spec lists it as a feature \(float\); .*; and 24 more$/);
    await f.expectNothingDone();
  });

  it("refuse a registry dataset whose header lacks the model's columns with a 400", async () => {
    const res = await f.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'breast-cancer', dataset: 'dataset://two-columns' } });
    expectRefusal(res, 400, 'bad_request', /^dataset 'dataset:\/\/two-columns' does not fit model 'breast-cancer' \(checked on its first 60 rows\): column mean_texture is missing/);
    await f.expectNothingDone();
  });

  it('refuse a dataset with text where the spec has numbers, or an unknown class, with a 400 naming the column and rows', async () => {
    const lines = readFileSync(path.join(projectRoot, 'examples/breast-cancer/data/breast-cancer.csv'), 'utf8').split('\n');
    const broken = lines.map((line, i) => (i === 3 ? line.replace(/^[^,]+/, 'twelve') : i === 5 ? line.replace(/,[^,]+$/, ',unsure') : line)).join('\n');
    expect((await upload('broken-bc', broken)).status).toBe(201);
    await f.settle();
    const res = await f.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'breast-cancer', dataset: 'dataset://broken-bc' } });
    expectRefusal(res, 400, 'bad_request', /^dataset 'dataset:\/\/broken-bc' does not fit model 'breast-cancer' \(checked on its first 569 rows\): .*mean_radius.*row 3.*; .*diagnosis.*row 5/);
    expect(res.body.error.message).not.toMatch(/twelve|unsure/);
    await f.expectNothingDone();
  });

  it('refuse an unknown registry dataset or version with a 404 naming it', async () => {
    expectRefusal(await f.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'breast-cancer', dataset: 'dataset://nothing-here' } }), 404, 'not_found', /nothing-here/);
    expectRefusal(await f.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'breast-cancer', dataset: 'dataset://two-columns/9' } }), 404, 'not_found', /^dataset 'two-columns' has no version 9; its versions are 1 to 1$/);
    await f.expectNothingDone();
  });

  it('pin dataset://name to its newest version when the columns match', async () => {
    const uploaded = await upload('bc', readFileSync(path.join(projectRoot, 'examples/breast-cancer/data/breast-cancer.csv'), 'utf8'));
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(201);
    await f.settle();
    const res = await f.request('POST', '/v1/pipelines', { as: 'alice', body: { model: 'breast-cancer', dataset: 'dataset://bc' } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(f.gateway.commands).toMatchObject([{ kind: 'start', options: { args: [{ datasetUri: `dataset://bc/${uploaded.body.version}` }] } }]);
  });
});
