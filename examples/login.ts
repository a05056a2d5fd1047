/**
 * A tiny relying party for the README walkthrough: signs a user in at a Tansu tenant with the
 * authorization code flow + PKCE and prints the ID token claims.
 *
 *   npx node examples/login.ts http://localhost:8080/t/acme <client_id>
 *
 * (`npx node` runs the project's Node 24, which runs TypeScript directly; an older `node` cannot.)
 *
 * It listens on http://127.0.0.1:3000/callback, which must be a registered redirect URI.
 */
import http from 'node:http';
import * as oidc from 'openid-client';

const [issuer, clientId] = process.argv.slice(2);
if (!issuer || !clientId) {
  console.error('usage: npx node examples/login.ts <issuer> <client_id>');
  process.exit(2);
}

const redirectUri = 'http://127.0.0.1:3000/callback';
// Plain http is only for a local try-out; real issuers are https.
const options = issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined;
const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.None(), options);

const verifier = oidc.randomPKCECodeVerifier();
const state = oidc.randomState();
const authorizationUrl = oidc.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: 'openid email profile roles',
  code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
});

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', redirectUri);
  if (url.pathname !== '/callback') {
    res.writeHead(404).end();
    return;
  }
  try {
    const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: verifier, expectedState: state });
    const claims = tokens.claims();
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(`Signed in as ${claims?.email}. You can close this tab.\n`);
    console.log('ID token claims:', claims);
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims!.sub);
    console.log('userinfo:', userinfo);
  } catch (error) {
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(`Sign-in failed: ${(error as Error).message}\n`);
    console.error(error);
  } finally {
    server.close();
  }
});
server.listen(3000, '127.0.0.1', () => console.log(`Open this URL in a browser:\n\n  ${authorizationUrl.href}\n`));
