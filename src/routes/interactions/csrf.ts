import crypto from 'node:crypto';

/**
 * The form token for one interaction: an HMAC of its uid under the tenant's cookie key. A form
 * post must carry it and the interaction's own signed cookie, so another site can neither forge
 * the post nor replay a token from an interaction it started itself.
 */
export function csrfTokenFor(key: string, uid: string): string {
  return crypto.createHmac('sha256', key).update(`interaction-csrf:${uid}`).digest('base64url');
}

export function csrfTokenValid(key: string, uid: string, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const expected = Buffer.from(csrfTokenFor(key, uid));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}
