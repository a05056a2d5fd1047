import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { formsOf, type TestBrowser } from './browser.ts';

/**
 * Driving a sign-in through an upstream provider (modules/connections/) with the test browser:
 * the downstream tenant's login page (its connection button), the upstream tenant's login and
 * consent pages, its form_post page, and the hops between them.
 */

export interface UpstreamSignInOptions {
  /** The connection whose button to press on the downstream login page. */
  connection?: string;
  /** The person's credentials at the upstream tenant. */
  email: string;
  password: string;
  /** Stop when the browser is sent here (the relying party's callback). */
  redirectUri: string;
  /** May rewrite a redirect before the browser follows it (a tampered answer). */
  rewrite?: (location: URL) => URL;
}

export type UpstreamSignInResult =
  | { kind: 'callback'; callback: URL; trace: string[] }
  /** A page that is neither a login nor a consent page: a refusal, or the link page. */
  | { kind: 'page'; status: number; html: string; url: string; trace: string[] };

const LOGIN_FORM = /name="password"/;

export async function signInUpstream(browser: TestBrowser, start: string | URL, options: UpstreamSignInOptions): Promise<UpstreamSignInResult> {
  let next: { url: string; form?: Record<string, string> } = { url: String(start) };
  const trace: string[] = [];
  for (let step = 0; step < 30; step++) {
    trace.push(`${next.form ? 'POST' : 'GET'} ${next.url}`);
    const response = await browser.request(next.url, next.form ? { form: next.form } : {});
    if (response.status >= 300 && response.status < 400) {
      await response.arrayBuffer();
      let location = new URL(response.headers.get('location')!, next.url);
      if (options.rewrite) location = options.rewrite(location);
      if (location.href.startsWith(options.redirectUri)) return { kind: 'callback', callback: location, trace };
      next = { url: location.href };
      continue;
    }
    const html = await response.text();
    const forms = formsOf(html, next.url);
    const button = options.connection ? forms.find((form) => form.action.endsWith(`/connections/${options.connection}`)) : undefined;
    if (response.status === 200 && button) {
      next = { url: button.action, form: button.fields };
    } else if (response.status === 200 && LOGIN_FORM.test(html) && !html.includes('Link your')) {
      next = { url: forms[0]!.action, form: { ...forms[0]!.fields, email: options.email, password: options.password } };
    } else if (response.status === 200 && html.includes('name="decision"')) {
      next = { url: forms[0]!.action, form: { ...forms[0]!.fields, decision: 'allow' } };
    } else if (response.status === 200 && html.includes('<form method="post"') && /name="(code|error)"/.test(html) && forms[0]) {
      // oidc-provider's response_mode=form_post page: a form that posts the answer to the callback.
      next = { url: forms[0].action, form: allFields(html) };
    } else {
      return { kind: 'page', status: response.status, html, url: next.url, trace };
    }
  }
  throw new Error(`too many steps: ${trace.join('\n')}`);
}

/** Every named input of the (first) form, hidden or not: a form_post page's answer. */
function allFields(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const input of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) fields[input[1]!] = decode(input[2]!);
  return fields;
}

function decode(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replaceAll('&amp;', '&').replaceAll('&quot;', '"');
}

/**
 * A provider that lies: its discovery document and key set are in order, but the ID tokens its
 * token endpoint hands out are signed with a key it never published. No real provider does this;
 * it stands in for a token forged or altered in transit, which must be refused.
 */
export interface ForgingProvider {
  issuer: string;
  /** The nonce the next ID token carries (read from the authorization request the browser was sent to). */
  nonce: string;
  close(): Promise<void>;
}

export async function startForgingProvider(clientId: string): Promise<ForgingProvider> {
  const published = await generateKeyPair('ES256', { extractable: true });
  const forger = await generateKeyPair('ES256', { extractable: true });
  const publicJwk = { ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const state = { issuer, nonce: '' };
  server.on('request', (request, response) => {
    const send = (body: unknown) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const path = new URL(request.url!, issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      send({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256'],
        code_challenge_methods_supported: ['S256'],
        authorization_response_iss_parameter_supported: true,
      });
    } else if (path === '/jwks') {
      send({ keys: [publicJwk] });
    } else if (path === '/token') {
      request.resume();
      request.on('end', async () => {
        const idToken = await new SignJWT({ nonce: state.nonce, email: 'forged@forger.test', email_verified: true })
          .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
          .setIssuer(issuer)
          .setAudience(clientId)
          .setSubject('forged-subject')
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(forger.privateKey);
        send({ access_token: 'forged-access-token', token_type: 'Bearer', expires_in: 300, id_token: idToken });
      });
    } else {
      response.writeHead(404).end();
    }
  });
  return Object.assign(state, {
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
