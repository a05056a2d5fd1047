import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../support/platform.ts';
import { eventually, pollUntil } from '../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestNode, type TestTenant } from '../support/oidc.ts';
import { adminToken, machineClient, type MachineClient } from '../support/admin-api.ts';
import { TEST_ACTOR } from '../support/scope.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { updateTenantSettings, type SettingsChange } from '../../src/modules/settings/settings.service.ts';
import type { RateBudgets, RateLimitsChange } from '../../src/modules/settings/rate-limits.ts';

/**
 * Rate limits over real HTTP on two nodes of one platform, as behind a balancer: each node grants
 * its share of a tenant's budget (the budget divided by the two serving processes), so the fleet
 * grants the budget once. Budgets are a few requests a minute, so nothing refills while a test
 * runs: one request every 30 s or slower.
 */
let bed: OidcTestBed;
let node0: TestNode;
let node1: TestNode;
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

beforeAll(async () => {
  // The platform's budgets, high enough never to matter here but for the ceiling of the admin API.
  const env = Object.fromEntries(
    ['TOKEN', 'TOKEN_PER_CLIENT', 'AUTHORIZATION', 'AUTHORIZATION_PER_CLIENT', 'API'].map((name) => [`RATE_LIMIT_${name}_PER_MINUTE`, '1000']),
  );
  bed = await startOidcTestBed(2, { env });
  [node0, node1] = bed.nodes as [TestNode, TestNode];
  await Promise.all(bed.nodes.map((node) => node.app.refreshServingProcesses()));
});
afterAll(async () => {
  await bed?.close();
});

/** Sets a tenant's rate limits as the operator would, and waits until both nodes judge by them. */
async function setLimits(tenant: TestTenant, rateLimits: RateLimitsChange, applied: (budgets: RateBudgets) => boolean) {
  await updateTenantSettings(tenant, { rateLimits } satisfies SettingsChange, TEST_ACTOR);
  for (const node of bed.nodes) {
    await eventually(() => node.app.tenants.use(tenant.id, async (context) => applied(context.rateBudgets)), `node ${node.url} to apply the new rate limits`);
  }
}

const at = (node: TestNode, tenant: TestTenant, path: string) => `${node.url}/t/${tenant.id}${path}`;

async function token(node: TestNode, tenant: TestTenant, client: MachineClient, via: 'basic' | 'post' = 'basic') {
  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (via === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`;
  } else {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.secret);
  }
  const response = await fetch(at(node, tenant, '/token'), { method: 'POST', headers, body: form });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const limitHeaders = (headers: Headers) => ({
  limit: headers.get('ratelimit-limit'),
  remaining: headers.get('ratelimit-remaining'),
});

describe('the token endpoint', () => {
  let acme: TestTenant;
  let globex: TestTenant;
  let acmeApp: MachineClient;
  let globexApp: MachineClient;

  beforeAll(async () => {
    [acme, globex] = await Promise.all([createTestTenant(bed, uniqueTenantId('rl-acme')), createTestTenant(bed, uniqueTenantId('rl-globex'))]);
    [acmeApp, globexApp] = await Promise.all([machineClient(acme, 'acme app', false), machineClient(globex, 'globex app', false)]);
  });

  it("counts a tenant's budget over both processes: each node grants its half, then answers 429 rate_limited with Retry-After and RateLimit-*; another tenant is untouched", async () => {
    expect(bed.nodes.map((node) => node.app.rateLimiter.processes)).toEqual([2, 2]);
    await setLimits(acme, { budgets: { token: 4 } }, (budgets) => budgets.token === 4);

    for (const node of bed.nodes) {
      const granted = [await token(node, acme, acmeApp), await token(node, acme, acmeApp)];
      expect(granted.map((answer) => answer.status)).toEqual([200, 200]);
      expect(granted.map((answer) => limitHeaders(answer.headers))).toEqual([
        { limit: '2', remaining: '1' },
        { limit: '2', remaining: '0' },
      ]);
      const refused = await token(node, acme, acmeApp);
      expect(refused.status).toBe(429);
      expect(refused.body).toEqual({ error: 'rate_limited', error_description: expect.stringMatching(/^too many requests: the tenant's token endpoint budget is spent \(2 a minute here\); retry in \d+ s$/) });
      // Two a minute: the next one in at most 30 s, the whole share in at most a minute.
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(30);
      expect(limitHeaders(refused.headers)).toEqual({ limit: '2', remaining: '0' });
      expect(Number(refused.headers.get('ratelimit-reset'))).toBeLessThanOrEqual(60);
      expect(refused.headers.get('cache-control')).toBe('no-store');
    }

    const other = await token(node0, globex, globexApp);
    expect(other.status).toBe(200);
    expect(limitHeaders(other.headers)).toEqual({ limit: '500', remaining: '499' });
  });

  it("follows a change of the tenant's setting on every node at once, up and down", async () => {
    await setLimits(acme, { budgets: { token: 600 } }, (budgets) => budgets.token === 600);
    // The spent share refills at the new pace: 300 a minute, five a second.
    const raised = await pollUntil(() => token(node0, acme, acmeApp), (answer) => answer.status === 200, 10_000, 100);
    expect(raised.status).toBe(200);
    expect(raised.headers.get('ratelimit-limit')).toBe('300');

    // Globex has most of the platform's budget left on node 0; a smaller share applies at once.
    await setLimits(globex, { budgets: { token: 2 } }, (budgets) => budgets.token === 2);
    expect((await token(node0, globex, globexApp)).status).toBe(200);
    expect((await token(node0, globex, globexApp)).status).toBe(429);
  });

  it('gives each client its budget, a client its own one when it has one, named by Basic credentials or in the form', async () => {
    const beta = await createTestTenant(bed, uniqueTenantId('rl-beta'));
    const basic = await machineClient(beta, 'busy service', false);
    const { client, clientSecret } = await createClient(beta, { name: 'posting app', type: 'confidential', authMethod: 'client_secret_post', grantTypes: ['client_credentials'] }, TEST_ACTOR);
    const posting = { clientId: client.client_id, secret: clientSecret! };
    await setLimits(beta, { budgets: { tokenPerClient: 2 }, clients: { [basic.clientId]: 6 } }, (budgets) => budgets.tokenPerClient === 2);

    // The client named in the form body is counted, and the provider still reads that body.
    const first = await token(node0, beta, posting, 'post');
    expect(first.status).toBe(200);
    expect(first.body.access_token).toEqual(expect.any(String));
    const refused = await token(node0, beta, posting, 'post');
    expect(refused.status).toBe(429);
    expect(refused.body.error_description).toMatch(/this client's token endpoint budget is spent \(1 a minute here\)/);

    const own = [];
    for (let i = 0; i < 4; i++) own.push((await token(node0, beta, basic)).status);
    expect(own).toEqual([200, 200, 200, 429]);

    // A body read to find the client is bounded as the provider bounds it, also when sent in chunks.
    const chunk = new TextEncoder().encode(`grant_type=client_credentials&padding=${'x'.repeat(60 * 1024)}`);
    const oversized = await fetch(at(node0, beta, '/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new ReadableStream({ start: (controller) => (controller.enqueue(chunk), controller.close()) }),
      duplex: 'half',
    } as RequestInit);
    expect(oversized.status).toBe(413);
    expect(await oversized.json()).toEqual({ error: 'invalid_request', error_description: 'the request body is larger than 57344 bytes' });
  });
});

describe('the authorization endpoint', () => {
  it("counts the tenant's and each client's budget, and answers a browser past one with a page, anyone else with JSON", async () => {
    const gamma = await createTestTenant(bed, uniqueTenantId('rl-gamma'));
    await setLimits(gamma, { budgets: { authorization: 6, authorizationPerClient: 2 } }, (budgets) => budgets.authorization === 6);
    const authorize = (clientId: string, accept?: string) =>
      fetch(at(node0, gamma, `/auth?client_id=${clientId}&response_type=code&scope=openid&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb`), {
        headers: accept ? { accept } : {},
        redirect: 'manual',
      });

    // Node 0's shares: three for the tenant, one per client.
    expect((await authorize('first', BROWSER)).status).not.toBe(429);
    const page = await authorize('first', BROWSER);
    expect(page.status).toBe(429);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(page.headers.get('ratelimit-limit')).toBe('1');
    const html = await page.text();
    expect(html).toContain('Too many requests');
    expect(html).toContain('rate_limited');

    expect((await authorize('second')).status).not.toBe(429);
    expect((await authorize('third')).status).not.toBe(429);
    const json = await authorize('fourth');
    expect(json.status).toBe(429);
    expect(json.headers.get('ratelimit-limit')).toBe('3');
    expect(await json.json()).toEqual({ error: 'rate_limited', error_description: expect.stringContaining("the tenant's sign-in budget is spent") });
  });
});

describe("the tenant's JSON APIs", () => {
  it('count the signup API and the admin API against one budget', async () => {
    const delta = await createTestTenant(bed, uniqueTenantId('rl-delta'));
    const ops = await machineClient(delta, 'ops', true);
    const bearer = await adminToken(delta, ops, 'users:read');
    await setLimits(delta, { budgets: { api: 2 } }, (budgets) => budgets.api === 2);
    const signup = () =>
      fetch(at(node0, delta, '/api/auth/signup'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'someone@delta.test', password: 'a long enough password' }),
      });

    const admin = await fetch(at(node0, delta, '/admin/v1/me'), { headers: { authorization: `Bearer ${bearer}` } });
    expect(admin.status).toBe(200);
    expect(admin.headers.get('ratelimit-limit')).toBe('1');
    const refused = await signup();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: 'rate_limited', error_description: expect.stringContaining("the tenant's API budget is spent") });
    expect(refused.headers.get('retry-after')).not.toBeNull();

    // The other node's share, the other way round.
    expect((await fetch(at(node1, delta, '/api/auth/signup'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"a@delta.test","password":"a long enough password"}' })).status).toBe(403);
    const adminRefused = await fetch(at(node1, delta, '/admin/v1/me'), { headers: { authorization: `Bearer ${bearer}` } });
    expect(adminRefused.status).toBe(429);
    expect(((await adminRefused.json()) as { error: string }).error).toBe('rate_limited');
  });
});
