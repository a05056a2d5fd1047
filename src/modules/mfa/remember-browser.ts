import crypto from 'node:crypto';
import type { Config } from '../../config.ts';
import { deriveTenantKey } from '../../crypto/tenant-keys.ts';

/**
 * "Remember this browser": after a second factor, a browser may skip it for the tenant's
 * `mfa.remember_browser_days`. The cookie names the user and when it was issued, signed with the
 * tenant's `mfa-remember` key. The signature also covers a fingerprint of what the user's
 * sign-in rests on at that moment: the ids of their confirmed factors and their password hash.
 * So nothing needs storing or bumping: a factor reset (or any change of factors) and a new
 * password change the fingerprint, and every remembered browser of that user is forgotten at
 * once. (So does a password rehash after a change of the hashing parameters: a rare extra code.)
 *
 * `v1.<user id>.<issued at, unix seconds>.<HMAC-SHA256>`. Its age is judged against the days the
 * tenant allows now, not when it was issued: shortening the setting shortens every cookie, 0
 * turns them all off.
 */
export const rememberCookieName = (tenantId: string) => `tansu.${tenantId}.mfa-remember`;

export function rememberKeyFor(config: Config, tenantId: string): Buffer {
  return deriveTenantKey(config, tenantId, 'mfa-remember');
}

/** What the user's sign-in rests on: their confirmed factors and their password. */
export interface SignInBasis {
  factorIds: readonly string[];
  passwordHash: string | null;
}

function fingerprint(basis: SignInBasis): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([[...basis.factorIds].sort(), basis.passwordHash ?? '']))
    .digest('base64url');
}

function mac(key: Buffer, body: string, basis: SignInBasis): string {
  return crypto.createHmac('sha256', key).update(`${body}.${fingerprint(basis)}`).digest('base64url');
}

export function issueRememberCookie(key: Buffer, userId: string, basis: SignInBasis, now = Date.now()): string {
  const body = `v1.${userId}.${Math.floor(now / 1000)}`;
  return `${body}.${mac(key, body, basis)}`;
}

/** Whether `cookie` remembers this browser for this user, as things stand, within `days`. */
export function remembersBrowser(key: Buffer, cookie: string | undefined, check: { userId: string; basis: SignInBasis; days: number }, now = Date.now()): boolean {
  if (!cookie || cookie.length > 256 || check.days <= 0) return false;
  const parts = cookie.split('.');
  if (parts.length !== 4) return false;
  const [version, userId, issuedAt, signature] = parts as [string, string, string, string];
  const body = `${version}.${userId}.${issuedAt}`;
  const expected = Buffer.from(mac(key, body, check.basis));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return false;
  if (version !== 'v1' || userId !== check.userId || !/^\d{1,12}$/.test(issuedAt)) return false;
  const age = now / 1000 - Number(issuedAt);
  return age >= -60 && age <= check.days * 24 * 60 * 60;
}
