// The read-only pages, as any signed-in principal sees them: models and versions with lineage and the
// model card, the audit log with its filters, and serving (with no edge, and with one that fails).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openControlFixture, type ControlFixture } from './control-app-fixture';
import { page, signIn } from './dashboard-browserless';

let f: ControlFixture;
let cookie: string;
let version: number;
beforeAll(async () => {
  f = await openControlFixture('dashboard-pages');
  await f.reset();
  version = await f.registerVersion('breast-cancer', 'approved');
  await f.registry.appendAudit({ dedupeKey: 'dashboard-pages-1', actor: 'bob', event: 'approval.approved', modelName: 'breast-cancer', version, details: { comment: 'fine' } });
  ({ cookie } = await signIn(f.app, 'carol'));
});
afterAll(() => f?.close());

describe('models', () => {
  it('lists the registry’s models with links to their versions', async () => {
    const res = await page(f.app, '/models', cookie);
    expect(res.status).toBe(200);
    expect(res.html).toContain('href="/models/breast-cancer"');
    expect(res.html).toContain(`href="/models/breast-cancer/versions/${version}"`);
  });

  it('shows a model’s versions with status and metrics', async () => {
    const res = await page(f.app, '/models/breast-cancer', cookie);
    expect(res.html).toContain(`>v${version}</a>`);
    expect(res.html).toContain('approved');
    expect(res.html).toContain('0.9900');
  });

  it('shows a version’s lineage, evaluation and confusion matrix from its model card, and the card as Markdown', async () => {
    const res = await page(f.app, `/models/breast-cancer/versions/${version}`, cookie);
    expect(res.status).toBe(200);
    expect(res.html).toContain('Lineage');
    expect(res.html).toContain('file:///data.csv');
    expect(res.html).toContain('local job fixture-run-1');
    expect(res.html).toContain('class="diagonal">1</td>');
    const md = await page(f.app, `/models/breast-cancer/versions/${version}/card.md`, cookie);
    expect(md.headers.get('content-type')).toMatch(/text\/markdown/);
    expect(md.html).toMatch(/^# /);
  });
});

describe('audit log', () => {
  it('lists events newest first and filters by actor', async () => {
    const all = await page(f.app, '/audit', cookie);
    expect(all.html).toContain('<td>approval.approved</td>');
    const none = await page(f.app, '/audit?actor=nobody', cookie);
    expect(none.html).not.toContain('<td>approval.approved</td>');
  });

  it('a filter the API refuses shows its message', async () => {
    const res = await page(f.app, '/audit?action=Not%20An%20Event', cookie);
    expect(res.status).toBe(200);
    expect(res.html).toContain('query.action');
  });
});

describe('serving', () => {
  it('says when no edge is configured', async () => {
    const { cookie: own } = await signIn(f.appWithoutEdge, 'carol');
    const res = await page(f.appWithoutEdge, '/serving', own);
    expect(res.html).toContain('No edge is configured');
  });

  it('says when the edge does not answer, rather than failing the page', async () => {
    const res = await page(f.app, '/serving?model=breast-cancer&range=15m', cookie);
    expect(res.status).toBe(200);
    expect(res.html).toContain('The edge did not answer');
  });
});
