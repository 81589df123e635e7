// Opens the registry (a libSQL file by default, Turso/sqld by URL), applies committed migrations and
// seals audit events written before the audit log was hash-chained (registry/audit-chain-writer.ts).
import { fileURLToPath } from 'node:url';
import type { Client } from '@libsql/client';
import { drizzle, type LibSQLDatabase } from 'drizzle-orm/libsql';
import { migrate } from 'drizzle-orm/libsql/migrator';
import * as schema from '../drizzle/schema';
import { sealUnchainedAudit } from './audit-chain-writer';
import { openLibsqlClient } from './open-libsql-client';

export type RegistryDb = LibSQLDatabase<typeof schema>;

const migrationsFolder = fileURLToPath(new URL('../drizzle/migrations', import.meta.url));

export async function openRegistry(url: string, authToken?: string): Promise<{ db: RegistryDb; client: Client }> {
  const client = await openLibsqlClient(url, authToken);
  await client.execute('PRAGMA foreign_keys = ON');
  const db = drizzle(client, { schema });
  await migrate(db, { migrationsFolder });
  await sealUnchainedAudit(db);
  return { db, client };
}
