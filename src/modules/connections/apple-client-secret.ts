import crypto from 'node:crypto';

/** Apple's token endpoint wants this audience in the client secret. */
export const APPLE_AUDIENCE = 'https://appleid.apple.com';

/** Minutes, not the six months Apple allows: one is made for each code exchange. */
const LIFETIME_SECONDS = 300;

/**
 * "Sign in with Apple" has no static client secret: the client signs a short JWT (ES256) with the
 * key the admin downloaded from Apple, naming its team (`iss`), its Services ID (`sub`) and the
 * key (`kid`). Signed here with Node's synchronous `crypto.sign`, so it fits openid-client's
 * synchronous client authentication; `ieee-p1363` gives JOSE's raw r‖s signature.
 */
export function appleClientSecret(input: { teamId: string; keyId: string; clientId: string; privateKeyPem: string }, now = Date.now()): string {
  const iat = Math.floor(now / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg: 'ES256', kid: input.keyId, typ: 'JWT' })}.${encode({
    iss: input.teamId,
    iat,
    exp: iat + LIFETIME_SECONDS,
    aud: APPLE_AUDIENCE,
    sub: input.clientId,
  })}`;
  const signature = crypto.sign('sha256', Buffer.from(signingInput), { key: input.privateKeyPem, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}
