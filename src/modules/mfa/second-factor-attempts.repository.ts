import { sql } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';
import { ipBucket } from '../users/ip-bucket.ts';

/*
 * Second-factor attempts are rows of `login_attempts` too (users/login-attempts.repository.ts
 * owns the table), so an account's sign-in activity shows them beside its password sign-ins.
 * Unlike a password attempt, one is the account's from the start (`user_id` is known: the
 * password was right), and the limit counts by account, through the index
 * `login_attempts_user`. Their reasons are their own, so no password limit counts them.
 */

export type SecondFactorOutcome = 'mfa_failed' | 'mfa_passed' | 'throttled';

/** Recorded `mfa_pending` before the code is checked, so parallel guesses count against each other. */
export async function recordSecondFactorAttempt(db: TenantDb, attempt: { userId: string; identifierHash: string; ip: string }): Promise<string> {
  const row = await db
    .insertInto('login_attempts')
    .values({
      user_id: attempt.userId,
      identifier_hash: attempt.identifierHash,
      ip: attempt.ip,
      ip_bucket: ipBucket(attempt.ip),
      succeeded: false,
      reason: 'mfa_pending',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function settleSecondFactorAttempt(db: TenantDb, id: string, outcome: SecondFactorOutcome): Promise<void> {
  await db.updateTable('login_attempts').set({ reason: outcome, succeeded: outcome === 'mfa_passed' }).where('id', '=', id).execute();
}

/**
 * When the `nth` most recent failed (or still pending) second-factor attempt of the account
 * before `beforeId` happened, within the window and since its last passed one; null when there
 * are fewer.
 */
export async function nthSecondFactorFailureAt(db: TenantDb, query: { userId: string; beforeId: string; windowSeconds: number; nth: number }): Promise<Date | null> {
  const row = await db
    .selectFrom('login_attempts')
    .select('occurred_at')
    .where('user_id', '=', query.userId)
    .where('reason', 'in', ['mfa_pending', 'mfa_failed'])
    .where('occurred_at', '>', sql<Date>`now() - make_interval(secs => ${query.windowSeconds})`)
    .where('id', '<', query.beforeId)
    .where('id', '>', (eb) =>
      eb
        .selectFrom('login_attempts as passed')
        .select(sql<string>`coalesce(max(passed.id), 0)`.as('id'))
        .where('passed.user_id', '=', query.userId)
        .where('passed.reason', '=', 'mfa_passed'),
    )
    .orderBy('id', 'desc')
    .offset(query.nth - 1)
    .limit(1)
    .executeTakeFirst();
  return row ? new Date(row.occurred_at) : null;
}
