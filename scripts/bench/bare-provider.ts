/**
 * Baseline for the token benchmark: the bare oidc-provider with its in-memory adapter, one client,
 * client credentials with JWT access tokens (BENCH_ALG: RS256 or ES256) for one API. BENCH_WORKERS
 * node:cluster workers on one shared port (support/bare-workers.ts), all signing with the same
 * key; one process by default. Prints `listening <port>` on stdout when ready.
 */
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { serveBare } from './support/bare-workers.ts';

const alg = (process.env.BENCH_ALG ?? 'RS256') as 'RS256' | 'ES256';
const audience = 'https://api.bench.test';

async function signingJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: 'bench', alg, use: 'sig' };
}

await serveBare('shared', signingJwk, async (jwk, port) => {
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients: [{ client_id: 'bench', client_secret: 'bench-secret-0123456789', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], id_token_signed_response_alg: alg }],
    jwks: { keys: [jwk] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({ scope: 'read', audience, accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg } } }),
      },
    },
  });
  return provider.callback();
});
