import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { uniqueTenantId } from '../../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { hostRequest, type HostAnswer, type HostRequest } from '../../support/host-request.ts';
import { startTestDns, type TestDns } from '../../support/dns.ts';
import { pollUntil } from '../../support/eventually.ts';
import { TEST_ACTOR } from '../../support/scope.ts';
import { createClient, grantClientApi } from '../../../src/modules/clients/clients.service.ts';
import { MAX_DOMAINS_PER_TENANT, addDomain, removeDomain } from '../../../src/modules/domains/domains.service.ts';
import { publishTenantChange } from '../../../src/platform/notifications.ts';

/**
 * Custom domains over real HTTP (Host headers set by the test) with a DNS server of the test's
 * own (DNS_RESOLVER): add, verify by TXT record, activate (the issuer moves, tokens of the old
 * one stay good for the grace), remove; the Caddy ask endpoint; and that a domain serves nothing,
 * and no other tenant, unless it is its tenant's active, verified domain.
 */
const JSON_ACCEPT = { accept: 'application/json' };
const BROWSER = { accept: 'text/html,*/*;q=0.8' };
const DOMAIN = 'auth.acme-corp.test';

let dns: TestDns;
let bed: OidcTestBed;
let node: string;
let port: string;
let acme: TestTenant;
let globex: TestTenant;
let domainIssuer: string;

const at = (path: string, request: HostRequest = {}) => hostRequest(`${node}${path}`, request);
const onDomain = (path: string, request: HostRequest = {}) => at(path, { ...request, host: `${DOMAIN}:${port}` });

beforeAll(async () => {
  dns = await startTestDns();
  bed = await startOidcTestBed(1, { env: { DNS_RESOLVER: dns.server, BASE_DOMAIN: 'example.test' } });
  node = bed.nodes[0]!.url;
  port = new URL(node).port;
  domainIssuer = `http://${DOMAIN}:${port}`;
  [acme, globex] = await Promise.all([createTestTenant(bed, uniqueTenantId('dom-acme')), createTestTenant(bed, uniqueTenantId('dom-globex'))]);
});
afterAll(async () => {
  await bed?.close();
  await dns?.close();
});

/** A settings:read/write admin token of `tenant` under `issuer`, from its token endpoint on the path. */
async function adminToken(tenant: TestTenant, issuer: string): Promise<string> {
  const { client, clientSecret } = await createClient(tenant, { name: 'domains test', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
  await grantClientApi({ ...tenant, issuer }, client.client_id, { identifier: `${issuer}/admin` }, TEST_ACTOR);
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource: `${issuer}/admin`, scope: 'settings:read settings:write' }).toString();
  const basic = Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64');
  const answer = await pollUntil(
    () => at(`/t/${tenant.id}/token`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` } }),
    (a) => a.status === 200,
  );
  expect(answer.status, answer.text).toBe(200);
  return answer.json().access_token as string;
}

function admin(tenant: TestTenant, token: string, path: string, init: { method?: string; body?: unknown; host?: string } = {}): Promise<HostAnswer> {
  return at(init.host ? `/admin/v1${path}` : `/t/${tenant.id}/admin/v1${path}`, {
    method: init.method ?? 'GET',
    host: init.host,
    headers: { authorization: `Bearer ${token}`, ...JSON_ACCEPT, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

const ask = async (domain: string) => (await at(`/.well-known/tansu/ask?domain=${encodeURIComponent(domain)}`)).status;

describe('a custom domain', () => {
  let oldToken: string;

  it('is added with the TXT record to publish, and until it is active serves nothing, not even a /t/<id> path', async () => {
    oldToken = await adminToken(acme, acme.issuer);
    const added = await admin(acme, oldToken, '/domains', { method: 'POST', body: { domain: 'Auth.Acme-Corp.test.' } });
    expect(added.status, added.text).toBe(201);
    expect(added.json()).toMatchObject({
      domain: DOMAIN,
      status: 'pending',
      verification: { type: 'TXT', name: `_tansu-challenge.${DOMAIN}`, value: expect.stringMatching(/^tansu-verify=[\w-]{32}$/) },
      verified_at: null,
    });
    const refused = await pollUntil(() => onDomain('/.well-known/openid-configuration', { headers: JSON_ACCEPT }), (a) => a.json().error === 'domain_not_active');
    expect(refused.status).toBe(404);
    expect(refused.json().error).toBe('domain_not_active');
    expect((await onDomain(`/t/${acme.id}/.well-known/openid-configuration`, { headers: JSON_ACCEPT })).status).toBe(404);
    expect(await ask(DOMAIN)).toBe(404);
    expect((await admin(acme, oldToken, '/domains', { method: 'POST', body: { domain: DOMAIN } })).json().error).toBe('domain_exists');
  });

  it('is verified only once its TXT record holds the challenge, and then still serves nothing until activated', async () => {
    const challenge = (await admin(acme, oldToken, '/domains')).json().items[0].verification.value as string;
    const missing = await admin(acme, oldToken, `/domains/${DOMAIN}/verify`, { method: 'POST' });
    expect(missing.status).toBe(409);
    expect(missing.json()).toMatchObject({ error: 'domain_not_verified', error_description: expect.stringContaining('no TXT record') });
    dns.setTxt(`_tansu-challenge.${DOMAIN}`, ['tansu-verify=someone-elses-value']);
    const wrong = await admin(acme, oldToken, `/domains/${DOMAIN}/verify`, { method: 'POST' });
    expect(wrong.json().error_description).toContain('someone-elses-value');

    dns.setTxt(`_tansu-challenge.${DOMAIN}`, ['v=spf1 -all', challenge]);
    const verified = await admin(acme, oldToken, `/domains/${DOMAIN}/verify`, { method: 'POST' });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.json()).toMatchObject({ domain: DOMAIN, status: 'verified', verified_at: expect.any(String) });
    expect((await onDomain('/.well-known/openid-configuration', { headers: JSON_ACCEPT })).status).toBe(404);
    expect(await ask(DOMAIN)).toBe(404);
  });

  it('verified by one tenant, cannot be added or verified by another', async () => {
    const taken = await addDomain(bed.platform, globex, DOMAIN, TEST_ACTOR).catch((error: unknown) => error);
    expect(taken).toMatchObject({ code: 'domain_taken', status: 409 });
    // Two tenants may claim one name; the first to prove it holds it, and the other's proof comes too late.
    const name = 'login.acme-corp.test';
    const early = await addDomain(bed.platform, acme, name, TEST_ACTOR);
    const other = await addDomain(bed.platform, globex, name, TEST_ACTOR);
    dns.setTxt(`_tansu-challenge.${name}`, [other.challenge.value, early.challenge.value]);
    const token = await adminToken(globex, globex.issuer);
    expect((await admin(globex, token, `/domains/${name}/verify`, { method: 'POST' })).json().status).toBe('verified');
    const late = await admin(acme, oldToken, `/domains/${name}/verify`, { method: 'POST' });
    expect(late.status).toBe(409);
    expect(late.json().error).toBe('domain_taken');
    await removeDomain(bed.platform, acme, name, TEST_ACTOR);
    await removeDomain(bed.platform, globex, 'login.acme-corp.test', TEST_ACTOR);
  });

  it('once activated is the issuer: the tenant is served there, the other ways answer with it or send a browser there, and old tokens last the grace', async () => {
    const activated = await admin(acme, oldToken, `/domains/${DOMAIN}/activate`, { method: 'POST' });
    expect(activated.status, activated.text).toBe(200);
    expect(activated.json()).toMatchObject({ issuer: domainIssuer, form: 'domain', domain: DOMAIN, previous_issuer: acme.issuer, previous_issuer_valid_until: expect.any(String) });
    const discovery = await pollUntil(() => onDomain('/.well-known/openid-configuration', { headers: JSON_ACCEPT }), (a) => a.status === 200 && a.json().issuer === domainIssuer);
    expect(discovery.json()).toMatchObject({ issuer: domainIssuer, token_endpoint: `${domainIssuer}/token` });
    expect(await ask(DOMAIN)).toBe(200);
    expect((await admin(acme, oldToken, '/domains')).json().items).toEqual([expect.objectContaining({ domain: DOMAIN, status: 'active' })]);

    expect((await at(`/t/${acme.id}/.well-known/openid-configuration`, { headers: JSON_ACCEPT })).json().issuer).toBe(domainIssuer);
    const page = await at(`/t/${acme.id}/auth?x=1`, { headers: BROWSER });
    expect(page.status).toBe(307);
    expect(page.headers.location).toBe(`${domainIssuer}/auth?x=1`);
    const subdomainPage = await at('/auth', { host: `${acme.id}.example.test:${port}`, headers: BROWSER });
    expect(subdomainPage.headers.location).toBe(`${domainIssuer}/auth`);

    const newToken = await adminToken(acme, domainIssuer);
    expect(decodeJwt(newToken)).toMatchObject({ iss: domainIssuer, aud: `${domainIssuer}/admin` });
    expect(decodeJwt(oldToken)).toMatchObject({ iss: acme.issuer });
    for (const token of [oldToken, newToken]) expect((await admin(acme, token, '/issuer', { host: `${DOMAIN}:${port}` })).status).toBe(200);

    // The grace ends: tokens of the old issuer are refused, the new ones still taken.
    await bed.platform.db.updateTable('tenants').set({ previous_issuer_until: new Date(Date.now() - 1000) }).where('id', '=', acme.id).execute();
    await publishTenantChange(bed.platform.db, { tenant: acme.id, kind: 'updated' });
    const expired = await pollUntil(() => admin(acme, oldToken, '/issuer'), (a) => a.status === 401);
    expect(expired.json().error).toBe('invalid_token');
    expect((await admin(acme, newToken, '/issuer')).json()).toMatchObject({ issuer: domainIssuer, previous_issuer: null });

    for (const path of [`/t/${globex.id}/.well-known/openid-configuration`, `/.well-known/oauth-authorization-server/t/${globex.id}`]) {
      const crossed = await onDomain(path, { headers: JSON_ACCEPT });
      expect(crossed.status, path).toBe(404);
      expect(crossed.json().error).toBe('not_found');
    }
  });

  it('once removed serves nothing, is refused a certificate, and the issuer falls back to the path form', async () => {
    const token = await adminToken(acme, domainIssuer);
    const removed = await admin(acme, token, `/domains/${DOMAIN}`, { method: 'DELETE' });
    expect(removed.status, removed.text).toBe(204);
    const after = await pollUntil(() => onDomain('/.well-known/openid-configuration', { headers: JSON_ACCEPT }), (a) => a.json().error === 'not_found');
    expect(after.json().error).toBe('not_found');
    expect(await ask(DOMAIN)).toBe(404);
    expect((await at(`/t/${acme.id}/.well-known/openid-configuration`, { headers: BROWSER })).json().issuer).toBe(acme.issuer);
    expect((await admin(acme, token, '/issuer')).json()).toMatchObject({ issuer: acme.issuer, form: 'path', previous_issuer: domainIssuer });

    const audit = await acme.db
      .selectFrom('audit_events')
      .select(['action', 'target', 'actor'])
      .where((eb) => eb.or([eb('target', '=', DOMAIN), eb('action', '=', 'issuer.changed')]))
      .orderBy('id')
      .execute();
    expect(audit.map((event) => event.action)).toEqual(['domain.added', 'domain.verified', 'issuer.changed', 'issuer.changed', 'domain.removed']);
    expect(audit.every((event) => event.actor.startsWith('client:'))).toBe(true);
  });
});

describe('what is refused', () => {
  it('names that are not the tenant’s own, and any issuer move for the admin tenant', async () => {
    for (const name of ['localhost', 'a.localhost', 'x.example.test', 'example.test', '127.0.0.1', 'https://auth.acme.test', 'auth.acme.test:443', 'no_underscores.test', 'single']) {
      const refused = await addDomain(bed.platform, acme, name, TEST_ACTOR).catch((error: unknown) => error);
      expect(refused, name).toMatchObject({ code: 'invalid_domain', status: 400 });
    }
    const fixed = await addDomain(bed.platform, { ...acme, id: 'admin' as TestTenant['id'] }, 'auth.platform.test', TEST_ACTOR).catch((error: unknown) => error);
    expect(fixed).toMatchObject({ code: 'issuer_fixed', status: 409 });
  });

  it('more than MAX_DOMAINS_PER_TENANT claims: every node holds every claimed name in memory', async () => {
    const held = await bed.platform.db.selectFrom('tenant_domains').select('domain').where('tenant_id', '=', globex.id).execute();
    for (let i = held.length; i < MAX_DOMAINS_PER_TENANT; i++) await addDomain(bed.platform, globex, `d${i}.globex-many.test`, TEST_ACTOR);
    const refused = await addDomain(bed.platform, globex, 'one-more.globex-many.test', TEST_ACTOR).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'too_many_domains', status: 409 });
  });

  it('certificates for any name but an active domain or the subdomain of an existing tenant', async () => {
    expect(await ask(`${acme.id}.example.test`)).toBe(200);
    expect(await ask(`${acme.id.toUpperCase()}.EXAMPLE.TEST`)).toBe(200);
    for (const name of ['nosuch-tenant.example.test', 'example.test', `a.${acme.id}.example.test`, 'elsewhere.test', '[::1]']) expect(await ask(name), name).toBe(404);
    expect((await at('/.well-known/tansu/ask')).status).toBe(400);
  });
});
