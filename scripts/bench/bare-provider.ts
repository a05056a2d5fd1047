/**
 * Baseline for the token benchmark: one bare oidc-provider with its in-memory adapter, one client,
 * client credentials with RS256 JWT access tokens for one API. One Node process, so about one
 * core of RSA signing. Prints `listening <port>` on stdout when ready.
 */
import http from 'node:http';
import Provider from 'oidc-provider';
import { exportJWK, generateKeyPair } from 'jose';

const alg = (process.env.BENCH_ALG ?? 'RS256') as 'RS256' | 'ES256';
const audience = 'https://api.bench.test';
const { privateKey } = await generateKeyPair(alg, { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'bench', alg, use: 'sig' };

const server = http.createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;

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
server.on('request', provider.callback());
process.stdout.write(`listening ${port}\n`);
// A clean exit on SIGTERM, so `node --cpu-prof` can write its profile.
process.on('SIGTERM', () => server.close(() => process.exit(0)));
