import { sql } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';

/** The tenant's `settings` table: one JSON value per key. */
export async function readSetting(db: TenantDb, key: string): Promise<unknown> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/** Several keys in one query; a key without a row is absent from the map. */
export async function readSettings(db: TenantDb, keys: readonly string[]): Promise<Map<string, unknown>> {
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'in', [...keys]).execute();
  return new Map(rows.map((row) => [row.key, row.value]));
}

export async function writeSetting(db: TenantDb, key: string, value: unknown): Promise<void> {
  const json = JSON.stringify(value);
  await db
    .insertInto('settings')
    .values({ key, value: json })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: sql<Date>`now()` }))
    .execute();
}

export async function deleteSetting(db: TenantDb, key: string): Promise<void> {
  await db.deleteFrom('settings').where('key', '=', key).execute();
}

// The class of the tenant database's advisory locks (signing-keys.repository.ts holds key 1).
const LOCK_CLASS = 7_411_002;
const SETTINGS_LOCK = 3;

/**
 * Waits for, then holds until `trx` ends, the lock of the tenant's settings: two admins changing
 * settings at once are applied one after the other, each judged (If-Match) against what the
 * other wrote. A row lock cannot do it: a setting never written has no row yet.
 */
export async function lockSettings(trx: TenantDb): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, ${SETTINGS_LOCK})`.execute(trx);
}
