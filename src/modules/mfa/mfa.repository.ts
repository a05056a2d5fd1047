import type { Selectable } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';
import type { MfaFactorKind, TenantDatabase } from '../../db/schema.ts';

/* The SQL of `mfa_factors` and `mfa_recovery_codes` (migration 2026-12-01T1400). */

export type FactorRow = Selectable<TenantDatabase['mfa_factors']>;

/** A factor as it may be shown: never its secret. */
export type FactorSummary = Pick<FactorRow, 'id' | 'kind' | 'label' | 'confirmed_at' | 'last_used_at' | 'created_at'>;

export async function insertFactor(db: TenantDb, factor: { id: string; userId: string; kind: MfaFactorKind; label: string; secretEncrypted: string | null }): Promise<void> {
  await db
    .insertInto('mfa_factors')
    .values({ id: factor.id, user_id: factor.userId, kind: factor.kind, label: factor.label, secret_encrypted: factor.secretEncrypted })
    .execute();
}

/** An enrolment started and never confirmed is dropped when the next one starts. */
export async function deleteUnconfirmedFactors(db: TenantDb, userId: string, kind: MfaFactorKind): Promise<void> {
  await db.deleteFrom('mfa_factors').where('user_id', '=', userId).where('kind', '=', kind).where('confirmed_at', 'is', null).execute();
}

export function findFactor(db: TenantDb, userId: string, factorId: string): Promise<FactorRow | undefined> {
  return db.selectFrom('mfa_factors').selectAll().where('id', '=', factorId).where('user_id', '=', userId).executeTakeFirst();
}

export function confirmedFactorsOf(db: TenantDb, userId: string): Promise<FactorRow[]> {
  return db.selectFrom('mfa_factors').selectAll().where('user_id', '=', userId).where('confirmed_at', 'is not', null).orderBy('created_at').execute();
}

export function listFactorsOf(db: TenantDb, userId: string): Promise<FactorSummary[]> {
  return db
    .selectFrom('mfa_factors')
    .select(['id', 'kind', 'label', 'confirmed_at', 'last_used_at', 'created_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .execute();
}

/** Whether the user has a confirmed factor: what the password grant asks. */
export async function hasConfirmedFactor(db: TenantDb, userId: string): Promise<boolean> {
  const row = await db.selectFrom('mfa_factors').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * Confirms an enrolment with the step of its first code, which is thereby used up. Conditional,
 * so a factor is confirmed once; false when it was not (gone, confirmed already, another user's).
 */
export async function confirmFactor(db: TenantDb, userId: string, factorId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('mfa_factors')
    .set({ confirmed_at: new Date(), last_used_step: step, last_used_at: new Date() })
    .where('id', '=', factorId)
    .where('user_id', '=', userId)
    .where('confirmed_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/**
 * Takes a TOTP time step for a confirmed factor only if it is newer than the last one taken: one
 * UPDATE, so of two requests with one code (or two codes of one step) exactly one gets through.
 */
export async function acceptTotpStep(db: TenantDb, factorId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('mfa_factors')
    .set({ last_used_step: step, last_used_at: new Date() })
    .where('id', '=', factorId)
    .where('confirmed_at', 'is not', null)
    .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

/** Removes every factor and recovery code of a user (two statements: call it in a transaction); returns how many of each went. */
export async function deleteSecondFactorsOf(trx: TenantDb, userId: string): Promise<{ factors: number; recoveryCodes: number }> {
  const factors = await trx.deleteFrom('mfa_factors').where('user_id', '=', userId).executeTakeFirst();
  const codes = await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).executeTakeFirst();
  return { factors: Number(factors.numDeletedRows), recoveryCodes: Number(codes.numDeletedRows) };
}

/** The user's recovery codes become these (digests); every earlier code, used or not, is void. Two statements: call it in a transaction. */
export async function replaceRecoveryCodes(trx: TenantDb, userId: string, hashes: string[]): Promise<void> {
  await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).execute();
  await trx
    .insertInto('mfa_recovery_codes')
    .values(hashes.map((code_hash) => ({ user_id: userId, code_hash })))
    .execute();
}

/** Uses a recovery code: one UPDATE that takes only an unused row, so a code works once. */
export async function useRecoveryCode(db: TenantDb, userId: string, hash: string): Promise<boolean> {
  const result = await db
    .updateTable('mfa_recovery_codes')
    .set({ used_at: new Date() })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}

export async function unusedRecoveryCodeCount(db: TenantDb, userId: string): Promise<number> {
  const row = await db
    .selectFrom('mfa_recovery_codes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The ids of the user's confirmed factors, their rows locked until the transaction ends: two
 * removals at once cannot each believe the other factor stays.
 */
export async function lockConfirmedFactorIds(trx: TenantDb, userId: string): Promise<string[]> {
  const rows = await trx.selectFrom('mfa_factors').select('id').where('user_id', '=', userId).where('confirmed_at', 'is not', null).forUpdate().execute();
  return rows.map((row) => row.id);
}

/** Removes one factor of the user; false when they have no such factor. */
export async function deleteFactor(trx: TenantDb, userId: string, factorId: string): Promise<boolean> {
  const result = await trx.deleteFrom('mfa_factors').where('id', '=', factorId).where('user_id', '=', userId).executeTakeFirst();
  return result.numDeletedRows === 1n;
}

/** Removes the user's recovery codes (with their last factor: they stand in for one). */
export async function deleteRecoveryCodesOf(trx: TenantDb, userId: string): Promise<number> {
  const result = await trx.deleteFrom('mfa_recovery_codes').where('user_id', '=', userId).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Gives one factor of the user a new label; false when they have no such factor. */
export async function updateFactorLabel(db: TenantDb, userId: string, factorId: string, label: string): Promise<boolean> {
  const result = await db.updateTable('mfa_factors').set({ label }).where('id', '=', factorId).where('user_id', '=', userId).executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
