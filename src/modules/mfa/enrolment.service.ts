import crypto from 'node:crypto';
import { AppError } from '../../errors.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { newTotpSecret, totpCodeOf, totpStepOf, totpUri } from './totp.ts';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes.ts';
import { openFactorSecret, sealFactorSecret } from './factor-secret.ts';
import { confirmFactor, deleteUnconfirmedFactors, findFactor, hasConfirmedFactor, insertFactor, replaceRecoveryCodes, unusedRecoveryCodeCount } from './mfa.repository.ts';

/**
 * Setting up an authenticator app: a secret is made and stored sealed but unconfirmed; the
 * person scans it (QR code of the otpauth URI, or the secret typed in) and proves it with a
 * code, which confirms the factor. Only confirmed factors are asked for at sign-in. Used by the
 * sign-in (routes/interactions/, when the tenant requires a factor) and meant for the account
 * page too: nothing here knows where the person is.
 */

export const DEFAULT_TOTP_LABEL = 'Authenticator app';
const MAX_LABEL_LENGTH = 100;

export interface TotpEnrolment {
  factorId: string;
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  /** `otpauth://totp/…`, for the QR code. */
  uri: string;
}

export interface EnrolmentInput {
  userId: string;
  /** How the app lists the account: the tenant's name as issuer, the user's email as account. */
  issuerName: string;
  accountName: string;
  label?: string;
}

/** A factor's label as given, trimmed; `invalid_label` when empty or too long. */
export function checkedLabel(label: string | undefined): string {
  const text = (label ?? DEFAULT_TOTP_LABEL).trim();
  if (!text || text.length > MAX_LABEL_LENGTH) throw new AppError('invalid_label', `a factor's label is 1 to ${MAX_LABEL_LENGTH} characters`);
  return text;
}

/** Starts a TOTP enrolment; one the user started before and never confirmed is dropped. */
export async function startTotpEnrolment(scope: TenantScope, input: EnrolmentInput): Promise<TotpEnrolment> {
  const label = checkedLabel(input.label);
  const factorId = crypto.randomUUID();
  const secret = newTotpSecret();
  await scope.db.transaction().execute(async (trx) => {
    await deleteUnconfirmedFactors(trx, input.userId, 'totp');
    await insertFactor(trx, { id: factorId, userId: input.userId, kind: 'totp', label, secretEncrypted: sealFactorSecret(scope.secrets, input.userId, factorId, secret) });
  });
  return { factorId, secret, uri: totpUri(secret, input.issuerName, input.accountName) };
}

/** The enrolment again (a reloaded page), while it is unconfirmed; undefined once it is not. */
export async function pendingTotpEnrolment(scope: TenantScope, input: EnrolmentInput & { factorId: string }): Promise<TotpEnrolment | undefined> {
  const factor = await findFactor(scope.db, input.userId, input.factorId);
  if (!factor || factor.kind !== 'totp' || factor.confirmed_at !== null) return undefined;
  const secret = openFactorSecret(scope.secrets, factor)!;
  return { factorId: factor.id, secret, uri: totpUri(secret, input.issuerName, input.accountName) };
}

export type EnrolmentConfirmation =
  /** `recoveryCodes` when the user had none left: shown once, only their digests are kept. */
  | { ok: true; recoveryCodes: string[] | undefined }
  | { ok: false; reason: 'invalid_code' | 'enrolment_not_found' };

/**
 * Confirms an enrolment with a code from the app. The code's time step is used up with it, so
 * the same code cannot also pass a sign-in. A user's first factor comes with recovery codes.
 */
export async function confirmTotpEnrolment(scope: TenantScope, input: { userId: string; factorId: string; code: string }, actor: Actor): Promise<EnrolmentConfirmation> {
  const factor = await findFactor(scope.db, input.userId, input.factorId);
  if (!factor || factor.kind !== 'totp' || factor.confirmed_at !== null) return { ok: false, reason: 'enrolment_not_found' };
  const code = totpCodeOf(input.code);
  const step = code === undefined ? undefined : await totpStepOf(openFactorSecret(scope.secrets, factor)!, code);
  if (step === undefined) return { ok: false, reason: 'invalid_code' };
  return scope.db.transaction().execute(async (trx) => {
    if (!(await confirmFactor(trx, input.userId, factor.id, step))) return { ok: false as const, reason: 'enrolment_not_found' as const };
    const recoveryCodes = (await unusedRecoveryCodeCount(trx, input.userId)) === 0 ? newRecoveryCodes() : undefined;
    if (recoveryCodes) await replaceRecoveryCodes(trx, input.userId, recoveryCodes.map(recoveryCodeHash));
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'user.mfa_factor_added',
      target: input.userId,
      details: { factor_id: factor.id, kind: factor.kind, label: factor.label, recovery_codes_issued: recoveryCodes !== undefined },
    });
    return { ok: true as const, recoveryCodes };
  });
}

/** New recovery codes for a user with a factor; every earlier code stops working. Shown once. */
export async function regenerateRecoveryCodes(scope: TenantScope, input: { userId: string }, actor: Actor): Promise<string[]> {
  const codes = newRecoveryCodes();
  await scope.db.transaction().execute(async (trx) => {
    if (!(await hasConfirmedFactor(trx, input.userId))) throw new AppError('no_second_factor', 'recovery codes stand in for a second factor, and this user has none', 409);
    await replaceRecoveryCodes(trx, input.userId, codes.map(recoveryCodeHash));
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'user.recovery_codes_regenerated', target: input.userId });
  });
  return codes;
}
