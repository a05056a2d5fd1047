import crypto from 'node:crypto';
import {
  databaseExists, cloneDatabase, closeDatabaseToPublic, createDatabase, dropDatabase, renameDatabase, withMaintenanceSession, createKysely,
  createPool, databaseUrl,
} from '../db/postgres.ts';
import { migrateToLatest } from '../db/migrator.ts';
import { pgCode } from '../errors.ts';
import type pg from 'pg';

/**
 * Each cluster keeps `tansu_tenant_template` migrated to the latest tenant schema, so a new tenant
 * is one copy away (or one rename, with a spare copy made ahead). Migrating the template takes an exclusive advisory lock; cloning it takes
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
      } else {
        // A template from before tenant roles still admits PUBLIC.
        await closeDatabaseToPublic(client, TEMPLATE_DATABASE);
      }
      const db = createKysely(createPool(databaseUrl(clusterUrl, TEMPLATE_DATABASE), { max: 1, applicationName: 'tansu-template' }));
      let applied: string[];
      try {
        applied = (await migrateToLatest(db, 'tenant', migrationsFolder)).applied;
      } finally {
        await db.destroy();
      }
      // Spares are copies of the template as it was: a new schema makes them unusable.
      if (applied.length > 0) await dropSpareDatabases(client);
      return applied;
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

/*
 * Spare databases: copies of the template made ahead of time, so creating a tenant renames one (a
 * catalog update) instead of copying ~8 MB while the caller waits. Claims and refills hold the
 * template's shared lock and a migration drops the spares under the exclusive one, so no spare
 * outlives the template version it was copied from.
 */
const SPARE_PREFIX = 'tansu_spare_';
export const SPARES_PER_CLUSTER = 2;

async function listSpares(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tansu\\_spare\\_%' ORDER BY datname");
  return rows.map((r) => r.datname);
}

/**
 * A spare is copied under this name and renamed to SPARE_PREFIX only once it is closed to PUBLIC:
 * CREATE DATABASE and the REVOKE after it are two statements, and a creation claiming (renaming)
 * the spare between them made the REVOKE fail with "tuple concurrently updated", or miss the
 * database altogether.
 */
const FILLING_PREFIX = 'tansu_filling_';

async function dropSpareDatabases(client: pg.Client): Promise<void> {
  for (const spare of await listSpares(client)) await dropDatabase(client, spare);
  // Copies a process left half made (it died between the copy and the rename); none is being made
  // now, since copies hold the template's shared lock and this runs under the exclusive one.
  const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tansu\\_filling\\_%'");
  for (const { datname } of rows) await dropDatabase(client, datname);
}

/** The spare each cluster's refill is copying right now, in this process. */
const sparesBeingCopied = new Map<string, Promise<unknown>>();

/**
 * Gives `name` a fresh copy of the template: a ready spare renamed; else, when this process is
 * already copying one, that spare as soon as it is done (sooner than a second copy competing for
 * the same disk); else a clone of its own.
 */
export async function createFromTemplate(client: pg.Client, clusterUrl: string, name: string): Promise<'spare' | 'clone'> {
  // Wait before taking the lock: a refill step may still have to take its own shared lock, and
  // behind a migration queued for the exclusive one it would wait for us while we wait for it.
  if ((await listSpares(client)).length === 0) await sparesBeingCopied.get(clusterUrl)?.catch(() => {});
  return withTemplateReadLock(client, async () => {
    if (await claimSpare(client, name)) return 'spare';
    await cloneDatabase(client, name, TEMPLATE_DATABASE);
    return 'clone';
  });
}

async function claimSpare(client: pg.Client, name: string): Promise<boolean> {
  for (const spare of await listSpares(client)) {
    try {
      await renameDatabase(client, spare, name);
      return true;
    } catch (error) {
      // Another creation renamed this one first: try the next.
      if (pgCode(error) !== '3D000') throw error;
    }
  }
  return false;
}

const refills = new Map<string, Promise<void>>();

/**
 * Tops the cluster's spares up to SPARES_PER_CLUSTER, one copy at a time; one refill per cluster
 * per process. Callers run it in the background: without spares, creation simply clones.
 */
export function refillSpareDatabases(clusterUrl: string): Promise<void> {
  let refill = refills.get(clusterUrl);
  if (!refill) {
    refill = withMaintenanceSession(clusterUrl, async (client) => {
      // Each step (count, then copy if short) is announced before it starts, so a creation never
      // sees a gap between two copies and starts a competing one.
      for (let copied = true; copied; ) {
        const step = (async () => {
          if ((await listSpares(client)).length >= SPARES_PER_CLUSTER) return false;
          const suffix = crypto.randomBytes(6).toString('hex');
          await withTemplateReadLock(client, async () => {
            await cloneDatabase(client, FILLING_PREFIX + suffix, TEMPLATE_DATABASE);
            await renameDatabase(client, FILLING_PREFIX + suffix, SPARE_PREFIX + suffix);
          });
          return true;
        })();
        sparesBeingCopied.set(clusterUrl, step);
        try {
          copied = await step;
        } finally {
          sparesBeingCopied.delete(clusterUrl);
        }
      }
    }).finally(() => refills.delete(clusterUrl));
    refills.set(clusterUrl, refill);
  }
  return refill;
}
