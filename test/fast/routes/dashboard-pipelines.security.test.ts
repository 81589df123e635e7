// Deciding from the dashboard goes through the API's own approve and reject routes as the signed-in
// principal: an approver sees the forms and decides; a viewer or submitter sees none and a forged
// POST of theirs is refused by the API's role check; the submitter's own pipeline shows the four-eyes
// rule and an attempt gets the API's refusal; a POST without the session's CSRF token or from another
// Origin is refused before anything is sent to Temporal.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approveUpdate, rejectUpdate } from '../../../contracts/model-pipeline-messages';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { page, post, signIn } from './dashboard-browserless';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('dashboard-pipelines');
});
afterAll(() => f?.close());

const byAlice = 'breast-cancer-00000000000000a1';
const byDave = 'breast-cancer-00000000000000d1';
const evidence = {
  stage: 'awaiting_approval' as const,
  version: 2,
  metrics: { f1: 0.97, roc_auc: 0.99 },
  champion: { version: 1, metrics: { f1: 0.95, roc_auc: 0.98 } },
  gate: { passed: true, checks: [{ metric: 'f1', kind: 'threshold' as const, passed: true, skipped: false, candidate: 0.97, required: 0.9, message: 'f1 0.97 >= 0.9' }] },
  plan: { gate: {}, rollout: { strategy: 'canary' as const, steps: [10, 50, 100], bakeSeconds: 300 } },
  approval: { requestedAt: '2025-01-01T00:00:00.000Z', deadline: '2025-01-08T00:00:00.000Z', refused: [] },
};

beforeEach(async () => {
  await f.reset();
  f.gateway.putPipeline(byAlice, { ...evidence, submittedBy: 'alice' });
  f.gateway.putPipeline(byDave, { ...evidence, submittedBy: 'dave' });
  await f.settle();
});

describe('an approver', () => {
  it("sees the inbox, the evidence side by side, the gate checks, the plan and the decision forms", async () => {
    const { cookie } = await signIn(f.app, 'bob');
    const inbox = await page(f.app, '/', cookie);
    expect(inbox.html).toContain('2 pipelines awaiting approval; you may decide 2');
    expect(inbox.html).toContain(`href="/pipelines/${byAlice}"`);
    expect(inbox.html).toContain('v2 · gate <span class="pass">passed</span> · f1 0.9700 (champion 0.9500)');
    const detail = await page(f.app, `/pipelines/${byAlice}`, cookie);
    expect(detail.status).toBe(200);
    expect(detail.html).toContain('Challenger (v2)');
    expect(detail.html).toContain('Champion (v1)');
    expect(detail.html).toContain('+0.0200');
    expect(detail.html).toContain('f1 0.97 &gt;= 0.9');
    expect(detail.html).toContain('canary: 10% → 50% → 100%');
    expect(detail.html).toContain(`action="/pipelines/${byAlice}/approve"`);
    expect(detail.html).toContain('data-testid="approve"');
  });

  it('approves through the API: the workflow gets the approve update from bob, and the browser goes to the rollout', async () => {
    const { cookie, csrf } = await signIn(f.app, 'bob');
    const res = await post(f.app, `/pipelines/${byAlice}/approve`, { _csrf: csrf, comment: 'looks good' }, { cookie });
    expect(res.status, res.html).toBe(303);
    expect(res.headers.get('location')).toBe(`/pipelines/${byAlice}/rollout`);
    expect(f.gateway.commands).toEqual([{ kind: 'update', workflowId: byAlice, update: approveUpdate.name, arg: { principal: 'bob', comment: 'looks good' } }]);
  });

  it('rejects with a reason; without one the page says so and nothing is sent', async () => {
    const { cookie, csrf } = await signIn(f.app, 'bob');
    const empty = await post(f.app, `/pipelines/${byAlice}/reject`, { _csrf: csrf, reason: '  ' }, { cookie });
    expect(empty.status).toBe(400);
    expect(empty.html).toContain('say why the version is rejected');
    await f.expectNothingDone();
    const res = await post(f.app, `/pipelines/${byAlice}/reject`, { _csrf: csrf, reason: 'recall dropped' }, { cookie });
    expect(res.status).toBe(303);
    expect(f.gateway.commands).toEqual([{ kind: 'update', workflowId: byAlice, update: rejectUpdate.name, arg: { principal: 'bob', comment: 'recall dropped' } }]);
  });

  it('a pipeline no longer awaiting approval gets the API’s 409 on the page', async () => {
    f.gateway.putPipeline(byAlice, { ...evidence, stage: 'rolling_out', submittedBy: 'alice' });
    const { cookie, csrf } = await signIn(f.app, 'bob');
    const res = await post(f.app, `/pipelines/${byAlice}/approve`, { _csrf: csrf }, { cookie });
    expect(res.status).toBe(409);
    expect(res.html).toMatch(/Refused \(409\): pipeline &#39;breast-cancer-00000000000000a1&#39; is rolling_out/);
    await f.expectNothingDone();
  });
});

describe('four-eyes', () => {
  it("dave, submitter and approver, sees his own pipeline with the four-eyes rule and no form, and his attempt gets the API's refusal", async () => {
    const { cookie, csrf } = await signIn(f.app, 'dave');
    expect((await page(f.app, '/', cookie)).html).toContain('you may decide 1');
    const detail = await page(f.app, `/pipelines/${byDave}`, cookie);
    expect(detail.html).toContain('data-testid="four-eyes"');
    expect(detail.html).not.toContain('data-testid="approve"');
    const res = await post(f.app, `/pipelines/${byDave}/approve`, { _csrf: csrf }, { cookie });
    expect(res.status).toBe(403);
    expect(res.html).toContain('dave submitted pipeline &#39;breast-cancer-00000000000000d1&#39; and may not approve it; another approver must (four-eyes)');
    await f.expectNothingDone();
  });
});

describe('who may not decide', () => {
  it.each(['carol', 'alice'])('%s sees the pipelines read only, and a forged approve with a valid CSRF token is the API’s 403', async (name) => {
    const { cookie, csrf } = await signIn(f.app, name);
    expect((await page(f.app, '/', cookie)).html).toContain('deciding needs the approver role');
    const detail = await page(f.app, `/pipelines/${byAlice}`, cookie);
    expect(detail.status).toBe(200);
    expect(detail.html).not.toContain('<form method="post" action="/pipelines/');
    expect(detail.html).toContain('data-testid="read-only"');
    const res = await post(f.app, `/pipelines/${byAlice}/approve`, { _csrf: csrf }, { cookie });
    expect(res.status).toBe(403);
    expect(res.html).toContain(`${name} lacks the role for this: needs approver`);
    await f.expectNothingDone();
  });

  it('a POST without the CSRF token, with a wrong one, or from another Origin is refused before it reaches the API', async () => {
    const { cookie, csrf } = await signIn(f.app, 'bob');
    const none = await post(f.app, `/pipelines/${byAlice}/approve`, {}, { cookie });
    expect(none.status).toBe(403);
    expect(none.html).toContain('no valid CSRF token');
    expect((await post(f.app, `/pipelines/${byAlice}/approve`, { _csrf: `${csrf.slice(0, -1)}A` }, { cookie })).status).toBe(403);
    const otherSite = await post(f.app, `/pipelines/${byAlice}/approve`, { _csrf: csrf }, { cookie, origin: 'https://evil.example' });
    expect(otherSite.status).toBe(403);
    expect(otherSite.html).toContain('sent from another site');
    // Another session's token is not this session's.
    const carol = await signIn(f.app, 'carol');
    expect((await post(f.app, `/pipelines/${byAlice}/approve`, { _csrf: carol.csrf }, { cookie })).status).toBe(403);
    await f.expectNothingDone();
  });

  it('a POST without a session is a 401 page and does nothing', async () => {
    const res = await post(f.app, `/pipelines/${byAlice}/approve`, { _csrf: 'x' });
    expect(res.status).toBe(401);
    await f.expectNothingDone();
  });
});

describe('pages that find nothing', () => {
  it.each([
    ['a malformed pipeline id', '/pipelines/NOT-AN-ID'],
    ['an unknown pipeline', '/pipelines/breast-cancer-0123456789abcdef'],
    ['an unknown model', '/models/nope'],
    ['an unknown version', '/models/breast-cancer/versions/99'],
  ])('%s is a 404 page', async (_case, path) => {
    const { cookie } = await signIn(f.app, 'carol');
    const res = await page(f.app, path, cookie);
    expect(res.status).toBe(404);
    expect(res.html).toContain('<title>Not found');
  });
});
