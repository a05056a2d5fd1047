/**
 * One whole authorization-code login with PKCE through the login form, as a browser with a cookie
 * jar does it (login-load.ts, soak-load.ts): /auth, the login page, the form post, the redirect
 * back with a code, the code exchanged at /token.
 */
import crypto from 'node:crypto';
import http from 'node:http';

export interface LoginFlowSpec {
  /** Where requests go. */
  url: string;
  /** The provider's base URL: Tansu's `<url>/t/<tenant>`, or the bare provider's root. */
  issuer: string;
  clientId: string;
  redirectUri: string;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * node:http with keep-alive rather than fetch: the generator shares the machine's two cores with
 * the server, and fetch (undici, web streams) took twice its CPU per login (BENCHMARKS.md).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

export function send(url: URL, method: 'GET' | 'POST', headers: http.OutgoingHttpHeaders, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = http.request({ agent, hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('error', reject);
      response.once('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }));
    });
    request.once('error', reject);
    request.end(body);
  });
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * A browser with a cookie jar and its own address: the server trusts X-Forwarded-For from the
 * local proxy (TRUSTED_PROXIES), so per-IP login throttling sees many users, as in production.
 */
class Browser {
  readonly #cookies = new Map<string, string>();
  readonly #ip: string;

  constructor(ip: string) {
    this.#ip = ip;
  }

  async request(url: string, method: 'GET' | 'POST' = 'GET', extraHeaders: http.OutgoingHttpHeaders = {}, body?: string): Promise<Reply> {
    const headers: http.OutgoingHttpHeaders = { ...extraHeaders, 'x-forwarded-for': this.#ip };
    if (this.#cookies.size > 0) headers.cookie = [...this.#cookies].map(([n, v]) => `${n}=${v}`).join('; ');
    const reply = await send(new URL(url), method, headers, body);
    for (const line of reply.headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return reply;
  }
}

function expectRedirect(reply: Reply, step: string): string {
  const { location } = reply.headers;
  if (reply.status < 300 || reply.status >= 400 || !location) throw new Error(`${step}: expected a redirect, got ${reply.status}`);
  return location;
}

export async function login(spec: LoginFlowSpec, user: { email: string; password: string }, ip: string): Promise<void> {
  const browser = new Browser(ip);
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const query = new URLSearchParams({
    client_id: spec.clientId,
    response_type: 'code',
    redirect_uri: spec.redirectUri,
    scope: 'openid email',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: crypto.randomBytes(8).toString('base64url'),
  });
  let reply = await browser.request(`${spec.issuer}/auth?${query}`);
  const interaction = new URL(expectRedirect(reply, 'auth'), spec.url).toString();

  reply = await browser.request(interaction);
  const action = /<form method="post" action="([^"]+\/login)"/.exec(reply.body)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(reply.body)?.[1];
  if (reply.status !== 200 || !action || !csrf) throw new Error(`login page: ${reply.status}`);

  const form = new URLSearchParams({ csrf, email: user.email, password: user.password }).toString();
  reply = await browser.request(new URL(action.replaceAll('&amp;', '&'), spec.url).toString(), 'POST', FORM, form);
  let next = new URL(expectRedirect(reply, 'login form'), spec.url).toString();
  // Back through /auth/<uid> until the client's redirect URI (first-party: no consent page).
  for (let hops = 0; !next.startsWith(spec.redirectUri); hops++) {
    if (hops > 3) throw new Error(`no code after ${hops} redirects, at ${new URL(next).pathname}`);
    reply = await browser.request(next);
    next = new URL(expectRedirect(reply, 'resume'), spec.url).toString();
  }
  const code = new URL(next).searchParams.get('code');
  if (!code) throw new Error(`no code in the redirect: ${new URL(next).search.slice(0, 200)}`);

  const exchange = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: spec.redirectUri, client_id: spec.clientId, code_verifier: verifier });
  reply = await send(new URL(`${spec.issuer}/token`), 'POST', FORM, exchange.toString());
  const tokens = JSON.parse(reply.body) as { id_token?: string };
  if (reply.status !== 200 || !tokens.id_token) throw new Error(`token: ${reply.status}`);
}

