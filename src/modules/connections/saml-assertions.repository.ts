import { sql } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';

/**
 * The SQL of `saml_assertions`, the replay cache. An assertion's ID goes in once: of two posts of
 * the same assertion (a replay, or a double submit racing), the primary key lets one insert win,
 * and the other gets no row back.
 */
export async function recordAssertionOnce(db: TenantDb, row: { providerId: string; assertionId: string; expiresAt: Date }): Promise<boolean> {
  const inserted = await db
    .insertInto('saml_assertions')
    .values({ provider_id: row.providerId, assertion_id: row.assertionId, expires_at: row.expiresAt })
    .onConflict((conflict) => conflict.columns(['provider_id', 'assertion_id']).doNothing())
    .returning('assertion_id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** The key-rotation sweep's share: assertions past their lifetime, which their time check refuses anyway. */
export async function deleteExpiredSamlAssertions(db: TenantDb): Promise<number> {
  const result = await db.deleteFrom('saml_assertions').where('expires_at', '<', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
