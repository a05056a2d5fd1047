import { sql } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';
import { decoyPasswordHash, hashPassword, MAX_PASSWORD_LENGTH, passwordNeedsRehash, verifyPassword } from '../../crypto/passwords.ts';
import { findUserByEmail, type UserRow } from './users.repository.ts';
import {
  failuresForIdentifier, failuresFromIp, identifierHash, limitedUntil, recordAttempt, secondsUntil, settleAttempt, settleAttemptQuery,
} from './login-throttle.ts';

/**
 * Password sign-in shared by the login page and the legacy password grant. Every refusal looks
 * the same to the caller: `invalid_credentials` (unknown email, wrong password, disabled account
 * alike), or `throttled` with a retry time once the limits of login-throttle.ts are reached.
 */
export type AuthenticationResult =
  | { ok: true; user: UserRow }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface PasswordAttempt {
  email: string;
  password: string;
  ip: string;
}

export async function authenticatePassword(db: TenantDb, tenantId: string, attempt: PasswordAttempt): Promise<AuthenticationResult> {
  const email = attempt.email.trim().toLowerCase();
  const hash = identifierHash(tenantId, email);
  // Recorded before anything is checked, so concurrent guesses count against each other.
  const attemptId = await recordAttempt(db, { identifierHash: hash, ip: attempt.ip, reason: 'pending' });

  const [until, user] = await Promise.all([
    limitedUntil(db, failuresFromIp(attempt.ip, attemptId), failuresForIdentifier(hash, attemptId)),
    email.length > 0 && email.length <= 254 ? findUserByEmail(db, email) : Promise.resolve(undefined),
  ]);
  if (until) {
    await settleAttempt(db, attemptId, 'throttled', user?.id);
    return { ok: false, reason: 'throttled', retryAfterSeconds: secondsUntil(until) };
  }

  // Always pay for one argon2 verify, so a missing account answers as slowly as a wrong password.
  const storedHash = user?.password_hash ?? (await decoyPasswordHash());
  const passwordOk = attempt.password.length <= MAX_PASSWORD_LENGTH && (await verifyPassword(storedHash, attempt.password));
  const ok = passwordOk && user !== undefined && user.password_hash !== null && user.status === 'active';

  if (!ok) {
    await settleAttempt(db, attemptId, 'invalid_credentials', user?.id);
    if (user) await noteFailure(db, user, hash);
    return { ok: false, reason: 'invalid_credentials' };
  }

  // Parameters raised since this hash was made: store a fresh one while the password is at hand.
  const rehash = passwordNeedsRehash(user.password_hash!) ? await hashPassword(attempt.password) : undefined;
  // The attempt is settled by the same statement that updates the account: one round trip.
  await db
    .with('settled', (qc) => settleAttemptQuery(qc, attemptId, 'signed_in', user.id))
    .updateTable('users')
    .set({ last_login_at: new Date(), failed_login_count: 0, locked_until: null, ...(rehash ? { password_hash: rehash, updated_at: new Date() } : {}) })
    .where('id', '=', user.id)
    .execute();
  return { ok: true, user };
}

/** Keeps the account's counters in step, so admins see a locked account in `tansu user list`. */
async function noteFailure(db: TenantDb, user: UserRow, hash: string): Promise<void> {
  const lockedUntil = (await limitedUntil(db, failuresForIdentifier(hash))) ?? null;
  await db
    .updateTable('users')
    .set({ failed_login_count: sql<number>`failed_login_count + 1`, locked_until: lockedUntil })
    .where('id', '=', user.id)
    .execute();
}
