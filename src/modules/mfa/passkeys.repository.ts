import { sql } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';
import type { PasskeyChallengePurpose, PasskeyDeviceType } from '../../db/schema.ts';
import type { FactorRow } from './mfa.repository.ts';

/* The SQL of passkeys: `mfa_factors` rows of kind `webauthn` and `webauthn_challenges` (migration 2026-12-02T0100). */

export interface NewPasskey {
  id: string;
  userId: string;
  label: string;
  credentialId: string;
  publicKey: Uint8Array;
  signCount: number;
  transports: string[];
  deviceType: PasskeyDeviceType;
  backedUp: boolean;
  userHandle: string;
}

/** Stores a verified registration, confirmed at once; false when the credential is registered already (a second tab). */
export async function insertPasskey(db: TenantDb, passkey: NewPasskey): Promise<boolean> {
  const result = await db
    .insertInto('mfa_factors')
    .values({
      id: passkey.id,
      user_id: passkey.userId,
      kind: 'webauthn',
      label: passkey.label,
      confirmed_at: new Date(),
      credential_id: passkey.credentialId,
      public_key: passkey.publicKey,
      sign_count: passkey.signCount,
      transports: passkey.transports,
      device_type: passkey.deviceType,
      backed_up: passkey.backedUp,
      user_handle: passkey.userHandle,
    })
    .onConflict((oc) => oc.column('credential_id').where('credential_id', 'is not', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return result !== undefined;
}

/** The passkey with this credential id in this tenant, whoever's it is (a passwordless sign-in learns the user from it). */
export function findPasskeyByCredentialId(db: TenantDb, credentialId: string): Promise<FactorRow | undefined> {
  return db.selectFrom('mfa_factors').selectAll().where('kind', '=', 'webauthn').where('credential_id', '=', credentialId).executeTakeFirst();
}

export function passkeysOf(db: TenantDb, userId: string): Promise<FactorRow[]> {
  return db.selectFrom('mfa_factors').selectAll().where('user_id', '=', userId).where('kind', '=', 'webauthn').orderBy('created_at').execute();
}

export async function hasPasskey(db: TenantDb, userId: string): Promise<boolean> {
  const row = await db.selectFrom('mfa_factors').select('id').where('user_id', '=', userId).where('kind', '=', 'webauthn').limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * Records a use: the new counter, the backup flags as the authenticator reports them now, the
 * time. Conditional on the counter the check read, so of two uses racing with one counter value
 * only one is recorded (the challenge is single-use anyway; this keeps the counter monotonic).
 */
export async function recordPasskeyUse(db: TenantDb, use: { factorId: string; readCount: string; newCount: number; deviceType: PasskeyDeviceType; backedUp: boolean }): Promise<boolean> {
  const result = await db
    .updateTable('mfa_factors')
    .set({ sign_count: use.newCount, device_type: use.deviceType, backed_up: use.backedUp, last_used_at: new Date() })
    .where('id', '=', use.factorId)
    .where('sign_count', '=', sql<string>`${use.readCount}::bigint`)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export interface ChallengeBinding {
  purpose: PasskeyChallengePurpose;
  /** An interaction uid, or an account session's provider session: who may answer it. */
  binding: string;
  userId: string | null;
}

/** Keeps a challenge until its answer comes back; clears a few expired ones on the way (no timer needed). */
export async function insertChallenge(db: TenantDb, challenge: string, bound: ChallengeBinding, lifetimeSeconds: number): Promise<void> {
  await sql`DELETE FROM webauthn_challenges WHERE challenge IN (SELECT challenge FROM webauthn_challenges WHERE expires_at < now() LIMIT 20)`.execute(db);
  await db
    .insertInto('webauthn_challenges')
    .values({
      challenge,
      purpose: bound.purpose,
      binding: bound.binding,
      user_id: bound.userId,
      expires_at: sql<Date>`now() + make_interval(secs => ${lifetimeSeconds})`,
    })
    .execute();
}

/**
 * Takes a challenge: one DELETE that matches it only unexpired, for the same purpose, binding
 * and user. Of two answers to one challenge exactly one gets it.
 */
export async function takeChallenge(db: TenantDb, challenge: string, bound: ChallengeBinding): Promise<boolean> {
  const row = await db
    .deleteFrom('webauthn_challenges')
    .where('challenge', '=', challenge)
    .where('purpose', '=', bound.purpose)
    .where('binding', '=', bound.binding)
    .where((eb) => (bound.userId === null ? eb('user_id', 'is', null) : eb('user_id', '=', bound.userId)))
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('challenge')
    .executeTakeFirst();
  return row !== undefined;
}
