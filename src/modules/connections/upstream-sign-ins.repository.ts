import { sql, type Selectable } from 'kysely';
import type { TenantDatabase } from '../../db/schema.ts';
import type { TenantDb } from '../../db/tenant-database.ts';

/**
 * The SQL of `upstream_sign_ins`, one row per trip to an upstream provider. Each step that may
 * happen once is an `UPDATE … WHERE <step> IS NULL RETURNING`: of two requests racing with the
 * same `state` (a replayed callback) or the same finished trip (a second tab), one gets the row.
 */

export type UpstreamSignInRow = Selectable<TenantDatabase['upstream_sign_ins']>;

export async function insertUpstreamSignIn(
  db: TenantDb,
  row: { stateHash: string; providerId: string; interactionUid: string; codeVerifier: string | null; nonce: string; lifetimeSeconds: number },
): Promise<string> {
  const inserted = await db
    .insertInto('upstream_sign_ins')
    .values({
      state_hash: row.stateHash,
      provider_id: row.providerId,
      interaction_uid: row.interactionUid,
      code_verifier: row.codeVerifier,
      nonce: row.nonce,
      expires_at: sql<Date>`now() + make_interval(secs => ${row.lifetimeSeconds})`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}

/**
 * The trip a callback's `state` belongs to, taken by this callback: never again by another. With
 * `providerId`, only a trip to that connection (a SAML answer comes to its connection's own ACS);
 * without, only a trip to an OpenID Connect or OAuth 2.0 connection, so the shared callback can
 * never take a SAML trip, whose key (the AuthnRequest's ID) has been through the browser in clear.
 */
export function consumeCallback(db: TenantDb, stateHash: string, providerId?: string): Promise<UpstreamSignInRow | undefined> {
  return db
    .updateTable('upstream_sign_ins')
    .set({ called_back_at: sql<Date>`now()` })
    .where('state_hash', '=', stateHash)
    .where(
      'provider_id',
      'in',
      providerId === undefined ? db.selectFrom('identity_providers').select('id').where('kind', '<>', 'saml') : [providerId],
    )
    .where('called_back_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** What the callback found out, for the interaction to finish with. */
export async function recordOutcome(db: TenantDb, id: string, outcome: Record<string, unknown>): Promise<void> {
  await db.updateTable('upstream_sign_ins').set({ outcome: JSON.stringify(outcome) }).where('id', '=', id).execute();
}

/** A trip of this interaction whose callback has been, not yet finished (the GET that shows a page reads only). */
export function findPendingOutcome(db: TenantDb, id: string, interactionUid: string): Promise<UpstreamSignInRow | undefined> {
  return db
    .selectFrom('upstream_sign_ins')
    .selectAll()
    .where('id', '=', id)
    .where('interaction_uid', '=', interactionUid)
    .where('outcome', 'is not', null)
    .where('finished_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
}

/** Takes the trip's outcome to finish the sign-in with, once. */
export function consumeOutcome(db: TenantDb, id: string, interactionUid: string): Promise<UpstreamSignInRow | undefined> {
  return db
    .updateTable('upstream_sign_ins')
    .set({ finished_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('interaction_uid', '=', interactionUid)
    .where('outcome', 'is not', null)
    .where('finished_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** Whether the interaction has been to a provider already (a hint is followed once). */
export async function hasUpstreamTrip(db: TenantDb, interactionUid: string): Promise<boolean> {
  const row = await db.selectFrom('upstream_sign_ins').select('id').where('interaction_uid', '=', interactionUid).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** The key-rotation sweep's share of housekeeping: trips past their lifetime, finished or not. */
export async function deleteExpiredUpstreamSignIns(db: TenantDb): Promise<number> {
  const result = await db.deleteFrom('upstream_sign_ins').where('expires_at', '<', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
