import crypto from 'node:crypto';
import type { TenantLoginKeys } from './login-keys.ts';

/**
 * Device cookies (OWASP, "Blocking Brute Force Attacks"): a browser that signed in to an account
 * gets a cookie naming that account, signed with the tenant's device key. Sign-ins that present
 * it are judged by the failures of that device alone, so strangers guessing at the account from
 * elsewhere neither lock nor slow its owner's own browser. It names the account by the keyed
 * identifier digest, not the address, so the cookie does not show whose it is.
 *
 * `v1.<identifier digest>.<device id>.<issued at, unix seconds>.<HMAC-SHA256>`; the device id is
 * random and kept across renewals, so one browser keeps one budget.
 */
/** Named per tenant like the provider's cookies, so one browser keeps a device cookie at each tenant. */
export const deviceCookieName = (tenantId: string) => `tansu.${tenantId}.device`;
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 24 * 60 * 60;

export interface TrustedDevice {
  id: string;
}

function mac(keys: TenantLoginKeys, body: string): string {
  return crypto.createHmac('sha256', keys.device).update(body).digest('base64url');
}

export function issueDeviceCookie(keys: TenantLoginKeys, identifierHash: string, device?: TrustedDevice, now = Date.now()): string {
  const id = device?.id ?? crypto.randomBytes(16).toString('base64url');
  const body = `v1.${identifierHash}.${id}.${Math.floor(now / 1000)}`;
  return `${body}.${mac(keys, body)}`;
}

/** The device of a cookie this tenant signed for this identifier and that has not expired; else undefined. */
export function trustedDevice(keys: TenantLoginKeys, identifierHash: string, cookie: string | undefined, now = Date.now()): TrustedDevice | undefined {
  if (!cookie || cookie.length > 256) return undefined;
  const parts = cookie.split('.');
  if (parts.length !== 5) return undefined;
  const [version, hash, id, issuedAt, signature] = parts as [string, string, string, string, string];
  const body = `${version}.${hash}.${id}.${issuedAt}`;
  const expected = Buffer.from(mac(keys, body));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return undefined;
  if (version !== 'v1' || hash !== identifierHash || !/^\d{1,12}$/.test(issuedAt)) return undefined;
  const age = now / 1000 - Number(issuedAt);
  if (age < -60 || age > DEVICE_COOKIE_MAX_AGE_SECONDS) return undefined;
  return { id };
}
