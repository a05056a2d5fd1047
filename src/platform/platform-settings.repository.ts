import { sql, type Kysely } from 'kysely';
import type { PlatformDatabase } from '../db/schema.ts';

type Db = Kysely<PlatformDatabase>;

/** The platform's `platform_settings` table: one JSON value per key; undefined when never written. */
export async function readPlatformSetting(db: Db, key: string): Promise<unknown> {
  const row = await db.selectFrom('platform_settings').select('value').where('key', '=', key).executeTakeFirst();
  return row?.value;
}

/**
 * Writes a setting and answers the value it replaced (undefined when there was none), in one
 * statement: the subquery in RETURNING sees the table as it was before this statement, so two
 * processes writing at once each learn what they overwrote, never a value read a moment earlier.
 */
export async function writePlatformSetting(db: Db, key: string, value: unknown): Promise<unknown> {
  const json = JSON.stringify(value);
  const result = await sql<{ previous: unknown }>`
    INSERT INTO platform_settings (key, value) VALUES (${key}, ${json}::jsonb)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()
    RETURNING (SELECT value FROM platform_settings WHERE key = ${key}) AS previous`.execute(db);
  return result.rows[0]?.previous ?? undefined;
}
