/**
 * Quick-start snippets for a client, by the kind of app it is: enough to see the first sign-in
 * or token work, with the tenant's issuer and the client's own id and redirect URI filled in.
 * The secret is never in them: it is shown once, when created or rotated.
 */

/** What kind of app a client is, from its type and grants. */
export function kindOf(client) {
  if (client.grant_types.includes('client_credentials') && !client.grant_types.includes('authorization_code')) return 'machine';
  if (client.type === 'confidential') return 'web';
  return client.redirect_uris.some((uri) => /^https?:/.test(uri)) ? 'spa' : 'native';
}

export const KIND_LABELS = {
  web: 'Web application (a server keeps the secret)',
  spa: 'Single-page app (in the browser, no secret)',
  native: 'Native or mobile app (no secret)',
  machine: 'Machine to machine (client credentials)',
};

/** @returns {{title: string, code: string}} */
export function snippetFor(client, issuer) {
  const redirect = client.redirect_uris[0] ?? 'https://app.example.com/callback';
  const api = client.granted_apis[0] ?? client.resources[0];
  switch (kindOf(client)) {
    case 'machine':
      return {
        title: 'Get an access token (curl)',
        code: `curl -s ${issuer}/token \\
  -u '${client.client_id}:<client secret>' \\
  -d grant_type=client_credentials${api ? ` \\
  -d resource=${api}` : ''}`,
      };
    case 'web':
      return {
        title: 'Sign users in from Node.js (openid-client)',
        code: `import * as oidc from 'openid-client';

const config = await oidc.discovery(new URL('${issuer}'), '${client.client_id}', '<client secret>');
// Sign-in: send the browser to this URL, keep the verifier in the user's session.
const verifier = oidc.randomPKCECodeVerifier();
const url = oidc.buildAuthorizationUrl(config, {
  redirect_uri: '${redirect}',
  scope: 'openid profile email',
  code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
});
// Callback (${redirect}): redeem the code.
const tokens = await oidc.authorizationCodeGrant(config, currentUrl, { pkceCodeVerifier: verifier });`,
      };
    case 'spa':
      return {
        title: 'Sign users in from the browser (oidc-client-ts)',
        code: `import { UserManager } from 'oidc-client-ts';

const users = new UserManager({
  authority: '${issuer}',
  client_id: '${client.client_id}',
  redirect_uri: '${redirect}',
  scope: 'openid profile email',
});
await users.signinRedirect();          // on "Sign in"
await users.signinRedirectCallback();  // on ${redirect}`,
      };
    default:
      return {
        title: 'Sign users in from a native app (AppAuth)',
        code: `Issuer:        ${issuer}
Client id:     ${client.client_id}
Redirect URI:  ${redirect}
Flow:          authorization code with PKCE (S256), no client secret
Discovery:     ${issuer}/.well-known/openid-configuration`,
      };
  }
}
