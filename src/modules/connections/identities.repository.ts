import { sql } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';

/** The SQL of `user_identities`: which upstream account (connection + subject) signs in as which user. */

export interface IdentityRow {
  id: string;
  provider_id: string;
  connection: string;
  subject: string;
  user_id: string;
  email: string | null;
  linked_at: Date;
  last_signed_in_at: Date | null;
}

const withConnection = (db: TenantDb) =>
  db
    .selectFrom('user_identities')
    .innerJoin('identity_providers', 'identity_providers.id', 'user_identities.provider_id')
    .select([
      'user_identities.id',
      'user_identities.provider_id',
      'identity_providers.name as connection',
      'user_identities.subject',
      'user_identities.user_id',
      'user_identities.email',
      'user_identities.linked_at',
      'user_identities.last_signed_in_at',
    ]);

/**
 * The user an upstream account signs in as, and notes the sign-in (the address the provider gave
 * this time, and when), in one statement. Undefined when the account is not linked to anyone.
 */
export async function touchIdentity(db: TenantDb, providerId: string, subject: string, email: string | null): Promise<{ user_id: string } | undefined> {
  return db
    .updateTable('user_identities')
    .set({ last_signed_in_at: sql<Date>`now()`, email })
    .where('provider_id', '=', providerId)
    .where('subject', '=', subject)
    .returning('user_id')
    .executeTakeFirst();
}

/** Links the upstream account to the user; undefined when it is already linked (to anyone). */
export function insertIdentity(db: TenantDb, identity: { providerId: string; subject: string; userId: string; email: string | null }) {
  return db
    .insertInto('user_identities')
    .values({ provider_id: identity.providerId, subject: identity.subject, user_id: identity.userId, email: identity.email, last_signed_in_at: sql<Date>`now()` })
    .onConflict((oc) => oc.columns(['provider_id', 'subject']).doNothing())
    .returning(['id'])
    .executeTakeFirst();
}

/** A user's identities, oldest link first; a user has a handful at most. */
export function identitiesOf(db: TenantDb, userId: string): Promise<IdentityRow[]> {
  return withConnection(db).where('user_identities.user_id', '=', userId).orderBy('user_identities.linked_at').orderBy('user_identities.id').execute();
}

/** Removes one identity of the user; the row as it was, or undefined when the user has no such identity. */
export async function deleteIdentity(db: TenantDb, userId: string, identityId: string): Promise<IdentityRow | undefined> {
  const row = await withConnection(db).where('user_identities.id', '=', identityId).where('user_identities.user_id', '=', userId).executeTakeFirst();
  if (!row) return undefined;
  await db.deleteFrom('user_identities').where('id', '=', identityId).execute();
  return row;
}

/** The user's row locked until the transaction ends, with whether it has a password: the ways to sign in cannot change meanwhile. */
export function lockUserSignInWays(db: TenantDb, userId: string): Promise<{ id: string; has_password: boolean } | undefined> {
  return db
    .selectFrom('users')
    .select(['id', sql<boolean>`password_hash IS NOT NULL`.as('has_password')])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}
