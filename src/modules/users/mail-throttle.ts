import type { TenantDb } from '../../db/tenant-database.ts';
import { AppError } from '../../errors.ts';
import { ipBucket } from './ip-bucket.ts';
import type { TenantLoginKeys } from './login-keys.ts';
import { identifierHash, secondsUntil } from './login-throttle.ts';
import { readAttemptCounts, recordAttempt, settleAttempt } from './login-attempts.repository.ts';

/**
 * Limits of the endpoints that mail a link on request (password reset, a new verification link),
 * so nobody can flood a mailbox or use the tenant to send mail in bulk. Each request is a
 * `mail_requested` row in `login_attempts`, counted like the sign-in limits (login-throttle.ts):
 * by the keyed digest of the address, known or not (a refusal says nothing about whether an
 * account exists), and by the client's IPv4 address or IPv6 /64 (ip-bucket.ts). Unlike a sign-in
 * limit, the owner signing in does not start the count afresh: the mails already went out. A
 * refused request is settled `throttled` and does not extend the limit.
 */
export const MAIL_THROTTLE = Object.freeze({
  windowSeconds: 60 * 60,
  /** Mail requests for one address within the window, from anywhere. */
  maxPerAddress: 5,
  /** Mail requests from one IP within the window, whatever the addresses. */
  maxPerIp: 20,
});

export const mailThrottled = (retryAfterSeconds: number) =>
  new AppError('throttled', `too many requests for mail; retry in ${retryAfterSeconds} seconds`, 429, { retryAfterSeconds });

/** Counts a request for mail to `email` from `ip`, or throws `throttled` (429, with retryAfterSeconds) past a limit. */
export async function countMailRequest(db: TenantDb, keys: TenantLoginKeys, request: { email: string; ip: string }): Promise<void> {
  const hash = identifierHash(keys, request.email);
  const attemptId = await recordAttempt(db, { identifierHash: hash, ip: request.ip, reason: 'mail_requested' });
  const counted = { reasons: ['mail_requested' as const], beforeId: attemptId, acrossSignIns: true };
  const { nthAt } = await readAttemptCounts(db, MAIL_THROTTLE.windowSeconds, [
    { ...counted, match: { identifier_hash: hash }, nth: MAIL_THROTTLE.maxPerAddress },
    { ...counted, match: { ip_bucket: ipBucket(request.ip) }, nth: MAIL_THROTTLE.maxPerIp },
  ]);
  const lifts = nthAt.filter((at): at is Date => at !== null).map((at) => at.getTime() + MAIL_THROTTLE.windowSeconds * 1000);
  const until = Math.max(0, ...lifts);
  if (until > Date.now()) {
    await settleAttempt(db, attemptId, 'throttled');
    throw mailThrottled(secondsUntil(new Date(until)));
  }
}
