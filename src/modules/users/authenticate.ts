import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';
import { decoyPasswordHash, hashPassword, passwordNeedsRehash, verifyPassword } from '../../crypto/passwords.ts';
import { findUserByEmail, type UserRow } from './users.repository.ts';

/**
 * Password sign-in shared by the login page, the signup API and the legacy password grant.
 * Failures are counted per identifier (even for unknown emails, so probing says nothing) and per
 * IP; past the limits further attempts are refused for a while. Every refusal looks the same
 * to the caller: `invalid_credentials`, or `throttled` with a retry time.
 */
export const THROTTLE = Object.freeze({
  windowSeconds: 15 * 60,
  /** Failures for one email within the window before it is locked. */
  maxFailuresPerIdentifier: 5,
  /** Failures from one IP within the window before it is refused. */
  maxFailuresPerIp: 30,
  lockSeconds: 15 * 60,
});

export type AuthenticationResult =
  | { ok: true; user: UserRow }
  | { ok: false; reason: 'invalid_credentials' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface PasswordAttempt {
  email: string;
  password: string;
  ip: string;
}

/** A keyed hash, so the login_attempts table does not become a list of probed emails. */
function identifierHash(tenantId: string, email: string): string {
  return crypto.createHash('sha256').update(`${tenantId}\0${email.trim().toLowerCase()}`).digest('hex');
}

async function recentFailures(db: TenantDb, column: 'identifier_hash' | 'ip', value: string): Promise<{ count: number; oldest: Date | null }> {
  const row = await db
    .selectFrom('login_attempts')
    .select([(eb) => eb.fn.countAll<string>().as('count'), (eb) => eb.fn.min('occurred_at').as('oldest')])
    .where(column, '=', value)
    .where('succeeded', '=', false)
    .where('occurred_at', '>', sql<Date>`now() - make_interval(secs => ${THROTTLE.windowSeconds})`)
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), oldest: row.oldest ? new Date(row.oldest as unknown as string) : null };
}

function secondsUntil(date: Date): number {
  return Math.max(1, Math.ceil((date.getTime() - Date.now()) / 1000));
}

export async function authenticatePassword(db: TenantDb, tenantId: string, attempt: PasswordAttempt): Promise<AuthenticationResult> {
  const email = attempt.email.trim().toLowerCase();
  const idHash = identifierHash(tenantId, email);

  const [byIdentifier, byIp, user] = await Promise.all([
    recentFailures(db, 'identifier_hash', idHash),
    recentFailures(db, 'ip', attempt.ip),
    email.length > 0 && email.length <= 254 ? findUserByEmail(db, email) : Promise.resolve(undefined),
  ]);

  if (byIp.count >= THROTTLE.maxFailuresPerIp && byIp.oldest) {
    return { ok: false, reason: 'throttled', retryAfterSeconds: secondsUntil(new Date(byIp.oldest.getTime() + THROTTLE.windowSeconds * 1000)) };
  }
  if (user?.locked_until && user.locked_until > new Date()) {
    return { ok: false, reason: 'throttled', retryAfterSeconds: secondsUntil(user.locked_until) };
  }
  if (byIdentifier.count >= THROTTLE.maxFailuresPerIdentifier && byIdentifier.oldest) {
    return { ok: false, reason: 'throttled', retryAfterSeconds: secondsUntil(new Date(byIdentifier.oldest.getTime() + THROTTLE.windowSeconds * 1000)) };
  }

  // Always pay for one argon2 verify, so a missing account answers as slowly as a wrong password.
  const hash = user?.password_hash ?? (await decoyPasswordHash());
  const passwordOk = attempt.password.length <= 1024 && (await verifyPassword(hash, attempt.password));
  const ok = passwordOk && user !== undefined && user.password_hash !== null && user.status === 'active';

  await db
    .insertInto('login_attempts')
    .values({ user_id: user?.id ?? null, identifier_hash: idHash, ip: attempt.ip, succeeded: ok, reason: ok ? null : 'invalid_credentials' })
    .execute();

  if (!ok) {
    if (user && byIdentifier.count + 1 >= THROTTLE.maxFailuresPerIdentifier) {
      await db
        .updateTable('users')
        .set({ locked_until: new Date(Date.now() + THROTTLE.lockSeconds * 1000), failed_login_count: sql<number>`failed_login_count + 1` })
        .where('id', '=', user.id)
        .execute();
    }
    return { ok: false, reason: 'invalid_credentials' };
  }

  const rehash = passwordNeedsRehash(user.password_hash!) ? await hashPassword(attempt.password) : undefined;
  await db
    .updateTable('users')
    .set({ last_login_at: new Date(), failed_login_count: 0, locked_until: null, ...(rehash ? { password_hash: rehash } : {}) })
    .where('id', '=', user.id)
    .execute();
  return { ok: true, user };
}
