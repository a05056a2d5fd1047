import type { Kysely } from 'kysely';
import type { TenantDatabase } from './schema.ts';
import { createKysely, createPool, databaseUrl } from './postgres.ts';
import type { ConnectionBudget } from './connection-budget.ts';

export type TenantDb = Kysely<TenantDatabase>;

/** A small pool on one tenant's database, within the process's connection budget when given; `destroy()` closes it. */
export function openTenantDatabase(clusterUrl: string, databaseName: string, max: number, applicationName = 'tansu-tenant', budget?: ConnectionBudget): TenantDb {
  const pool = createPool(databaseUrl(clusterUrl, databaseName), { max, idleTimeoutMillis: 10_000, applicationName, budget });
  return createKysely<TenantDatabase>(pool);
}
