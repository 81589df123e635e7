// The dashboard in a real browser: Debian's Chromium driven by playwright-core (never Playwright's
// own browser download) against the control app served on a loopback port, over a real Temporal dev
// server, worker, libSQL registry and the real inference app (onnxruntime-node) as the edge. alice
// submits; alice and carol may only read (and a forged POST of carol's is refused); bob signs in,
// approves in the browser, pauses and resumes the canary from its page and promotes it to 100% at
// once. Each page's screenshot is kept under test-artifacts/dashboard/.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EdgeClient } from '../../activities/edge-client';
import { projectRoot } from '../../config/project-root';
import { generateChangeKeys } from '../../contracts/serving-change-signature';
import { pipelineTemplateSchema } from '../../core/pipeline/pipeline-template';
import { serveOnLoopback } from '../fast/cli/cli-process';
import { servingAdminToken, startNodeServingApp } from '../serving/node-serving-app';
import { sendTraffic } from './edge-traffic';
import { exampleDataset, principals, startHarness, type Harness } from './pipeline-harness';
import { steadyCanaryPolicy } from './steady-canary-policy';

const artifacts = path.join(projectRoot, 'test-artifacts/dashboard');
const model = 'bc-dashboard';

let h: Harness;
let serving: Awaited<ReturnType<typeof startNodeServingApp>>;
let edge: EdgeClient;
let server: Awaited<ReturnType<typeof serveOnLoopback>>;
let browser: Browser;
let traffic: { stop(): Promise<number> } | undefined;
const cspViolations: string[] = [];

beforeAll(async () => {
  mkdirSync(artifacts, { recursive: true });
  const keys = await generateChangeKeys();
  serving = await startNodeServingApp({ changePublicKey: keys.publicKey });
  edge = new EdgeClient({ baseUrl: 'http://edge.test', token: servingAdminToken, fetch: serving.fetch, signingKey: keys.privateKey });
  h = await startHarness('dashboard', { edge });
  // The model's own policy (set by its owner, not loosened by the submitter): a job that emits the
  // fixture model at once, and a canary whose first step bakes far longer than the test runs, so that
  // bob's pause lands while it bakes however slow the host, and bob ends it with promote-now.
  const { retrain: _retrain, ...template } = (await h.registry.requireModel('breast-cancer')).template;
  await h.registry.saveTemplate(
    model,
    pipelineTemplateSchema.parse({
      ...template,
      job: { ...template.job, command: ['python', 'jobs/instant/emit_model.py'] },
      params: { model_path: path.join(projectRoot, 'test/fixtures/breast-cancer-mlp.onnx') },
      gate: {},
      rollout: { strategy: 'canary', steps: [10, 100], bakeSeconds: 3600, policy: steadyCanaryPolicy },
    }),
    'breast cancer, for the dashboard test',
    'test',
  );
  server = await serveOnLoopback(h.app);
  browser = await chromium.launch({
    executablePath: process.env.WINDSOCK_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // Chromium's sandbox refuses to start as root (CI containers); a normal user keeps it.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}, 120_000);

afterAll(async () => {
  await traffic?.stop();
  await browser?.close();
  await server?.close();
  await h?.close();
  await serving?.close();
});

async function signedIn(name: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // A loaded host (the whole suite on two cores) can take longer than Playwright's 30 s default.
  context.setDefaultTimeout(120_000);
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  await page.goto(`${server.url}/`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill('#token', principals.find((p) => p.name === name)!.token);
  await page.click('button[type=submit]');
  await page.waitForURL(`${server.url}/`);
  expect(await page.textContent('[data-testid=whoami]')).toContain(name);
  return { context, page };
}

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });

/** A form the page itself posts (same origin, the session's cookie): what a forged click would send. */
async function postFromPage(page: Page, action: string, fields: Record<string, string>) {
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate(
      ({ action, fields }) => {
        // Runs in the page (the tests' types have no DOM library).
        const document = (globalThis as any).document;
        const form = document.createElement('form');
        form.method = 'post';
        form.action = action;
        for (const [name, value] of Object.entries(fields)) {
          const input = document.createElement('input');
          input.type = 'hidden';
          input.name = name;
          input.value = value;
          form.append(input);
        }
        document.body.append(form);
        form.submit();
      },
      { action, fields },
    ),
  ]);
}

async function awaitingApproval(key: string): Promise<string> {
  const id = await h.submit({ model, dataset: exampleDataset }, key, 'alice');
  expect((await h.waitForStage(id, ['awaiting_approval', 'failed'])).stage).toBe('awaiting_approval');
  return id;
}

it('bob approves the version alice submitted, pauses and resumes its canary and promotes it to 100%; alice and carol can only read', async () => {
  // The model's first version, approved through the API: it goes to all traffic and becomes stable.
  const first = await awaitingApproval('dashboard-v1');
  expect((await h.request('POST', `/v1/pipelines/${first}/approve`, { as: 'bob', body: {} })).status).toBe(202);
  expect((await h.waitForStage(first, ['succeeded', 'rolled_back', 'failed'])).stage).toBe('succeeded');
  traffic = sendTraffic(serving.fetch, model);
  const id = await awaitingApproval('dashboard-v2');

  // The sign-in page, and a token it does not accept.
  const anonymous = await browser.newPage();
  anonymous.setDefaultTimeout(120_000);
  await anonymous.goto(`${server.url}/login`);
  await shot(anonymous, 'login');
  await anonymous.fill('#token', 'not-a-token-0123456789');
  await anonymous.click('button[type=submit]');
  expect(await anonymous.textContent('.notice.error')).toContain('Sign-in failed: that token was not accepted.');
  await anonymous.close();

  // alice submitted it: she sees it, with no decision to make (and no approver role).
  const alice = await signedIn('alice');
  await alice.page.goto(`${server.url}/pipelines/${id}`);
  expect(await alice.page.locator('form[action$="/approve"]').count()).toBe(0);
  expect(await alice.page.textContent('[data-testid=read-only]')).toContain('deciding needs the approver role');
  await alice.context.close();

  // carol, a viewer: no forms; a POST without the CSRF token, and one with it, are both refused.
  const carol = await signedIn('carol');
  await carol.page.goto(`${server.url}/pipelines/${id}`);
  expect(await carol.page.locator('form[action$="/approve"], form[action$="/reject"]').count()).toBe(0);
  await postFromPage(carol.page, `/pipelines/${id}/approve`, {});
  expect(await carol.page.textContent('[data-testid=refusal]')).toContain('no valid CSRF token');
  await shot(carol.page, 'refused-forged-post');
  await carol.page.goto(`${server.url}/pipelines/${id}`);
  const csrf = await carol.page.getAttribute('input[name=_csrf]', 'value');
  await postFromPage(carol.page, `/pipelines/${id}/approve`, { _csrf: csrf! });
  expect(await carol.page.textContent('[data-testid=refusal]')).toContain('carol lacks the role for this: needs approver');
  await carol.context.close();
  expect((await h.request('GET', `/v1/pipelines/${id}`, { as: 'carol' })).body.stage).toBe('awaiting_approval');

  // bob: the inbox, the evidence, the decision.
  const bob = await signedIn('bob');
  const { page } = bob;
  // The dev server is shared with the suite's other tests, whose pipelines may be in the inbox too:
  // what this test owns is its own row.
  expect(await page.textContent('[data-testid=inbox-summary]')).toMatch(/you may decide [1-9]/);
  expect(await page.textContent(`tr[data-pipeline="${id}"]`)).toContain('may decide');
  await shot(page, 'inbox');
  await page.click(`a[href="/pipelines/${id}"]`);
  await page.waitForURL(`${server.url}/pipelines/${id}`);
  expect(await page.textContent('table.metrics')).toContain('Champion (v1)');
  await shot(page, 'pipeline');
  await page.fill('#comment', 'approved from the dashboard');
  await Promise.all([page.waitForURL(`${server.url}/pipelines/${id}/rollout`), page.click('[data-testid=approve]')]);

  // The rollout page reloads itself; read it until it shows what is expected (or the deadline passes).
  const rolloutShows = async (wanted: { percent?: string; state?: string; stage?: string; control?: string }) => {
    let seen: Record<string, string> = {};
    for (const by = Date.now() + 120_000; Date.now() < by; ) {
      await page.goto(`${server.url}/pipelines/${id}/rollout`);
      seen = {
        percent: (await page.textContent('[data-testid=rollout-percent]').catch(() => null)) ?? '',
        state: (await page.textContent('[data-testid=rollout-state]').catch(() => null)) ?? '',
        stage: (await page.textContent('[data-testid=stage]')) ?? '',
        control: (await page.locator(`[data-testid=rollout-${wanted.control ?? 'none'}]`).count()) > 0 ? (wanted.control ?? '') : '',
      };
      if (Object.entries(wanted).every(([key, value]) => seen[key] === value)) return;
      await page.waitForTimeout(250);
    }
    expect(seen).toMatchObject(wanted);
  };
  const press = async (action: string, reason?: string) => {
    if (reason !== undefined) await page.fill(`#reason-${action}`, reason);
    await Promise.all([page.waitForNavigation(), page.click(`[data-testid=rollout-${action}]`)]);
    expect(new URL(page.url()).pathname).toBe(`/pipelines/${id}/rollout`);
  };

  // The canary bakes at 10%: bob pauses it (the page says so and holds), resumes it, then promotes it now.
  await rolloutShows({ percent: '10%', stage: 'rolling_out', control: 'pause' });
  await press('pause', 'checking the canary by hand');
  expect(await page.textContent('[data-testid=flash]')).toContain('Pause sent');
  await rolloutShows({ percent: '10%', state: 'paused', control: 'resume' });
  await shot(page, 'rollout-paused');
  await press('resume');
  expect(await page.textContent('[data-testid=flash]')).toContain('Resume sent');
  await rolloutShows({ percent: '10%', state: 'baking', control: 'promote' });
  await press('promote', 'canary checked');
  expect(await page.textContent('[data-testid=flash]')).toContain('Promote sent');
  await rolloutShows({ percent: '100%', stage: 'succeeded' });
  expect(await page.locator('[data-testid=rollout-controls]').count()).toBe(0);
  await page.waitForSelector('body[data-charts-drawn="1"]');
  expect(await page.locator('[data-testid=weights-chart] canvas').count()).toBeGreaterThan(0);
  expect(await page.textContent('main')).toContain('promoted early by bob');
  await shot(page, 'rollout');
  expect((await edge.getTraffic(model))!.weights).toEqual({ '2': 100 });
  const decided = (await h.request('GET', `/v1/pipelines/${id}`, { as: 'carol' })).body;
  expect(decided.approval).toMatchObject({ decision: 'approved', by: 'bob', comment: 'approved from the dashboard' });

  // The other pages, each with its screenshot.
  await page.goto(`${server.url}/pipelines`);
  await shot(page, 'pipelines');
  await page.goto(`${server.url}/models`);
  await shot(page, 'models');
  await page.goto(`${server.url}/models/${model}/versions/2`);
  expect(await page.textContent('main')).toContain('Lineage');
  await shot(page, 'model-version');
  await edge.flush();
  await page.goto(`${server.url}/serving?model=${model}&range=15m`);
  await page.waitForSelector('body[data-charts-drawn="3"]');
  expect(await page.locator('[data-testid=drift-v2]').count()).toBe(1);
  await shot(page, 'serving');
  await page.goto(`${server.url}/audit?model=${model}`);
  expect(await page.textContent('[data-testid=audit]')).toContain('rollout.promoted');
  await shot(page, 'audit');

  // Sign-out ends the session: the inbox sends the browser back to sign in.
  await Promise.all([page.waitForURL(/\/login\?signed-out$/), page.click('form.whoami button')]);
  await page.goto(`${server.url}/`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await bob.context.close();
  expect(cspViolations).toEqual([]);
}, 240_000);
