// POST .../versions/:v/reproduce starts one reproduceVersion workflow for a version whose recorded code
// and data are all there, and GET .../reproductions/:id reads its state back (from the workflow's
// query, or from Temporal when no worker answers).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { reproductionStatusQuery } from '../../../contracts/reproduction-messages';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { registerReproducibleVersion } from './reproduction-routes-fixture';

let f: ControlFixture;
let version: number;
beforeAll(async () => {
  f = await openControlFixture('reproduction-happy');
  ({ version } = await registerReproducibleVersion(f));
});
afterAll(() => f?.close());
beforeEach(() => f.reset());

describe('reproduction routes', () => {
  it('start a reproduction as the submitter asked, with the default tolerance, and write nothing to the registry', async () => {
    const res = await f.request('POST', `/v1/models/breast-cancer/versions/${version}/reproduce`, { as: 'alice' });
    expect(res.status).toBe(202);
    const id = res.body.reproductionId as string;
    expect(id).toMatch(new RegExp(`^reproduce:breast-cancer:v${version}:[0-9a-f]{16}$`));
    expect(res.body).toEqual({ reproductionId: id, state: 'running', location: `/v1/models/breast-cancer/versions/${version}/reproductions/${encodeURIComponent(id)}` });
    expect(res.headers.get('location')).toBe(res.body.location);
    expect(f.gateway.commands).toEqual([
      { kind: 'start', options: { workflowType: 'reproduceVersion', workflowId: id, taskQueue: 'routes-reproduction-happy', args: [{ reproductionId: id, model: 'breast-cancer', version, requestedBy: 'alice', tolerance: 1e-6 }] } },
    ]);
    f.gateway.commands.length = 0;
    await f.expectNothingDone();

    // Two requests are two reproductions; an admin may set the tolerance.
    const again = await f.request('POST', `/v1/models/breast-cancer/versions/${version}/reproduce`, { as: 'root', body: { tolerance: 0.001 } });
    expect(again.status).toBe(202);
    expect(again.body.reproductionId).not.toBe(id);
    expect(f.gateway.commands[0]).toMatchObject({ options: { args: [{ requestedBy: 'root', tolerance: 0.001 }] } });
  });

  it('read a reproduction back from its query, and from Temporal alone when no worker answers', async () => {
    const id = `reproduce:breast-cancer:v${version}:0123456789abcdef`;
    const status = { reproductionId: id, model: 'breast-cancer', version, requestedBy: 'alice', state: 'succeeded', stage: 'done', tolerance: 1e-6, reproduced: true, maxAbsDelta: 0, metrics: { original: { f1: 0.9 }, reproduced: { f1: 0.9 } } };
    f.gateway.put(id, { workflowType: 'reproduceVersion', status: 'COMPLETED', queries: { [reproductionStatusQuery.name]: status } });
    const res = await f.request('GET', `/v1/models/breast-cancer/versions/${version}/reproductions/${encodeURIComponent(id)}`, { as: 'carol' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...status, temporal: { status: 'COMPLETED' } });

    const silent = `reproduce:breast-cancer:v${version}:fedcba9876543210`;
    f.gateway.put(silent, { workflowType: 'reproduceVersion', status: 'FAILED', queries: { [reproductionStatusQuery.name]: new Error('no worker') } });
    const failed = await f.request('GET', `/v1/models/breast-cancer/versions/${version}/reproductions/${silent}`, { as: 'carol' });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ reproductionId: silent, state: 'failed', temporal: { status: 'FAILED' } });
    await f.expectNothingDone();
  });
});
