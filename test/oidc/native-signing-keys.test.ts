import { describe, expect, it } from 'vitest';
import { compactVerify, exportJWK, generateKeyPair, type JWK } from 'jose';
import { nativeSigningKeys } from '../../src/oidc/native-signing-keys.ts';

const base64url = (data: Uint8Array | string) => Buffer.from(data).toString('base64url');

async function privateJwk(alg: 'RS256' | 'PS256' | 'ES256' | 'EdDSA'): Promise<{ jwk: JWK; publicKey: CryptoKey }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { jwk: { ...(await exportJWK(privateKey)), kid: `k-${alg}`, alg, use: 'sig' } as JWK, publicKey };
}

describe('native signing keys', () => {
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA'] as const) {
    it(`produce ${alg} JWS signatures that verify with the public key`, async () => {
      const { jwk, publicKey } = await privateJwk(alg);
      const [key] = nativeSigningKeys([jwk]);
      expect(key!.kid).toBe(jwk.kid);
      expect(key!.alg).toBe(alg);
      const signingInput = `${base64url(JSON.stringify({ alg, kid: jwk.kid }))}.${base64url(JSON.stringify({ sub: 'x' }))}`;
      const signature = await key!.sign(Buffer.from(signingInput));
      const { payload } = await compactVerify(`${signingInput}.${base64url(signature)}`, publicKey);
      expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ sub: 'x' });
    });
  }

  it('publish only the public half', async () => {
    const { jwk } = await privateJwk('RS256');
    const [key] = nativeSigningKeys([jwk]);
    const published = (await key!.keyObject()).export({ format: 'jwk' });
    expect(published).toEqual({ kty: 'RSA', n: jwk.n, e: jwk.e });
    expect(published).not.toHaveProperty('d');
  });

  it('refuse a key without a declared algorithm', async () => {
    const { jwk } = await privateJwk('ES256');
    expect(() => nativeSigningKeys([{ ...jwk, alg: undefined }])).toThrow(/kid and alg/);
  });
});
