import type { TenantDb } from '../../db/tenant-database.ts';
import { decoyPasswordHash, hashPassword, MAX_PASSWORD_LENGTH, passwordNeedsRehash, verifyPassword } from '../../crypto/passwords.ts';
import { findUserByEmail, type UserRow } from './users.repository.ts';
import { canonicalEmail } from './email.ts';
import type { TenantLoginKeys } from './login-keys.ts';
import { issueDeviceCookie, trustedDevice } from './device-cookie.ts';
import { failuresForAccountFromIp, failuresFromDevice, failuresFromIp, secondsUntil, submittedIdentifierHash, slowdownSeconds, throttleState } from './login-throttle.ts';
import { recordAttempt, settleAttempt, settleFailedSignIn, settleSignIn } from './login-attempts.repository.ts';

/**
 * Password sign-in shared by the login page and the legacy password grant. Every refusal looks
 * the same to the caller: `invalid_credentials` (unknown email, wrong password, disabled account
 * alike), or `throttled` with a retry time once the limits of login-throttle.ts are reached.
 * A success carries a fresh device cookie (device-cookie.ts) for callers that have a browser.
 */
export type AuthenticationResult =
  | { ok: true; user: UserRow; deviceCookie: string }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface PasswordAttempt {
  email: string;
  password: string;
  ip: string;
  /** The browser's device cookie, if it sent one. */
  deviceCookie?: string;
}

/**
 * A known and an unknown email do the same work: the same statements in the same order (the
 * account lookup runs for both; the failure update names no row for an unknown one) and one
 * argon2 verify (against a decoy hash when there is no account). Only input that is no address at
 * all skips the lookup, which tells the caller nothing it did not send.
 */
export async function authenticatePassword(db: TenantDb, keys: TenantLoginKeys, attempt: PasswordAttempt): Promise<AuthenticationResult> {
  const email = canonicalEmail(attempt.email);
  const hash = submittedIdentifierHash(keys, attempt.email);
  const device = trustedDevice(keys, hash, attempt.deviceCookie);
  // Recorded before anything is checked, so concurrent guesses count against each other.
  const attemptId = await recordAttempt(db, { identifierHash: hash, ip: attempt.ip, reason: 'pending', deviceId: device?.id });

  const [state, user] = await Promise.all([
    device
      ? throttleState(db, [failuresFromDevice(hash, device.id, attemptId)])
      : throttleState(db, [failuresFromIp(attempt.ip, attemptId), failuresForAccountFromIp(hash, attempt.ip, attemptId)], {
          identifierHash: hash,
          beforeId: attemptId,
        }),
    email ? findUserByEmail(db, email) : Promise.resolve(undefined),
  ]);
  if (state.until) {
    await settleAttempt(db, attemptId, 'throttled', user?.id ?? null);
    return { ok: false, reason: 'throttled', retryAfterSeconds: secondsUntil(state.until) };
  }

  // Always pay for one argon2 verify, so a missing account answers as slowly as a wrong password.
  const storedHash = user?.password_hash ?? (await decoyPasswordHash());
  const passwordOk = attempt.password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(storedHash, attempt.password));
  const ok = passwordOk && user !== undefined && user.password_hash !== null && user.status === 'active';

  if (!ok) {
    // Keeps the account's counters in step for admins (`tansu user list`): `locked_until` now says
    // until when strangers' failures slow sign-ins to it. One statement, known account or not.
    const delay = device ? 0 : slowdownSeconds(state.slowdownFailures + 1);
    const slowedUntil = delay > 0 ? new Date(Date.now() + delay * 1000) : null;
    await settleFailedSignIn(db, attemptId, user?.id, slowedUntil);
    return { ok: false, reason: 'invalid_credentials' };
  }

  // Parameters raised since this hash was made: store a fresh one while the password is at hand.
  const rehash = passwordNeedsRehash(user.password_hash!) ? await hashPassword(attempt.password) : undefined;
  // The attempt is settled by the same statement that updates the account: one round trip.
  await settleSignIn(db, attemptId, user.id, rehash);
  return { ok: true, user, deviceCookie: issueDeviceCookie(keys, hash, device) };
}
