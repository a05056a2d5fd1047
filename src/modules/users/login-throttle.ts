import crypto from 'node:crypto';
import { sql, type AliasedSelectQueryBuilder, type QueryCreator } from 'kysely';
import type { TenantDb } from '../../db/tenant-database.ts';
import type { TenantDatabase } from '../../db/schema.ts';
import { ipBucket } from './ip-bucket.ts';
import type { TenantLoginKeys } from './login-keys.ts';

/**
 * Limits shared by the login page, the password grant and the signup API. Every attempt is a row
 * in `login_attempts`; a limit is reached when the Nth most recent counted row is younger than the
 * window, and it lifts when that row grows older. Unknown emails are counted exactly like known
 * ones, so a refusal (and its Retry-After) says nothing about whether an account exists.
 *
 * What is counted where, so that strangers cannot lock an account's owner out:
 * - per account and IP (an IPv6 /64, see ip-bucket.ts): a few failures, then that address is
 *   refused for that account;
 * - per IP across all accounts: password spraying from one address;
 * - per account from everywhere: never a lock, only a growing delay between attempts
 *   (`slowdown`), so a botnet guesses slowly and the owner waits at most `maxSeconds`;
 * - per account and device cookie (device-cookie.ts): a browser that signed in before is judged
 *   by its own failures only, so strangers' failures neither refuse nor slow it.
 */
export const THROTTLE = Object.freeze({
  windowSeconds: 15 * 60,
  /** Failed sign-ins for one email from one IP within the window before that IP is refused for it. */
  maxFailuresPerAccountAndIp: 5,
  /** Failed sign-ins for one email from one device cookie within the window before that device is refused for it. */
  maxFailuresPerDevice: 5,
  /** Failed sign-ins (and rejected signups) from one IP within the window before it is refused. */
  maxFailuresPerIp: 30,
  /** Signup requests from one IP within the window. */
  maxSignupsPerIp: 10,
  /**
   * Failures for one email from anywhere (without its device cookie): the first `freeFailures`
   * within the window cost nothing, then each further attempt waits `baseSeconds × 2^(n − free)`
   * after the latest failure, at most `maxSeconds`.
   */
  slowdown: Object.freeze({ freeFailures: 10, baseSeconds: 1, maxSeconds: 120 }),
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
 * The submitted identifier as stored: HMAC-SHA256 under the tenant's identifier key, so the table
 * is not a readable list of the addresses people tried (an unkeyed digest of an address is
 * reversed by hashing a list of addresses), and equal emails at two tenants never share a key.
 */
export function identifierHash(keys: TenantLoginKeys, email: string): string {
  return crypto.createHmac('sha256', keys.identifier).update(email).digest('hex');
}

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

type Match = { identifier_hash?: string; ip_bucket?: string; device_id?: string | null };

export interface LimitQuery {
  match: Match;
  reasons: AttemptReason[];
  max: number;
  /** Only rows older than this attempt: an attempt is judged by what came before it. */
  beforeId: string;
}

/** Account-wide failures without a device cookie, for the slowdown. */
export interface SlowdownQuery {
  identifierHash: string;
  beforeId: string;
}

/** Failures within the window that match, since the last successful sign-in that matches when an identifier is named. */
function countedAttempts(db: TenantDb, match: Match, reasons: AttemptReason[], beforeId: string) {
  let select = db
    .selectFrom('login_attempts')
    .where('reason', 'in', reasons)
    .where('occurred_at', '>', sql<Date>`now() - make_interval(secs => ${THROTTLE.windowSeconds})`)
    .where('id', '<', beforeId);
  for (const [column, value] of Object.entries(match) as [keyof Match, string | null][]) {
    select = value === null ? select.where(column, 'is', null) : select.where(column, '=', value);
  }
  const identifier = match.identifier_hash;
  if (identifier !== undefined) {
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

/** Beyond this many failures the delay is at its cap, so no count needs to look further back. */
const SLOWDOWN_HORIZON =
  THROTTLE.slowdown.freeFailures + Math.ceil(Math.log2(THROTTLE.slowdown.maxSeconds / THROTTLE.slowdown.baseSeconds)) + 1;

/** Seconds an attempt waits after the latest of `failures` account-wide failures; 0 below the free allowance. */
export function slowdownSeconds(failures: number): number {
  const { freeFailures, baseSeconds, maxSeconds } = THROTTLE.slowdown;
  if (failures < freeFailures) return 0;
  return Math.min(maxSeconds, baseSeconds * 2 ** Math.min(failures - freeFailures, 30));
}

export interface ThrottleState {
  /** When the latest limit or delay that applies lifts; undefined when the attempt may go ahead. */
  until: Date | undefined;
  /** Account-wide failures without a device cookie before this attempt (0 without a slowdown query). */
  slowdownFailures: number;
}

/**
 * All limits (and the slowdown) read in one statement: a sign-in pays one round trip for them,
 * not one each.
 */
export async function throttleState(db: TenantDb, limits: LimitQuery[], slowdown?: SlowdownQuery): Promise<ThrottleState> {
  const selections: AliasedSelectQueryBuilder<Record<string, unknown>, string>[] = limits.map((limit, index) =>
    countedAttempts(db, limit.match, limit.reasons, limit.beforeId)
      .select('occurred_at')
      .orderBy('id', 'desc')
      .offset(limit.max - 1)
      .limit(1)
      .as(`limit_${index}`),
  );
  if (slowdown) {
    const untrusted = () => countedAttempts(db, { identifier_hash: slowdown.identifierHash, device_id: null }, FAILURES, slowdown.beforeId);
    const recent = untrusted().select('id').orderBy('id', 'desc').limit(SLOWDOWN_HORIZON);
    selections.push(
      db.selectFrom(recent.as('recent')).select(sql<number>`count(*)::int`.as('n')).as('slowdown_failures'),
      untrusted().select('occurred_at').orderBy('id', 'desc').limit(1).as('slowdown_latest'),
    );
  }
  const row = (await db.selectNoFrom(selections).executeTakeFirstOrThrow()) as Record<string, unknown>;
  const lifts = limits.map((_, index) => {
    const nth = row[`limit_${index}`] as Date | null;
    return nth ? new Date(new Date(nth).getTime() + THROTTLE.windowSeconds * 1000) : undefined;
  });
  const slowdownFailures = slowdown ? Number(row.slowdown_failures) : 0;
  const latestFailure = row.slowdown_latest as Date | null | undefined;
  const delay = slowdownSeconds(slowdownFailures);
  if (latestFailure && delay > 0) lifts.push(new Date(new Date(latestFailure).getTime() + delay * 1000));
  const until = latest(...lifts);
  return { until: until && until.getTime() > Date.now() ? until : undefined, slowdownFailures };
}

export function failuresFromIp(ip: string, beforeId: string): LimitQuery {
  return { match: { ip_bucket: ipBucket(ip) }, reasons: FAILURES, max: THROTTLE.maxFailuresPerIp, beforeId };
}

/** Failures for the account from this IP without a device cookie (a device has its own budget). */
export function failuresForAccountFromIp(hash: string, ip: string, beforeId: string): LimitQuery {
  return { match: { identifier_hash: hash, ip_bucket: ipBucket(ip), device_id: null }, reasons: FAILURES, max: THROTTLE.maxFailuresPerAccountAndIp, beforeId };
}

export function failuresFromDevice(hash: string, deviceId: string, beforeId: string): LimitQuery {
  return { match: { identifier_hash: hash, device_id: deviceId }, reasons: FAILURES, max: THROTTLE.maxFailuresPerDevice, beforeId };
}

export function signupsFromIp(ip: string, beforeId: string): LimitQuery {
  return { match: { ip_bucket: ipBucket(ip) }, reasons: SIGNUPS, max: THROTTLE.maxSignupsPerIp, beforeId };
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
