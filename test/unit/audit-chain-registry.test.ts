// The audit chain on a real libSQL file: appends from several stores and processes at once still form
// one chain, and events written before the chain existed are sealed by the first open after it.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createClient } from '@libsql/client';
import { drizzle } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH } from '../../core/audit/audit-chain';
import { openRegistry } from '../../registry/open-registry';
import { RegistryStore } from '../../registry/registry-store';

const root = fileURLToPath(new URL('../..', import.meta.url));
const homes: string[] = [];
const opened: Array<{ close(): void }> = [];
afterEach(() => {
  for (const client of opened.splice(0)) client.close();
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function registryUrl(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'windsock-audit-chain-'));
  homes.push(home);
  return `file:${path.join(home, 'registry.db')}`;
}

async function openStore(url: string): Promise<RegistryStore> {
  const { db, client } = await openRegistry(url);
  opened.push(client);
  return new RegistryStore(db);
}

describe('audit chain under concurrent appends', () => {
  it('two stores on one file, 200 appends at once (some retried): one intact chain of 200 events', async () => {
    const url = registryUrl();
    const [a, b] = [await openStore(url), await openStore(url)];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => {
        const event = { dedupeKey: `concurrent-${i}`, actor: i % 2 ? 'a' : 'b', event: 'pipeline.started', details: { i } };
        // Every tenth event is also appended by the other store, as a retried activity would.
        return Promise.all([(i % 2 ? a : b).appendAudit(event), ...(i % 10 === 0 ? [(i % 2 ? b : a).appendAudit(event)] : [])]);
      }),
    );
    const events = await a.listAudit({ limit: 1000 });
    expect(new Set(events.map((e) => e.dedupeKey)).size).toBe(200);
    expect(events).toHaveLength(200);
    expect(await b.verifyAudit()).toEqual({ ok: true, events: 200, head: { id: events.at(-1)!.id, hash: events.at(-1)!.hash } });
  });

  it('two processes on one file, 100 appends each at once: one intact chain of 200 events', async () => {
    const url = registryUrl();
    const store = await openStore(url);
    const run = promisify(execFile);
    const child = (prefix: string) => run(process.execPath, ['--import', 'tsx', path.join(root, 'test/unit/append-audit-process.ts'), url, prefix, '100'], { cwd: root, timeout: 60_000 });
    const outputs = await Promise.all([child('first'), child('second')]);
    expect(outputs.map((o) => o.stdout.trim())).toEqual(['done', 'done']);
    const events = await store.listAudit({ limit: 1000 });
    expect(new Set(events.map((e) => e.dedupeKey)).size).toBe(200);
    expect(await store.verifyAudit()).toMatchObject({ ok: true, events: 200 });
  });
});

describe('events from before the chain', () => {
  it('are chained from the genesis hash by the first open after the migration, and only then', async () => {
    const url = registryUrl();
    // The registry as it was before the chain's migration, with two events in it.
    const oldMigrations = path.join(path.dirname(url.slice('file:'.length)), 'old-migrations');
    cpSync(path.join(root, 'drizzle/migrations'), oldMigrations, { recursive: true });
    const journalPath = path.join(oldMigrations, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
    const chainIndex = journal.entries.findIndex((e) => e.tag.endsWith('_audit_hash_chain'));
    expect(chainIndex).toBeGreaterThan(0);
    writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, chainIndex) }));
    const old = createClient({ url });
    await migrate(drizzle(old), { migrationsFolder: oldMigrations });
    for (const [key, at] of [['legacy-1', 1_700_000_000_000], ['legacy-2', 1_700_000_000_001]] as const) {
      await old.execute({ sql: `INSERT INTO audit_events (dedupe_key, at, actor, event, details) VALUES (?, ?, 'windsock', 'pipeline.started', '{"b":1,"a":2}')`, args: [key, at] });
    }
    old.close();

    const store = await openStore(url);
    await store.appendAudit({ dedupeKey: 'after-1', actor: 'windsock', event: 'pipeline.succeeded' });
    const events = await store.listAudit();
    expect(events.map((e) => e.dedupeKey)).toEqual(['legacy-1', 'legacy-2', 'after-1']);
    expect(events[0]!.prevHash).toBe(GENESIS_HASH);
    expect(await store.verifyAudit()).toMatchObject({ ok: true, events: 3 });

    // Once a chain exists, a blanked hash is not resealed by the next open: verification reports it.
    const raw = createClient({ url });
    await raw.execute({ sql: `UPDATE audit_events SET hash = '', details = '{"a":3}' WHERE dedupe_key = 'legacy-2'` });
    raw.close();
    const reopened = await openStore(url);
    expect(await reopened.verifyAudit()).toMatchObject({ ok: false, events: 2, firstBadEvent: { id: events[1]!.id, problem: 'hash_mismatch', message: expect.stringContaining('stored with hash (none)') } });
  });
});
