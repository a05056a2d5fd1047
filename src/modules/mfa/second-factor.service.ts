import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import type { TenantLoginKeys } from '../users/login-keys.ts';
import { secondsUntil, submittedIdentifierHash } from '../users/login-throttle.ts';
import { totpCodeOf, totpStepOf } from './totp.ts';
import { recoveryCodeHash, recoveryCodeOf } from './recovery-codes.ts';
import { openFactorSecret } from './factor-secret.ts';
import { acceptTotpStep, confirmedFactorsOf, unusedRecoveryCodeCount, useRecoveryCode } from './mfa.repository.ts';
import { readTenantSettings } from '../settings/settings.service.ts';
import type { MfaSettings } from '../settings/mfa-policy.ts';
import { findUserById, isActiveTenantAdmin, type UserRow } from '../users/users.repository.ts';
import { nthSecondFactorFailureAt, recordSecondFactorAttempt, settleSecondFactorAttempt } from './second-factor-attempts.repository.ts';

/**
 * The second step of a sign-in: a code from the user's authenticator app, or one of their
 * recovery codes. Whoever gets here knew the password, so the limit is the account's, from
 * everywhere: `maxFailures` wrong codes within the window (since the last right one), then no
 * code is even checked until the oldest of them leaves the window. That leaves an attacker with
 * the password 5 guesses per quarter of an hour, each matching 3 of a million codes (the step
 * window): about one chance in 700 per day, while the owner, who is asked for a new password
 * anyway once someone else has it, waits at most 15 minutes.
 */
export const SECOND_FACTOR_THROTTLE = Object.freeze({ windowSeconds: 15 * 60, maxFailures: 5 });

export type SecondFactorMethod = 'otp' | 'recovery_code';

export type SecondFactorResult =
  | { ok: true; method: SecondFactorMethod }
  | { ok: false; reason: 'invalid_code' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface SecondFactorAttempt {
  user: { id: string; email: string };
  code: string;
  ip: string;
}

/** Checks a code for the user's confirmed factors, then their recovery codes; each is used up by the check that accepts it. */
export async function verifySecondFactor(scope: TenantScope, keys: TenantLoginKeys, attempt: SecondFactorAttempt): Promise<SecondFactorResult> {
  const { db } = scope;
  const userId = attempt.user.id;
  const attemptId = await recordSecondFactorAttempt(db, { userId, identifierHash: submittedIdentifierHash(keys, attempt.user.email), ip: attempt.ip });
  const { windowSeconds, maxFailures } = SECOND_FACTOR_THROTTLE;
  const nth = await nthSecondFactorFailureAt(db, { userId, beforeId: attemptId, windowSeconds, nth: maxFailures });
  const lifts = nth && new Date(nth.getTime() + windowSeconds * 1000);
  if (lifts && lifts.getTime() > Date.now()) {
    await settleSecondFactorAttempt(db, attemptId, 'throttled');
    return { ok: false, reason: 'throttled', retryAfterSeconds: secondsUntil(lifts) };
  }
  const method = await acceptedMethod(scope, userId, attempt.code);
  await settleSecondFactorAttempt(db, attemptId, method ? 'mfa_passed' : 'mfa_failed');
  if (!method) return { ok: false, reason: 'invalid_code' };
  if (method === 'recovery_code') {
    const left = await unusedRecoveryCodeCount(db, userId);
    const actor: Actor = { type: 'user', id: userId, ip: attempt.ip };
    await recordAuditEvent(db, { actor: actorText(actor), ip: attempt.ip, action: 'user.recovery_code_used', target: userId, details: { recovery_codes_left: left } });
  }
  return { ok: true, method };
}

async function acceptedMethod(scope: TenantScope, userId: string, input: string): Promise<SecondFactorMethod | undefined> {
  const totpCode = totpCodeOf(input);
  if (totpCode !== undefined) {
    for (const factor of await confirmedFactorsOf(scope.db, userId)) {
      if (factor.kind !== 'totp') continue;
      const step = await totpStepOf(openFactorSecret(scope.secrets, factor)!, totpCode);
      // A code of a step already used (a replay, or the code before the last one) is refused.
      if (step !== undefined && (await acceptTotpStep(scope.db, factor.id, step))) return 'otp';
    }
    return undefined;
  }
  const recoveryCode = recoveryCodeOf(input);
  if (recoveryCode !== undefined && (await useRecoveryCode(scope.db, userId, recoveryCodeHash(recoveryCode)))) return 'recovery_code';
  return undefined;
}

/** What deciding a sign-in's second step needs to know of the account and the tenant (second-factor-policy.ts). */
export interface SecondFactorContext {
  user: UserRow;
  mfa: MfaSettings;
  /** The user's confirmed factors, for the remembered-browser fingerprint (remember-browser.ts). */
  factorIds: string[];
  /** Asked only where the policy singles TenantAdmins out. */
  isTenantAdmin: boolean;
}

/** undefined when the account is gone or disabled. */
export async function secondFactorContext(scope: TenantScope, userId: string): Promise<SecondFactorContext | undefined> {
  const [user, factors, { mfa }] = await Promise.all([findUserById(scope.db, userId), confirmedFactorsOf(scope.db, userId), readTenantSettings(scope)]);
  if (!user || user.status !== 'active') return undefined;
  const isTenantAdmin = mfa.requiredForTenantAdmins && factors.length === 0 ? await isActiveTenantAdmin(scope.db, userId) : false;
  return { user, mfa, factorIds: factors.map((factor) => factor.id), isTenantAdmin };
}
