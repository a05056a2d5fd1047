/**
 * Load generator for password logins, run as its own process: virtual browsers that each repeat a
 * whole authorization-code login with PKCE — /auth, the login page, the form post, the redirect
 * back with a code, the code exchanged at /token — for a bounded time. Reads a JSON spec
 * (argv[2]); prints one JSON line: logins/s and p50/p99 of a whole login.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

export interface LoginLoadSpec {
  url: string;
  /** The provider's base URL: Tansu's `<url>/t/<tenant>`, or the bare provider's root. */
  issuer: string;
  clientId: string;
  redirectUri: string;
  users: { email: string; password: string }[];
  concurrency: number;
  durationSeconds: number;
  warmupSeconds?: number;
  /**
   * Several servers instead of `url`/`issuer` (a bare baseline whose workers have ports of their
   * own): browser i keeps to entry i mod n, as behind a sticky balancer.
   */
  servers?: { url: string; issuer: string }[];
}

export interface LoginLoadResult {
  loginsPerSecond: number;
  logins: number;
  p50: number;
  p99: number;
  failures: number;
  firstFailure?: string;
  allLogins?: number;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * node:http with keep-alive rather than fetch: the generator shares the machine's two cores with
 * the server, and fetch (undici, web streams) took twice its CPU per login (BENCHMARKS.md).
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });

function send(url: URL, method: 'GET' | 'POST', headers: http.OutgoingHttpHeaders, body?: string): Promise<Reply> {
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

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

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

async function login(spec: LoginLoadSpec, user: { email: string; password: string }, ip: string): Promise<void> {
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

async function run(spec: LoginLoadSpec, seconds: number): Promise<LoginLoadResult> {
  const until = performance.now() + seconds * 1000;
  const times: number[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  let next = 0;
  const started = performance.now();
  const browserLoop = async (_: unknown, index: number) => {
    const ip = `10.77.${Math.floor(index / 250)}.${(index % 250) + 1}`;
    const server = spec.servers?.length ? spec.servers[index % spec.servers.length]! : spec;
    const own = { ...spec, url: server.url, issuer: server.issuer };
    while (performance.now() < until) {
      const user = spec.users[next++ % spec.users.length]!;
      const t0 = performance.now();
      try {
        await login(own, user, ip);
        times.push(performance.now() - t0);
      } catch (error) {
        failures++;
        firstFailure ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, browserLoop));
  const elapsed = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  const at = (p: number) => Math.round(times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)] ?? NaN);
  return { loginsPerSecond: Math.round((times.length / elapsed) * 10) / 10, logins: times.length, p50: at(50), p99: at(99), failures, ...(firstFailure ? { firstFailure } : {}) };
}

const spec = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as LoginLoadSpec;
const warmup = spec.warmupSeconds ? await run(spec, spec.warmupSeconds) : undefined;
const result = await run(spec, spec.durationSeconds);
// Every login of the process, warm-up included, for per-login counts taken around the whole run.
process.stdout.write(`${JSON.stringify({ ...result, allLogins: result.logins + (warmup?.logins ?? 0) })}\n`);
