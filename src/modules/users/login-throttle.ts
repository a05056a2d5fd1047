import crypto from 'node:crypto';
import { sql, type QueryCreator } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';
import type { TenantDatabase } from '../../db/schema.ts';

/**
 * Limits shared by the login page, the password grant and the signup API. Every attempt is a row
 * in `login_attempts`; a limit is reached when the Nth most recent counted row is younger than the
 * window, and it lifts when that row grows older. Unknown emails are counted exactly like known
 * ones, so a refusal (and its Retry-After) says nothing about whether an account exists.
 */
export const THROTTLE = Object.freeze({
  windowSeconds: 15 * 60,
  /** Failed sign-ins for one email within the window before further attempts are refused. */
  maxFailuresPerIdentifier: 5,
  /** Failed sign-ins (and rejected signups) from one IP within the window before it is refused. */
  maxFailuresPerIp: 30,
  /** Signup requests from one IP within the window. */
  maxSignupsPerIp: 10,
});

/**
 * What a `login_attempts` row records. `pending` is written before the password is checked, so
 * parallel guesses count against the limit before any of them finishes; `throttled` rows are
 * refusals and never count, so hammering a locked account does not extend its lock.
 */
export type AttemptReason = 'pending' | 'signed_in' | 'invalid_credentials' | 'throttled' | 'signup' | 'signup_rejected';

const FAILURES: AttemptReason[] = ['pending', 'invalid_credentials', 'signup_rejected'];
const SIGNUPS: AttemptReason[] = ['signup', 'signup_rejected'];

/**
 * The submitted identifier as stored: a digest, so the table is not a readable list of the
 * addresses people tried. Scoped by tenant so equal emails at two tenants never share a row key.
 */
export function identifierHash(tenantId: string, email: string): string {
  return crypto.createHash('sha256').update(`${tenantId}\0${email.trim().toLowerCase()}`).digest('hex');
}

export async function recordAttempt(
  db: TenantDb,
  attempt: { identifierHash: string; ip: string; reason: AttemptReason; userId?: string | null },
): Promise<string> {
  const row = await db
    .insertInto('login_attempts')
    .values({
      identifier_hash: attempt.identifierHash,
      ip: attempt.ip,
      user_id: attempt.userId ?? null,
      succeeded: attempt.reason === 'signed_in' || attempt.reason === 'signup',
      reason: attempt.reason,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The update that records how an attempt ended; also usable as a CTE next to other writes. */
export function settleAttemptQuery(db: QueryCreator<TenantDatabase>, id: string, reason: AttemptReason, userId?: string | null) {
  return db
    .updateTable('login_attempts')
    .set({ reason, succeeded: reason === 'signed_in' || reason === 'signup', ...(userId ? { user_id: userId } : {}) })
    .where('id', '=', id)
    .returning('id');
}

export async function settleAttempt(db: TenantDb, id: string, reason: AttemptReason, userId?: string | null): Promise<void> {
  await settleAttemptQuery(db, id, reason, userId).execute();
}

export interface LimitQuery {
  column: 'identifier_hash' | 'ip';
  value: string;
  reasons: AttemptReason[];
  max: number;
  /** Only rows older than this attempt: an attempt is judged by what came before it. */
  beforeId?: string;
  /** A successful sign-in for the identifier starts its count afresh. */
  sinceLastSignIn?: boolean;
}

/** The Nth most recent counted attempt within the window: while it exists, the limit holds. */
function nthCountedAttempt(db: TenantDb, query: LimitQuery) {
  let select = db
    .selectFrom('login_attempts')
    .select('occurred_at')
    .where(query.column, '=', query.value)
    .where('reason', 'in', query.reasons)
    .where('occurred_at', '>', sql<Date>`now() - make_interval(secs => ${THROTTLE.windowSeconds})`);
  if (query.beforeId !== undefined) select = select.where('id', '<', query.beforeId);
  if (query.sinceLastSignIn) {
    select = select.where('id', '>', (eb) =>
      eb
        .selectFrom('login_attempts as success')
        .select(sql<string>`coalesce(max(success.id), 0)`.as('id'))
        .where('success.identifier_hash', '=', query.value)
        .where('success.reason', '=', 'signed_in'),
    );
  }
  return select.orderBy('id', 'desc').offset(query.max - 1).limit(1);
}

/**
 * When the latest of the given limits lifts, or undefined when none is reached. All limits are
 * read in one statement: a sign-in pays one round trip for them, not one each.
 */
export async function limitedUntil(db: TenantDb, ...queries: LimitQuery[]): Promise<Date | undefined> {
  const row = await db
    .selectNoFrom(queries.map((query, index) => nthCountedAttempt(db, query).as(`limit_${index}`)))
    .executeTakeFirstOrThrow();
  const lifts = Object.values(row as Record<string, Date | null>).map((nth) =>
    nth ? new Date(new Date(nth).getTime() + THROTTLE.windowSeconds * 1000) : undefined,
  );
  return latest(...lifts);
}

export function failuresFromIp(ip: string, beforeId?: string): LimitQuery {
  return { column: 'ip', value: ip, reasons: FAILURES, max: THROTTLE.maxFailuresPerIp, beforeId };
}

export function failuresForIdentifier(hash: string, beforeId?: string): LimitQuery {
  return { column: 'identifier_hash', value: hash, reasons: FAILURES, max: THROTTLE.maxFailuresPerIdentifier, beforeId, sinceLastSignIn: true };
}

export function signupsFromIp(ip: string, beforeId?: string): LimitQuery {
  return { column: 'ip', value: ip, reasons: SIGNUPS, max: THROTTLE.maxSignupsPerIp, beforeId };
}

/** The latest of the limits that apply, or undefined when none does. */
function latest(...dates: (Date | undefined)[]): Date | undefined {
  return dates.reduce<Date | undefined>((max, date) => (date && (!max || date > max) ? date : max), undefined);
}

export function secondsUntil(date: Date): number {
  return Math.max(1, Math.ceil((date.getTime() - Date.now()) / 1000));
}

/** Sign-in activity is kept for admins this long; throttling itself looks back only THROTTLE.windowSeconds. */
export const LOGIN_ACTIVITY_RETENTION_DAYS = 7;

export async function deleteOldLoginAttempts(db: TenantDb): Promise<number> {
  const result = await db
    .deleteFrom('login_attempts')
    .where('occurred_at', '<', sql<Date>`now() - make_interval(days => ${LOGIN_ACTIVITY_RETENTION_DAYS})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
