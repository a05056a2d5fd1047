/**
 * The soak's load generator (soak.ts), its own process: virtual users that, until the time is up,
 * each pick a random tenant and a random operation by weight — a whole login through the form,
 * a refresh, client credentials, introspection of a refresh token, the JWKS — and record its
 * latency and any failure per endpoint. Reads a JSON spec (argv[2]); a progress line per
 * interval on stderr; one JSON line of results on stdout.
 */
import fs from 'node:fs';
import { FORM, login, send, type Reply } from './support/login-flow.ts';

export interface SoakTenant {
  id: string;
  /** Client credentials (confidential). */
  cc: { id: string; secret: string };
  /** A confidential first-party app with the password and refresh_token grants. */
  app: { id: string; secret: string };
  /** A public first-party web client for the login form. */
  web: { id: string };
}

export interface SoakSpec {
  url: string;
  tenants: SoakTenant[];
  user: { email: string; password: string };
  redirectUri: string;
  concurrency: number;
  durationSeconds: number;
  /** Relative weights of the operations. */
  mix: Record<Operation, number>;
  progressSeconds: number;
}

export type Operation = 'login' | 'refresh' | 'client_credentials' | 'introspection' | 'jwks';
/** Also measured: the password grant that gets a tenant its first refresh token. */
type Endpoint = Operation | 'password_grant';

export interface EndpointResult {
  count: number;
  errors: number;
  perSecond: number;
  p50: number;
  p99: number;
  firstError?: string;
}

export interface SoakLoadResult {
  seconds: number;
  endpoints: Record<string, EndpointResult>;
  /** Introspections that answered `active: false` (a refresh token rotated meanwhile): not errors. */
  inactiveIntrospections: number;
}

const spec = JSON.parse(fs.readFileSync(process.argv[2]!, 'utf8')) as SoakSpec;
const times = new Map<Endpoint, number[]>();
const errors = new Map<Endpoint, { count: number; first?: string }>();
let inactive = 0;
/** Each tenant's current refresh token, taken out while a refresh uses it (rotation: one use each). */
const refreshTokens = new Map<string, string>();
const fetchingRefresh = new Set<string>();

const basic = (c: { id: string; secret: string }) => `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64')}`;

async function timed(endpoint: Endpoint, work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await work();
    const list = times.get(endpoint) ?? [];
    list.push(performance.now() - started);
    times.set(endpoint, list);
  } catch (error) {
    const e = errors.get(endpoint) ?? { count: 0 };
    e.count++;
    e.first ??= (error as Error).message.slice(0, 300);
    errors.set(endpoint, e);
  }
}

function expectOk(reply: Reply, what: string): Record<string, unknown> {
  if (reply.status !== 200) throw new Error(`${what}: ${reply.status} ${reply.body.slice(0, 200)}`);
  return JSON.parse(reply.body) as Record<string, unknown>;
}

function tokenRequest(tenant: SoakTenant, client: { id: string; secret: string }, body: URLSearchParams, ip: string, path = 'token'): Promise<Reply> {
  return send(new URL(`${spec.url}/t/${tenant.id}/${path}`), 'POST', { ...FORM, authorization: basic(client), 'x-forwarded-for': ip }, body.toString());
}

async function passwordGrant(tenant: SoakTenant, ip: string): Promise<void> {
  fetchingRefresh.add(tenant.id);
  try {
    await timed('password_grant', async () => {
      const body = new URLSearchParams({ grant_type: 'password', username: spec.user.email, password: spec.user.password, scope: 'openid offline_access' });
      const answer = expectOk(await tokenRequest(tenant, tenant.app, body, ip), 'password grant');
      if (typeof answer.refresh_token !== 'string') throw new Error('password grant: no refresh token');
      refreshTokens.set(tenant.id, answer.refresh_token);
    });
  } finally {
    fetchingRefresh.delete(tenant.id);
  }
}

async function operate(op: Operation, tenant: SoakTenant, ip: string): Promise<void> {
  switch (op) {
    case 'jwks':
      return timed('jwks', async () => {
        const reply = await send(new URL(`${spec.url}/t/${tenant.id}/jwks`), 'GET', { 'x-forwarded-for': ip });
        if (!Array.isArray(expectOk(reply, 'jwks').keys)) throw new Error('jwks: no keys');
      });
    case 'client_credentials':
      return timed('client_credentials', async () => {
        const answer = expectOk(await tokenRequest(tenant, tenant.cc, new URLSearchParams({ grant_type: 'client_credentials' }), ip), 'client credentials');
        if (typeof answer.access_token !== 'string') throw new Error('client credentials: no access token');
      });
    case 'login':
      return timed('login', () => login({ url: spec.url, issuer: `${spec.url}/t/${tenant.id}`, clientId: tenant.web.id, redirectUri: spec.redirectUri }, spec.user, ip));
    case 'refresh': {
      const token = refreshTokens.get(tenant.id);
      if (!token) return fetchingRefresh.has(tenant.id) ? undefined : passwordGrant(tenant, ip);
      refreshTokens.delete(tenant.id);
      return timed('refresh', async () => {
        const answer = expectOk(await tokenRequest(tenant, tenant.app, new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }), ip), 'refresh');
        if (typeof answer.refresh_token !== 'string') throw new Error('refresh: no new refresh token');
        refreshTokens.set(tenant.id, answer.refresh_token);
      });
    }
    case 'introspection': {
      const token = refreshTokens.get(tenant.id);
      if (!token) return fetchingRefresh.has(tenant.id) ? undefined : passwordGrant(tenant, ip);
      return timed('introspection', async () => {
        const answer = expectOk(await tokenRequest(tenant, tenant.app, new URLSearchParams({ token, token_type_hint: 'refresh_token' }), ip, 'token/introspection'), 'introspection');
        if (answer.active !== true) inactive++;
      });
    }
  }
}

const operations = Object.entries(spec.mix).filter(([, w]) => w > 0) as [Operation, number][];
const totalWeight = operations.reduce((n, [, w]) => n + w, 0);
function pick(): Operation {
  let r = Math.random() * totalWeight;
  for (const [op, w] of operations) if ((r -= w) < 0) return op;
  return operations[0]![0];
}

const started = performance.now();
const until = started + spec.durationSeconds * 1000;
const progress = setInterval(() => {
  const line = Object.fromEntries([...new Set([...times.keys(), ...errors.keys()])].map((e) => [e, `${times.get(e)?.length ?? 0} ok, ${errors.get(e)?.count ?? 0} failed`]));
  process.stderr.write(`${JSON.stringify({ t: Math.round((performance.now() - started) / 1000), ...line })}\n`);
}, spec.progressSeconds * 1000);

await Promise.all(
  Array.from({ length: spec.concurrency }, async (_, index) => {
    const ip = `10.88.${Math.floor(index / 250)}.${(index % 250) + 1}`;
    while (performance.now() < until) {
      const tenant = spec.tenants[Math.floor(Math.random() * spec.tenants.length)]!;
      await operate(pick(), tenant, ip);
    }
  }),
);
clearInterval(progress);
const seconds = (performance.now() - started) / 1000;
const at = (sorted: number[], p: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN) * 10) / 10;
const endpoints: Record<string, EndpointResult> = {};
for (const endpoint of new Set([...times.keys(), ...errors.keys()])) {
  const sorted = (times.get(endpoint) ?? []).sort((a, b) => a - b);
  const e = errors.get(endpoint);
  endpoints[endpoint] = {
    count: sorted.length,
    errors: e?.count ?? 0,
    perSecond: Math.round((sorted.length / seconds) * 10) / 10,
    p50: at(sorted, 50),
    p99: at(sorted, 99),
    ...(e?.first ? { firstError: e.first } : {}),
  };
}
const result: SoakLoadResult = { seconds: Math.round(seconds), endpoints, inactiveIntrospections: inactive };
process.stdout.write(`${JSON.stringify(result)}\n`);
