import crypto from 'node:crypto';
import type { TenantDb } from '../../db/tenant-database.ts';
import { ipBucket } from './ip-bucket.ts';
import type { TenantLoginKeys } from './login-keys.ts';
import { canonicalEmail } from './email.ts';
import { readAttemptCounts, type AttemptReason, type CountedAttempts } from './login-attempts.repository.ts';

export type { AttemptReason };

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

/**
 * The digest a sign-in with `submitted` in the email field is recorded under: the canonical
 * address, or for input that is none, the input as typed (trimmed, lowercased), so that failures
 * with garbage count too, and an admin asking for an address's activity finds them.
 */
export function submittedIdentifierHash(keys: TenantLoginKeys, submitted: string): string {
  return identifierHash(keys, canonicalEmail(submitted) ?? submitted.trim().toLowerCase());
}

export interface LimitQuery extends CountedAttempts {
  /** Refused once this many counted attempts fall within the window. */
  max: number;
}

/** Account-wide failures without a device cookie, for the slowdown. */
export interface SlowdownQuery {
  identifierHash: string;
  beforeId: string;
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

/** Whether the limits (and the slowdown) let an attempt go ahead, from one read of login_attempts. */
export async function throttleState(db: TenantDb, limits: LimitQuery[], slowdown?: SlowdownQuery): Promise<ThrottleState> {
  const counts = await readAttemptCounts(
    db,
    THROTTLE.windowSeconds,
    limits.map((limit) => ({ match: limit.match, reasons: limit.reasons, beforeId: limit.beforeId, nth: limit.max })),
    slowdown && {
      match: { identifier_hash: slowdown.identifierHash, device_id: null },
      reasons: FAILURES,
      beforeId: slowdown.beforeId,
      horizon: SLOWDOWN_HORIZON,
    },
  );
  const lifts = counts.nthAt.map((nth) => (nth ? new Date(nth.getTime() + THROTTLE.windowSeconds * 1000) : undefined));
  const slowdownFailures = counts.slowdownCount;
  const delay = slowdownSeconds(slowdownFailures);
  if (counts.slowdownLatestAt && delay > 0) lifts.push(new Date(counts.slowdownLatestAt.getTime() + delay * 1000));
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
