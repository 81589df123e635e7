// Steering a rollout from the dashboard goes through the API's own rollout route as the signed-in
// principal: an approver sees pause (or resume), abort and promote-now while the pipeline rolls out,
// and each sends its signal to the rollout workflow, then shows what it sent; a viewer or submitter
// sees none and a forged post of theirs gets the API's refusal; the submitter who is also an approver
// may not promote their own early (four-eyes); a post without the session's CSRF token or from
// another site sends nothing; the API's 400 and 409 show on the rollout page with its message.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { abortRolloutSignal, pauseRolloutSignal, promoteRolloutSignal, resumeRolloutSignal, rolloutStatusQuery, rolloutWorkflowId, type RolloutStatus } from '../../../contracts/canary-rollout-messages';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { page, post, signIn } from './dashboard-browserless';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('dashboard-rollout');
});
afterAll(() => f?.close());

const byAlice = 'breast-cancer-00000000000000b1';
const byDave = 'breast-cancer-00000000000000b2';
const rollout = (paused: boolean): RolloutStatus => ({
  model: 'breast-cancer',
  version: 2,
  strategy: 'canary',
  stage: paused ? 'paused' : 'baking',
  stableVersion: 1,
  percent: 10,
  weights: { '1': 90, '2': 10 },
  paused,
  analyses: [],
});
const rollingOut = { stage: 'rolling_out' as const, version: 2, plan: { gate: {}, rollout: { strategy: 'canary' as const, steps: [10, 100], bakeSeconds: 300 } } };

/** A pipeline rolling out with its rollout workflow running and answering its status query. */
function putRollingOut(id: string, submittedBy: string, paused = false) {
  f.gateway.putPipeline(id, { ...rollingOut, submittedBy });
  f.gateway.put(rolloutWorkflowId(id), { workflowType: 'canaryRollout', queries: { [rolloutStatusQuery.name]: rollout(paused) } });
}

beforeEach(async () => {
  await f.reset();
  putRollingOut(byAlice, 'alice');
  putRollingOut(byDave, 'dave');
  await f.settle();
});

describe('an approver', () => {
  it('sees the state and pause, abort and promote-now while it runs; resume instead of pause while it is paused', async () => {
    const { cookie } = await signIn(f.app, 'bob');
    const running = await page(f.app, `/pipelines/${byAlice}/rollout`, cookie);
    expect(running.status).toBe(200);
    expect(running.html).toContain('<span data-testid="rollout-state">baking</span>');
    for (const action of ['pause', 'abort', 'promote']) expect(running.html).toContain(`action="/pipelines/${byAlice}/rollout/${action}"`);
    expect(running.html).not.toContain('data-testid="rollout-resume"');

    putRollingOut(byAlice, 'alice', true);
    const paused = await page(f.app, `/pipelines/${byAlice}/rollout`, cookie);
    expect(paused.html).toContain('<span data-testid="rollout-state">paused</span>');
    expect(paused.html).toContain(`action="/pipelines/${byAlice}/rollout/resume"`);
    expect(paused.html).not.toContain('data-testid="rollout-pause"');
  });

  it.each([
    ['pause', pauseRolloutSignal.name, 'Pause sent'],
    ['resume', resumeRolloutSignal.name, 'Resume sent'],
    ['abort', abortRolloutSignal.name, 'Abort sent'],
    ['promote', promoteRolloutSignal.name, 'Promote sent'],
  ])('%s goes through the API as bob: the rollout workflow gets its signal, and the rollout page says what was sent', async (action, signal, flash) => {
    const { cookie, csrf } = await signIn(f.app, 'bob');
    const res = await post(f.app, `/pipelines/${byAlice}/rollout/${action}`, { _csrf: csrf, reason: ' canary looks odd ' }, { cookie });
    expect(res.status, res.html).toBe(303);
    expect(res.headers.get('location')).toBe(`/pipelines/${byAlice}/rollout`);
    expect(f.gateway.commands).toEqual([{ kind: 'signal', workflowId: rolloutWorkflowId(byAlice), signal, arg: { principal: 'bob', reason: 'canary looks odd' } }]);
    const after = await page(f.app, `/pipelines/${byAlice}/rollout`, cookie);
    expect(after.html).toMatch(new RegExp(`data-testid="flash">${flash}: .* Reason: canary looks odd</span>`));
    // Only on this pipeline's pages, and only for the one who sent it.
    expect((await page(f.app, `/pipelines/${byDave}/rollout`, cookie)).html).not.toContain('data-testid="flash"');
    const { cookie: other } = await signIn(f.app, 'carol');
    expect((await page(f.app, `/pipelines/${byAlice}/rollout`, other)).html).not.toContain('data-testid="flash"');
  });

  it('without a reason, the signal carries none', async () => {
    const { cookie, csrf } = await signIn(f.app, 'bob');
    expect((await post(f.app, `/pipelines/${byAlice}/rollout/pause`, { _csrf: csrf }, { cookie })).status).toBe(303);
    expect(f.gateway.commands).toEqual([{ kind: 'signal', workflowId: rolloutWorkflowId(byAlice), signal: pauseRolloutSignal.name, arg: { principal: 'bob' } }]);
  });

  it("a reason over the API's limit is its 400 on the rollout page, and nothing is sent", async () => {
    const { cookie, csrf } = await signIn(f.app, 'bob');
    const res = await post(f.app, `/pipelines/${byAlice}/rollout/abort`, { _csrf: csrf, reason: 'x'.repeat(2001) }, { cookie });
    expect(res.status).toBe(400);
    expect(res.html).toMatch(/Refused \(400\): body\.reason/);
    await f.expectNothingDone();
  });

  it('a pipeline that is not rolling out is the API’s 409 on the rollout page, and nothing is sent', async () => {
    f.gateway.putPipeline(byAlice, { ...rollingOut, stage: 'awaiting_approval', submittedBy: 'alice' });
    const { cookie, csrf } = await signIn(f.app, 'bob');
    const before = await page(f.app, `/pipelines/${byAlice}/rollout`, cookie);
    expect(before.html).not.toContain('data-testid="rollout-controls"');
    const res = await post(f.app, `/pipelines/${byAlice}/rollout/pause`, { _csrf: csrf }, { cookie });
    expect(res.status).toBe(409);
    expect(res.html).toContain(`Refused (409): pipeline &#39;${byAlice}&#39; is awaiting_approval; rollout commands work only while it is rolling_out`);
    // A refusal stays put: the page does not reload itself over it.
    expect(res.html).not.toContain('http-equiv="refresh"');
    await f.expectNothingDone();
  });

  it('an unknown action or a malformed id is a 404 and sends nothing', async () => {
    const { cookie, csrf } = await signIn(f.app, 'bob');
    expect((await post(f.app, `/pipelines/${byAlice}/rollout/restart`, { _csrf: csrf }, { cookie })).status).toBe(404);
    expect((await post(f.app, '/pipelines/NOT-AN-ID/rollout/pause', { _csrf: csrf }, { cookie })).status).toBe(404);
    expect((await post(f.app, '/pipelines/breast-cancer-0123456789abcdef/rollout/pause', { _csrf: csrf }, { cookie })).status).toBe(404);
    await f.expectNothingDone();
  });
});

describe('four-eyes', () => {
  it('dave may pause his own pipeline’s rollout but sees no promote-now, and a forged one gets the API’s refusal', async () => {
    const { cookie, csrf } = await signIn(f.app, 'dave');
    const own = await page(f.app, `/pipelines/${byDave}/rollout`, cookie);
    expect(own.html).toContain('data-testid="rollout-pause"');
    expect(own.html).not.toContain('data-testid="rollout-promote"');
    expect(own.html).toContain('data-testid="promote-four-eyes"');
    const res = await post(f.app, `/pipelines/${byDave}/rollout/promote`, { _csrf: csrf }, { cookie });
    expect(res.status).toBe(403);
    expect(res.html).toContain(`dave submitted pipeline &#39;${byDave}&#39; and may not promote its rollout early; another approver must (four-eyes)`);
    await f.expectNothingDone();
  });
});

describe('who may not steer', () => {
  it.each(['carol', 'alice'])('%s sees the state but no controls, and a forged post with a valid CSRF token is the API’s 403', async (name) => {
    const { cookie, csrf } = await signIn(f.app, name);
    const view = await page(f.app, `/pipelines/${byAlice}/rollout`, cookie);
    expect(view.status).toBe(200);
    expect(view.html).toContain('<span data-testid="rollout-state">baking</span>');
    expect(view.html).not.toContain('<form method="post" action="/pipelines/');
    expect(view.html).toContain('data-testid="controls-read-only"');
    for (const action of ['pause', 'resume', 'abort', 'promote']) {
      const res = await post(f.app, `/pipelines/${byAlice}/rollout/${action}`, { _csrf: csrf }, { cookie });
      expect(res.status).toBe(403);
      expect(res.html).toContain(`${name} lacks the role for this: needs approver`);
    }
    await f.expectNothingDone();
  });

  it('a post without the CSRF token, with another session’s, or from another Origin is refused before it reaches the API', async () => {
    const { cookie, csrf } = await signIn(f.app, 'bob');
    const none = await post(f.app, `/pipelines/${byAlice}/rollout/abort`, {}, { cookie });
    expect(none.status).toBe(403);
    expect(none.html).toContain('no valid CSRF token');
    const carol = await signIn(f.app, 'carol');
    expect((await post(f.app, `/pipelines/${byAlice}/rollout/abort`, { _csrf: carol.csrf }, { cookie })).status).toBe(403);
    const otherSite = await post(f.app, `/pipelines/${byAlice}/rollout/abort`, { _csrf: csrf }, { cookie, origin: 'https://evil.example' });
    expect(otherSite.status).toBe(403);
    expect(otherSite.html).toContain('sent from another site');
    expect((await post(f.app, `/pipelines/${byAlice}/rollout/abort`, { _csrf: csrf })).status).toBe(401);
    await f.expectNothingDone();
  });
});
