import { sql, type AliasedSelectQueryBuilder, type QueryCreator } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';
import type { TenantDatabase } from '../../db/schema.ts';
import { CURSOR_PART, decodeCursor, encodeCursor, pageOf, timestampCursorPart, withoutCursorAt, type Page, type PageRequest } from '../../db/page.ts';
import { ipBucket } from './ip-bucket.ts';

/*
 * The SQL of `login_attempts`, one row per sign-in or signup attempt; which rows count, and when
 * they refuse an attempt, is login-throttle.ts.
 */

/**
 * What a row records. `pending` is written before the password is checked, so parallel guesses
 * count against the limit before any of them finishes; `throttled` rows are refusals and never
 * count, so hammering a locked account does not extend its lock.
 *
 * `mail_requested` rows are requests for a mailed link (mail-throttle.ts), counted by their own
 * limits and never as failures. `mfa_*` rows are second-factor attempts
 * (mfa/second-factor-attempts.repository.ts), counted by the account alone.
 */
export const ATTEMPT_REASONS = [
  'pending',
  'signed_in',
  'invalid_credentials',
  'throttled',
  'signup',
  'signup_rejected',
  'mail_requested',
  'mfa_pending',
  'mfa_passed',
  'mfa_failed',
] as const;
export type AttemptReason = (typeof ATTEMPT_REASONS)[number];

export async function recordAttempt(
  db: TenantDb,
  attempt: { identifierHash: string; ip: string; reason: AttemptReason; deviceId?: string | null },
): Promise<string> {
  const row = await db
    .insertInto('login_attempts')
    .values({
      identifier_hash: attempt.identifierHash,
      ip: attempt.ip,
      ip_bucket: ipBucket(attempt.ip),
      device_id: attempt.deviceId ?? null,
      succeeded: attempt.reason === 'signed_in' || attempt.reason === 'signup',
      reason: attempt.reason,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * The update that records how an attempt ended; also usable as a CTE next to other writes. It
 * always sets `user_id` (NULL for an unknown account), so both cases send the same statement.
 */
export function settleAttemptQuery(db: QueryCreator<TenantDatabase>, id: string, reason: AttemptReason, userId: string | null) {
  return db
    .updateTable('login_attempts')
    .set({ reason, succeeded: reason === 'signed_in' || reason === 'signup', user_id: userId })
    .where('id', '=', id)
    .returning('id');
}

export async function settleAttempt(db: TenantDb, id: string, reason: AttemptReason, userId: string | null = null): Promise<void> {
  await settleAttemptQuery(db, id, reason, userId).execute();
}

/**
 * A sign-in through an upstream connection (modules/connections/): a settled row naming the
 * connection, and the account's last sign-in, in one statement. No throttle counts these: the
 * provider checked the person, and a failure there never reaches this server as a guess.
 */
export async function recordConnectionSignIn(db: TenantDb, attempt: { identifierHash: string; ip: string; userId: string; connection: string }): Promise<void> {
  await db
    .with('recorded', (qc) =>
      qc
        .insertInto('login_attempts')
        .values({
          identifier_hash: attempt.identifierHash,
          ip: attempt.ip,
          ip_bucket: ipBucket(attempt.ip),
          user_id: attempt.userId,
          succeeded: true,
          reason: 'signed_in',
          connection: attempt.connection,
        })
        .returning('id'),
    )
    .updateTable('users')
    .set({ last_login_at: new Date() })
    .where('id', '=', attempt.userId)
    .execute();
}

/** No account has this id (gen_random_uuid never makes it): the failure update of an unknown email touches no row. */
const NO_USER = '00000000-0000-0000-0000-000000000000';

/**
 * Settles a failed sign-in and keeps the account's counters in step, in one statement whether or
 * not the account exists (`userId` undefined names no row): the same work either way.
 */
export async function settleFailedSignIn(db: TenantDb, attemptId: string, userId: string | undefined, slowedUntil: Date | null): Promise<void> {
  await db
    .with('settled', (qc) => settleAttemptQuery(qc, attemptId, 'invalid_credentials', userId ?? null))
    .updateTable('users')
    .set({ failed_login_count: sql<number>`failed_login_count + 1`, locked_until: sql<Date | null>`greatest(locked_until, ${slowedUntil})` })
    .where('id', '=', userId ?? NO_USER)
    .execute();
}

/** Settles a successful sign-in by the same statement that updates the account (and stores a fresh hash, if given). */
export async function settleSignIn(db: TenantDb, attemptId: string, userId: string, rehash: string | undefined): Promise<void> {
  await db
    .with('settled', (qc) => settleAttemptQuery(qc, attemptId, 'signed_in', userId))
    .updateTable('users')
    .set({ last_login_at: new Date(), failed_login_count: 0, locked_until: null, ...(rehash ? { password_hash: rehash, updated_at: new Date() } : {}) })
    .where('id', '=', userId)
    .execute();
}

export type AttemptMatch = { identifier_hash?: string; ip_bucket?: string; device_id?: string | null };

export interface CountedAttempts {
  match: AttemptMatch;
  reasons: AttemptReason[];
  /** Only rows older than this attempt: an attempt is judged by what came before it. */
  beforeId: string;
  /** Count across successful sign-ins too (the mail limits: signing in does not refill a mailbox's allowance). */
  acrossSignIns?: boolean;
}

/** Attempts within the window that match, since the last successful sign-in that matches when an identifier is named. */
function countedAttempts(db: TenantDb, counted: CountedAttempts, windowSeconds: number) {
  const { match, reasons, beforeId } = counted;
  let select = db
    .selectFrom('login_attempts')
    .where('reason', 'in', reasons)
    .where('occurred_at', '>', sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
    .where('id', '<', beforeId);
  for (const [column, value] of Object.entries(match) as [keyof AttemptMatch, string | null][]) {
    select = value === null ? select.where(column, 'is', null) : select.where(column, '=', value);
  }
  const identifier = match.identifier_hash;
  if (identifier !== undefined && !counted.acrossSignIns) {
    // A successful sign-in starts a count afresh, but only one from where the count is kept: the
    // owner signing in elsewhere does not give an attacker's address or device a new budget.
    select = select.where('id', '>', (eb) => {
      let success = eb
        .selectFrom('login_attempts as success')
        .select(sql<string>`coalesce(max(success.id), 0)`.as('id'))
        .where('success.identifier_hash', '=', identifier)
        .where('success.reason', '=', 'signed_in');
      if (match.ip_bucket !== undefined) success = success.where('success.ip_bucket', '=', match.ip_bucket);
      if (typeof match.device_id === 'string') success = success.where('success.device_id', '=', match.device_id);
      return success;
    });
  }
  return select;
}

export interface AttemptCounts {
  /** Per limit: when its `nth` most recent counted attempt happened; null when there are fewer. */
  nthAt: (Date | null)[];
  /** Counted attempts of the slowdown, at most its horizon (0 without one). */
  slowdownCount: number;
  /** The latest counted attempt of the slowdown. */
  slowdownLatestAt: Date | null;
}

/**
 * Everything the limits look at, read in one statement: a sign-in pays one round trip for all
 * of them, not one each.
 */
export async function readAttemptCounts(
  db: TenantDb,
  windowSeconds: number,
  limits: Array<CountedAttempts & { nth: number }>,
  slowdown?: CountedAttempts & { horizon: number },
): Promise<AttemptCounts> {
  const selections: AliasedSelectQueryBuilder<Record<string, unknown>, string>[] = limits.map((limit, index) =>
    countedAttempts(db, limit, windowSeconds)
      .select('occurred_at')
      .orderBy('id', 'desc')
      .offset(limit.nth - 1)
      .limit(1)
      .as(`limit_${index}`),
  );
  if (slowdown) {
    const recent = countedAttempts(db, slowdown, windowSeconds).select('id').orderBy('id', 'desc').limit(slowdown.horizon);
    selections.push(
      db.selectFrom(recent.as('recent')).select(sql<number>`count(*)::int`.as('n')).as('slowdown_failures'),
      countedAttempts(db, slowdown, windowSeconds).select('occurred_at').orderBy('id', 'desc').limit(1).as('slowdown_latest'),
    );
  }
  const row = (await db.selectNoFrom(selections).executeTakeFirstOrThrow()) as Record<string, unknown>;
  const at = (value: unknown) => (value ? new Date(value as Date) : null);
  return {
    nthAt: limits.map((_, index) => at(row[`limit_${index}`])),
    slowdownCount: slowdown ? Number(row.slowdown_failures) : 0,
    slowdownLatestAt: slowdown ? at(row.slowdown_latest) : null,
  };
}

/** Deletes attempts older than `days`; returns how many. */
export async function deleteLoginAttemptsOlderThan(db: TenantDb, days: number): Promise<number> {
  const result = await db
    .deleteFrom('login_attempts')
    .where('occurred_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface LoginActivityRow {
  id: string;
  occurred_at: Date;
  ip: string;
  succeeded: boolean;
  reason: string | null;
  /** The attempt came from a browser with a device cookie of an earlier sign-in (device-cookie.ts). */
  known_device: boolean;
  /** The upstream connection of a sign-in through one; null for the password. */
  connection: string | null;
}

/**
 * A page of one account's sign-in attempts, newest first (index `login_attempts_user`). An
 * attempt is the account's once it was settled against it: failures with its email count, an
 * attempt still being checked does not show yet.
 */
export async function listLoginActivity(db: TenantDb, userId: string, page: PageRequest): Promise<Page<LoginActivityRow>> {
  const [beforeId] = page.cursor === undefined ? [] : decodeCursor(page.cursor, 'login_activity', [/^\d{1,19}$/]);
  return pageOf(
    page,
    (limit) => {
      let query = db
        .selectFrom('login_attempts')
        .select(['id', 'occurred_at', 'ip', 'succeeded', 'reason', sql<boolean>`device_id IS NOT NULL`.as('known_device'), 'connection'])
        .where('user_id', '=', userId);
      if (beforeId !== undefined) query = query.where('id', '<', beforeId);
      return query.orderBy('id', 'desc').limit(limit).execute();
    },
    (row) => encodeCursor('login_activity', [String(row.id)]),
  );
}

/** Which attempts to read: each given field must match; `since` inclusive, `until` exclusive. */
export interface AttemptFilter {
  userId?: string;
  identifierHash?: string;
  reason?: AttemptReason;
  since?: Date;
  until?: Date;
}

export interface AttemptRow {
  id: string;
  occurred_at: Date;
  user_id: string | null;
  ip: string;
  succeeded: boolean;
  reason: string | null;
  /** Whether the browser presented a device cookie (the cookie's id stays in the table). */
  known_device: boolean;
  connection: string | null;
}

/**
 * Attempts newest first, by keyset on `(occurred_at, id)` (indexes of migration 2026-12-01T0900;
 * per email, `login_attempts_identifier`). The keyed email digest stays in the table: it means
 * nothing outside the tenant, and a caller asking by email has it computed (login-activity.ts).
 */
export async function listLoginAttempts(db: TenantDb, filter: AttemptFilter, page: PageRequest): Promise<Page<AttemptRow>> {
  const after = page.cursor === undefined ? undefined : decodeCursor(page.cursor, 'login_attempts', [CURSOR_PART.timestamp, CURSOR_PART.serial]);
  return withoutCursorAt(
    await pageOf(
      page,
      (limit) => {
        let query = db
          .selectFrom('login_attempts')
          .select(['id', 'occurred_at', 'user_id', 'ip', 'succeeded', 'reason', sql<boolean>`device_id IS NOT NULL`.as('known_device'), 'connection'])
          .select(timestampCursorPart('occurred_at').as('cursor_at'));
        if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
        if (filter.identifierHash !== undefined) query = query.where('identifier_hash', '=', filter.identifierHash);
        if (filter.reason !== undefined) query = query.where('reason', '=', filter.reason);
        if (filter.since !== undefined) query = query.where('occurred_at', '>=', filter.since);
        if (filter.until !== undefined) query = query.where('occurred_at', '<', filter.until);
        if (after) query = query.where(sql<boolean>`(occurred_at, id) < (${after[0]}::timestamptz, ${after[1]}::bigint)`);
        return query.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      },
      (row) => encodeCursor('login_attempts', [row.cursor_at, row.id]),
    ),
  );
}
