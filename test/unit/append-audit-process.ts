// A second process appending audit events to a registry file, for audit-chain-registry.test.ts:
// `node --import tsx append-audit-process.ts <registry url> <key prefix> <count>`. It appends them
// all at once (as a busy worker would) and prints `done` when every append has returned.
import { openRegistry } from '../../registry/open-registry';
import { RegistryStore } from '../../registry/registry-store';

const [url, prefix, count] = process.argv.slice(2);
const { db, client } = await openRegistry(url!);
const store = new RegistryStore(db);
await Promise.all(
  Array.from({ length: Number(count) }, (_, i) => store.appendAudit({ dedupeKey: `${prefix}-${i}`, actor: prefix!, event: 'pipeline.started', details: { i } })),
);
client.close();
console.log('done');
