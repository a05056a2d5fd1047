import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { appleClientSecret, APPLE_AUDIENCE } from '../../../src/modules/connections/apple-client-secret.ts';

describe('Sign in with Apple client secret', () => {
  it('Apple: the client secret is an ES256 JWT of the team for the Services ID, signed with the uploaded key', async () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const jwt = appleClientSecret({ teamId: 'TEAM123456', keyId: 'KEY1234567', clientId: 'com.acme.signin', privateKeyPem: pem });
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'ES256', kid: 'KEY1234567', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, publicKey, { issuer: 'TEAM123456', audience: APPLE_AUDIENCE, subject: 'com.acme.signin', algorithms: ['ES256'] });
    expect(payload.exp! - payload.iat!).toBe(300);
    const other = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    await expect(jwtVerify(jwt, other)).rejects.toThrow();
  });
});
