// /v1/audit pages the hash-chained audit log newest first, filtered by model, actor, action and time;
// /v1/audit/verify walks the chain; a version's detail carries its own newest events.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GENESIS_HASH } from '../../../core/audit/audit-chain';
import type { AuditEvent } from '../../../registry/registry-types';
import { openControlFixture, type ControlFixture } from './control-app-fixture';

let f: ControlFixture;
beforeAll(async () => {
  f = await openControlFixture('audit-happy');
});
afterAll(() => f?.close());
beforeEach(() => f.reset());
afterEach(() => vi.useRealTimers());

/** Appends events at the given instants (Date alone is faked, so `at` is known). */
async function appendAt(events: Array<AuditEvent & { at: string }>) {
  vi.useFakeTimers({ toFake: ['Date'] });
  for (const { at, ...event } of events) {
    vi.setSystemTime(new Date(at));
    await f.registry.appendAudit(event);
  }
  vi.useRealTimers();
}

const get = async (query: string, as: 'carol' | 'root' = 'carol') => {
  const res = await f.request('GET', `/v1/audit${query}`, { as });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { events: Array<Record<string, any>>; nextCursor: string | null };
};

describe('GET /v1/audit', () => {
  it('lists events newest first, each linked to the one before it', async () => {
    await appendAt([
      { at: '2026-02-01T10:00:00Z', dedupeKey: 'list-1', actor: 'list-actor', event: 'pipeline.started', modelName: 'breast-cancer', pipelineId: 'breast-cancer-00000000000000aa', details: { b: 1, a: [1, 2] } },
      { at: '2026-02-01T10:00:01Z', dedupeKey: 'list-2', actor: 'list-actor', event: 'rollout.step', modelName: 'breast-cancer', version: 3 },
    ]);
    await f.settle();
    const { events, nextCursor } = await get('?actor=list-actor');
    expect(nextCursor).toBeNull();
    expect(events).toEqual([
      { id: expect.any(Number), dedupeKey: 'list-2', at: '2026-02-01T10:00:01.000Z', actor: 'list-actor', event: 'rollout.step', modelName: 'breast-cancer', version: 3, pipelineId: null, details: {}, prevHash: events[1]!.hash, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
      { id: expect.any(Number), dedupeKey: 'list-1', at: '2026-02-01T10:00:00.000Z', actor: 'list-actor', event: 'pipeline.started', modelName: 'breast-cancer', version: null, pipelineId: 'breast-cancer-00000000000000aa', details: { b: 1, a: [1, 2] }, prevHash: expect.stringMatching(/^[0-9a-f]{64}$/), hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(events[0]!.id).toBeGreaterThan(events[1]!.id);
    await f.expectNothingDone();
  });

  it('appends an event once however often its dedupe key is retried', async () => {
    const event = { dedupeKey: 'retried-1', actor: 'retry-actor', event: 'pipeline.training', details: { attempt: 1 } };
    await f.registry.appendAudit(event);
    await f.registry.appendAudit({ ...event, details: { attempt: 2 } });
    await Promise.all([f.registry.appendAudit(event), f.registry.appendAudit(event)]);
    expect((await get('?actor=retry-actor')).events).toMatchObject([{ dedupeKey: 'retried-1', details: { attempt: 1 } }]);
  });

  it('filters by model, actor, exact action and action prefix, together', async () => {
    await appendAt([
      { at: '2026-03-01T00:00:00Z', dedupeKey: 'filter-1', actor: 'filter-a', event: 'rollout.started', modelName: 'breast-cancer' },
      { at: '2026-03-01T00:00:01Z', dedupeKey: 'filter-2', actor: 'filter-a', event: 'rollout.promoted', modelName: 'no-retrain' },
      { at: '2026-03-01T00:00:02Z', dedupeKey: 'filter-3', actor: 'filter-b', event: 'rollout.promoted', modelName: 'breast-cancer' },
      { at: '2026-03-01T00:00:03Z', dedupeKey: 'filter-4', actor: 'filter-a', event: 'rollouts.other', modelName: 'breast-cancer' },
      { at: '2026-03-01T00:00:04Z', dedupeKey: 'filter-5', actor: 'filter-a', event: 'rollout', modelName: 'breast-cancer' },
    ]);
    const keys = async (query: string) => (await get(query)).events.map((e) => e.dedupeKey);
    expect(await keys('?actor=filter-a')).toEqual(['filter-5', 'filter-4', 'filter-2', 'filter-1']);
    expect(await keys('?actor=filter-a&model=breast-cancer')).toEqual(['filter-5', 'filter-4', 'filter-1']);
    expect(await keys('?actor=filter-a&action=rollout.')).toEqual(['filter-2', 'filter-1']);
    expect(await keys('?actor=filter-a&action=rollout')).toEqual(['filter-5']);
    expect(await keys('?model=breast-cancer&action=rollout.promoted')).toEqual(['filter-3']);
    expect(await keys('?actor=nobody')).toEqual([]);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    await appendAt([
      { at: '2026-04-01T00:00:00Z', dedupeKey: 'time-1', actor: 'time-actor', event: 'pipeline.started' },
      { at: '2026-04-02T00:00:00Z', dedupeKey: 'time-2', actor: 'time-actor', event: 'pipeline.started' },
      { at: '2026-04-03T00:00:00Z', dedupeKey: 'time-3', actor: 'time-actor', event: 'pipeline.started' },
    ]);
    const keys = async (query: string) => (await get(`?actor=time-actor${query}`)).events.map((e) => e.dedupeKey);
    expect(await keys('&from=2026-04-02T00:00:00Z')).toEqual(['time-3', 'time-2']);
    expect(await keys('&to=2026-04-02T00:00:00Z')).toEqual(['time-1']);
    expect(await keys('&from=2026-04-01T12:00:00Z&to=2026-04-03T00:00:00.001Z')).toEqual(['time-3', 'time-2']);
    expect(await keys('&from=2026-04-02T02:00:00%2B02:00&to=2026-04-02T00:00:01Z')).toEqual(['time-2']);
  });

  it('pages with an opaque cursor until nextCursor is null, keeping the filters', async () => {
    await appendAt(Array.from({ length: 7 }, (_, i) => ({ at: '2026-05-01T00:00:00Z', dedupeKey: `page-${i}`, actor: 'page-actor', event: i % 2 ? 'approval.approved' : 'pipeline.started' })));
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await get(`?actor=page-actor&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.events.length).toBeLessThanOrEqual(3);
      seen.push(...page.events.map((e) => e.dedupeKey));
      cursor = page.nextCursor;
      if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(['page-6', 'page-5', 'page-4', 'page-3', 'page-2', 'page-1', 'page-0']);

    const first = await get('?actor=page-actor&action=approval.approved&limit=2');
    expect(first.events.map((e) => e.dedupeKey)).toEqual(['page-5', 'page-3']);
    const second = await get(`?actor=page-actor&action=approval.approved&limit=2&cursor=${first.nextCursor}`);
    expect(second).toEqual({ events: [expect.objectContaining({ dedupeKey: 'page-1' })], nextCursor: null });
  });

  it('answers 100 events by default and up to 1000 when asked', async () => {
    for (let i = 0; i < 1001; i++) await f.registry.appendAudit({ dedupeKey: `bulk-${i}`, actor: 'bulk-actor', event: 'pipeline.started' });
    const byDefault = await get('?actor=bulk-actor');
    expect(byDefault.events).toHaveLength(100);
    expect(byDefault.events[0]!.dedupeKey).toBe('bulk-1000');
    expect(byDefault.nextCursor).not.toBeNull();
    const most = await get('?actor=bulk-actor&limit=1000');
    expect(most.events).toHaveLength(1000);
    const rest = await get(`?actor=bulk-actor&limit=1000&cursor=${most.nextCursor}`);
    expect(rest).toEqual({ events: [expect.objectContaining({ dedupeKey: 'bulk-0' })], nextCursor: null });
  });
});

describe('GET /v1/audit/verify', () => {
  it('finds the whole chain intact, with the events the registry wrote itself', async () => {
    await f.registerVersion('breast-cancer', 'approved');
    await f.registry.setAlias('breast-cancer', 'champion', 1, 'root');
    const total = (await f.registry.listAudit({ limit: 1_000_000 })).length;
    const res = await get('/verify', 'root');
    expect(res).toEqual({ ok: true, events: total, head: { id: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const [oldest] = await f.registry.listAudit({ limit: 1 });
    expect(oldest!.prevHash).toBe(GENESIS_HASH);
  });
});

describe('GET /v1/models/:name/versions/:v', () => {
  it("carries the version's and its pipeline's newest 200 events, oldest first, and no other version's", async () => {
    const v = await f.registerVersion('no-retrain', 'approved');
    const other = await f.registerVersion('no-retrain', 'approved');
    const { pipelineId } = await f.registry.requireVersion('no-retrain', v);
    for (let i = 0; i < 240; i++) {
      await f.registry.appendAudit({ dedupeKey: `detail-${i}`, actor: 'windsock', event: 'rollout.step', modelName: 'no-retrain', version: v, details: { i } });
      if (i % 40 === 0) await f.registry.appendAudit({ dedupeKey: `detail-other-${i}`, actor: 'windsock', event: 'rollout.step', modelName: 'no-retrain', version: other });
    }
    await f.registry.appendAudit({ dedupeKey: 'detail-pipeline', actor: 'windsock', event: 'pipeline.succeeded', modelName: 'no-retrain', pipelineId });
    const res = await f.request('GET', `/v1/models/no-retrain/versions/${v}`, { as: 'carol' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const keys = res.body.audit.map((e: { dedupeKey: string }) => e.dedupeKey);
    expect(keys).toEqual([...Array.from({ length: 199 }, (_, i) => `detail-${i + 41}`), 'detail-pipeline']);
  });
});
