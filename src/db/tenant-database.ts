import type { Kysely } from 'kysely';
import type { TenantDatabase } from './schema.ts';
import { createKysely, createPool, databaseUrl } from './postgres.ts';

export type TenantDb = Kysely<TenantDatabase>;

/** A small pool on one tenant's database; `destroy()` closes it. */
export function openTenantDatabase(clusterUrl: string, databaseName: string, max: number, applicationName = 'tansu-tenant'): TenantDb {
  const pool = createPool(databaseUrl(clusterUrl, databaseName), { max, idleTimeoutMillis: 10_000, applicationName });
  return createKysely<TenantDatabase>(pool);
}
