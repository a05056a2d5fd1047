import { databaseExists, createDatabase, withMaintenanceSession, createKysely, createPool, databaseUrl } from '../db/postgres.ts';
import { migrateToLatest } from '../db/migrator.ts';
import type pg from 'pg';

/**
 * Each cluster keeps `tansu_tenant_template` migrated to the latest tenant schema, so a new tenant
 * is one file copy away. Migrating the template takes an exclusive advisory lock; cloning it takes
 * the shared one, so a clone never sees a half-migrated template.
 */
export const TEMPLATE_DATABASE = 'tansu_tenant_template';
const LOCK_CLASS = 7_411_001;
const TEMPLATE_LOCK = 1;

const readyClusters = new Map<string, Promise<string[]>>();

export interface TemplateOptions {
  /** Migrate again even if this process already did (fleet migrations). */
  force?: boolean;
  /** Another folder of tenant migrations (tests add one). */
  migrationsFolder?: string;
}

/** Creates and migrates the template once per process per cluster (again with `force`). Returns applied migrations. */
export function ensureTenantTemplate(clusterUrl: string, options: TemplateOptions = {}): Promise<string[]> {
  let ready = readyClusters.get(clusterUrl);
  if (!ready || options.force) {
    ready = migrateTemplate(clusterUrl, options.migrationsFolder);
    readyClusters.set(clusterUrl, ready);
    ready.catch(() => readyClusters.delete(clusterUrl));
  }
  return ready;
}

async function migrateTemplate(clusterUrl: string, migrationsFolder: string | undefined): Promise<string[]> {
  return withMaintenanceSession(clusterUrl, async (client) => {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, TEMPLATE_LOCK]);
    try {
      if (!(await databaseExists(client, TEMPLATE_DATABASE))) {
        await createDatabase(client, TEMPLATE_DATABASE);
      }
      const db = createKysely(createPool(databaseUrl(clusterUrl, TEMPLATE_DATABASE), { max: 1, applicationName: 'tansu-template' }));
      try {
        return (await migrateToLatest(db, 'tenant', migrationsFolder)).applied;
      } finally {
        await db.destroy();
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, TEMPLATE_LOCK]);
    }
  });
}

/** Runs `work` while holding the template's shared lock on this maintenance session. */
export async function withTemplateReadLock<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query('SELECT pg_advisory_lock_shared($1, $2)', [LOCK_CLASS, TEMPLATE_LOCK]);
  try {
    return await work();
  } finally {
    await client.query('SELECT pg_advisory_unlock_shared($1, $2)', [LOCK_CLASS, TEMPLATE_LOCK]);
  }
}
