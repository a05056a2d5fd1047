import crypto from 'node:crypto';

/**
 * Client secrets are 32 random bytes, shown once, stored as SHA-256: with that much entropy a
 * fast hash is enough, and the token endpoint stays fast.
 */
export function generateClientSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function hashClientSecret(secret: string): string {
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares digests of equal length, so the time taken says nothing about the stored hash. */
export function clientSecretMatches(storedHash: string, presented: string): boolean {
  const expected = Buffer.from(storedHash, 'hex');
  const actual = crypto.createHash('sha256').update(presented, 'utf8').digest();
  return expected.length === actual.length && crypto.timingSafeEqual(expected, actual);
}
