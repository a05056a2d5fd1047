import crypto from 'node:crypto';
import { ExternalSigningKey, type JWK } from 'oidc-provider';

/**
 * A tenant's private signing key handed to oidc-provider as an `ExternalSigningKey` that signs
 * with Node's callback `crypto.sign` on a KeyObject parsed once. oidc-provider's own path (jose
 * over WebCrypto) spends about 0.1 ms of main-thread time per RS256 signature setting up the
 * WebCrypto job; the callback API queues the same OpenSSL work to the libuv pool for a few
 * microseconds, which is most of the token endpoint's headroom (see BENCHMARKS.md).
 */
class NativeSigningKey extends ExternalSigningKey {
  readonly #privateKey: crypto.KeyObject;
  readonly #publicKey: crypto.KeyObject;
  readonly #sign: (data: Uint8Array) => Promise<Uint8Array>;

  constructor(jwk: JWK) {
    super();
    if (typeof jwk.kid !== 'string' || typeof jwk.alg !== 'string') throw new Error('a tenant signing key needs its kid and alg');
    // ExternalSigningKey declares kid and alg as accessors with setters.
    (this as { kid: string }).kid = jwk.kid;
    (this as { alg: string }).alg = jwk.alg;
    this.#privateKey = crypto.createPrivateKey({ key: jwk as crypto.JsonWebKey, format: 'jwk' });
    this.#publicKey = crypto.createPublicKey(this.#privateKey);
    this.#sign = signerFor(jwk.alg, this.#privateKey);
  }

  override keyObject(): crypto.KeyObject {
    return this.#publicKey;
  }

  override sign(data: Uint8Array): Promise<Uint8Array> {
    return this.#sign(data);
  }
}

function signerFor(alg: string, key: crypto.KeyObject): (data: Uint8Array) => Promise<Uint8Array> {
  let digest: string | null;
  let options: crypto.SignKeyObjectInput;
  switch (alg) {
    case 'RS256':
      digest = 'sha256';
      options = { key };
      break;
    case 'PS256':
      digest = 'sha256';
      options = { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
      break;
    case 'ES256':
      digest = 'sha256';
      // JWS wants r‖s, not DER.
      options = { key, dsaEncoding: 'ieee-p1363' };
      break;
    case 'EdDSA':
      digest = null;
      options = { key };
      break;
    default:
      throw new Error(`signing algorithm ${alg} is not supported for tenant keys`);
  }
  return (data) =>
    new Promise((resolve, reject) => {
      crypto.sign(digest, data, options, (error, signature) => (error ? reject(error) : resolve(signature)));
    });
}

/** The provider's `jwks.keys`: private JWKs in, signing keys out, order kept (the first match signs). */
export function nativeSigningKeys(jwks: readonly JWK[]): ExternalSigningKey[] {
  return jwks.map((jwk) => new NativeSigningKey(jwk));
}

/** The provider feature these keys need (an experimental oidc-provider feature, acknowledged). */
export const EXTERNAL_SIGNING_FEATURE = { enabled: true, ack: 'experimental-01' } as const;
