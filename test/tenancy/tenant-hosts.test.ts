import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { hostRequest, type HostAnswer, type HostRequest } from '../support/host-request.ts';
import { formsOf } from '../support/browser.ts';
import { pollUntil } from '../support/eventually.ts';
import { TEST_ACTOR } from '../support/scope.ts';
import { setIssuerForm } from '../../src/modules/domains/domains.service.ts';
import { createClient, grantClientApi } from '../../src/modules/clients/clients.service.ts';
import { TenantHosts, takeHostDecision } from '../../src/tenancy/tenant-hosts.ts';
import { loadConfig } from '../../src/config.ts';

/**
 * How requests reach a tenant (tenancy/tenant-hosts.ts), over real HTTP with the Host header set
 * by the test: `<id>.example.test` (BASE_DOMAIN), `/t/<id>` on the node's own address, and
 * X-Tansu-Tenant from a trusted proxy (the test connects from 127.0.0.2 for that, from 127.0.0.1
 * as a stranger). One tenant has its issuer on its subdomain, one keeps the path form.
 */
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const JSON_ACCEPT = { accept: 'application/json' };
const PROXY = '127.0.0.2';

let bed: OidcTestBed;
let node: string;
let port: string;
let onHost: TestTenant;
let onPath: TestTenant;
let hostIssuer: string;

const hostOf = (tenant: TestTenant) => `${tenant.id}.example.test:${port}`;
const at = (path: string, request: HostRequest = {}) => hostRequest(`${node}${path}`, request);

beforeAll(async () => {
  bed = await startOidcTestBed(1, { env: { BASE_DOMAIN: 'example.test', TRUSTED_PROXIES: PROXY } });
  node = bed.nodes[0]!.url;
  port = new URL(node).port;
  [onHost, onPath] = await Promise.all([createTestTenant(bed, uniqueTenantId('host')), createTestTenant(bed, uniqueTenantId('path'))]);
  const moved = await setIssuerForm(bed.platform, onHost, 'subdomain', TEST_ACTOR);
  hostIssuer = `http://${onHost.id}.example.test:${port}`;
  expect(moved).toMatchObject({ issuer: hostIssuer, form: 'subdomain', previousIssuer: onHost.issuer });
  // The node hears of the move by notification: it reloads its host names and rebuilds the provider.
  const discovery = await pollUntil(
    () => at('/.well-known/openid-configuration', { host: hostOf(onHost) }),
    (answer) => answer.status === 200 && answer.json().issuer === hostIssuer,
  );
  expect(discovery.json().issuer).toBe(hostIssuer);
});
afterAll(async () => {
  await bed?.close();
});

/** A client-credentials token for the tenant's admin API, asked for through `way`. */
async function adminTokenThrough(tenant: TestTenant, issuer: string, way: HostRequest & { path: string }): Promise<string> {
  const { client, clientSecret } = await createClient(tenant, { name: 'hosts test', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
  // The scope as the services get it from the tenant's context: with the tenant's issuer now.
  await grantClientApi({ ...tenant, issuer }, client.client_id, { identifier: `${issuer}/admin` }, TEST_ACTOR);
  const body = new URLSearchParams({ grant_type: 'client_credentials', resource: `${issuer}/admin`, scope: 'users:read' }).toString();
  const answer = await pollUntil(
    () =>
      at(way.path, {
        ...way,
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64')}`,
        },
      }),
    (a) => a.status === 200,
  );
  expect(answer.status, answer.text).toBe(200);
  return answer.json().access_token as string;
}

describe('a tenant whose issuer is on its subdomain', () => {
  it('is served on its host with that issuer in every document; on the path the same issuer answers, and a browser is sent to the host', async () => {
    const onItsHost = (await at('/.well-known/openid-configuration', { host: hostOf(onHost) })).json();
    expect(onItsHost).toMatchObject({ issuer: hostIssuer, authorization_endpoint: `${hostIssuer}/auth`, token_endpoint: `${hostIssuer}/token`, jwks_uri: `${hostIssuer}/jwks` });
    const metadata = await at('/.well-known/oauth-authorization-server', { host: hostOf(onHost) });
    expect(metadata.json().issuer).toBe(hostIssuer);

    const byPath = await at(`/t/${onHost.id}/.well-known/openid-configuration`, { headers: JSON_ACCEPT });
    expect(byPath.status).toBe(200);
    expect(byPath.json()).toEqual(onItsHost);
    const keysByPath = await at(`/t/${onHost.id}/jwks`, { headers: JSON_ACCEPT });
    expect(keysByPath.status).toBe(200);

    const page = await at(`/t/${onHost.id}/auth?client_id=x&state=s%20t`, { headers: BROWSER });
    expect(page.status).toBe(307);
    expect(page.headers.location).toBe(`${hostIssuer}/auth?client_id=x&state=s%20t`);
    const rfc8414 = await at(`/.well-known/oauth-authorization-server/t/${onHost.id}`, { headers: BROWSER });
    expect(rfc8414.headers.location).toBe(`${hostIssuer}/.well-known/oauth-authorization-server`);
  });

  it('issues tokens naming the host issuer whichever way they are asked for, and its admin API takes them on both ways', async () => {
    const viaPath = await adminTokenThrough(onHost, hostIssuer, { path: `/t/${onHost.id}/token` });
    const viaHost = await adminTokenThrough(onHost, hostIssuer, { path: '/token', host: hostOf(onHost) });
    for (const token of [viaPath, viaHost]) {
      expect(decodeJwt(token)).toMatchObject({ iss: hostIssuer, aud: `${hostIssuer}/admin` });
      const headers = { authorization: `Bearer ${token}`, ...JSON_ACCEPT };
      expect((await at('/admin/v1/me', { host: hostOf(onHost), headers })).status).toBe(200);
      expect((await at(`/t/${onHost.id}/admin/v1/me`, { headers })).status).toBe(200);
    }
  });

  it('sets its cookies on its host alone, at the root, and links its pages without the /t/<id> prefix', async () => {
    const jar = new Map<string, string>();
    const cookies: string[] = [];
    const send = async (path: string, request: HostRequest = {}): Promise<HostAnswer> => {
      const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      const answer = await at(path, { host: hostOf(onHost), ...request, headers: { ...BROWSER, ...(cookie && { cookie }), ...request.headers } });
      for (const line of answer.cookies) {
        cookies.push(line);
        const [pair] = line.split(';');
        const name = pair!.slice(0, pair!.indexOf('='));
        jar.set(name, pair!.slice(name.length + 1));
      }
      return answer;
    };
    const verifier = crypto.randomBytes(32).toString('base64url');
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    const redirectUri = `${hostIssuer}/account/callback`;
    const query = new URLSearchParams({ client_id: 'tansu-account', response_type: 'code', scope: 'openid', redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 'st' });
    const started = await send(`/auth?${query}`);
    expect(started.status).toBe(303);
    const interaction = started.headers.location!;
    expect(interaction).toMatch(/^\/interaction\/[\w-]+$/);

    const login = await send(interaction);
    expect(login.status).toBe(200);
    const [form] = formsOf(login.text, `http://${hostOf(onHost)}${interaction}`);
    expect(new URL(form!.action).pathname).toBe(`${interaction}/login`);
    expect(login.text).not.toContain('action="//');
    const posted = await send(new URL(form!.action).pathname, {
      method: 'POST',
      body: new URLSearchParams({ ...form!.fields, email: onHost.adminEmail, password: onHost.adminPassword }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(posted.status).toBeGreaterThanOrEqual(300);
    let location = new URL(posted.headers.location!, hostIssuer);
    for (let hop = 0; hop < 5 && !location.href.startsWith(redirectUri); hop++) {
      const next = await send(`${location.pathname}${location.search}`);
      location = new URL(next.headers.location!, hostIssuer);
    }
    expect(location.href.startsWith(redirectUri)).toBe(true);
    expect(location.searchParams.get('code')).toBeTruthy();

    const forgot = await send('/forgot-password');
    expect(forgot.status).toBe(200);
    expect(forgot.text).toContain('action="/forgot-password"');

    const session = cookies.find((line) => line.startsWith(`tansu.${onHost.id}.session=`));
    expect(session).toMatch(/;\s*path=\/;/i);
    expect(cookies.find((line) => line.startsWith(`tansu.${onHost.id}.form=`))).toMatch(/;\s*path=\/;/i);
    for (const line of cookies) {
      expect(line).not.toMatch(/;\s*domain=/i);
      expect(line).not.toMatch(/;\s*path=\/t\//i);
    }
  });
});

describe('a tenant whose issuer keeps the path form', () => {
  it('is served on its path exactly as before, a browser included, and on its subdomain answers with the path issuer or sends a browser to it', async () => {
    const byPath = await at(`/t/${onPath.id}/.well-known/openid-configuration`, { headers: BROWSER });
    expect(byPath.status).toBe(200);
    expect(byPath.json().issuer).toBe(onPath.issuer);

    const onSubdomain = await at('/.well-known/openid-configuration', { host: hostOf(onPath), headers: JSON_ACCEPT });
    expect(onSubdomain.status).toBe(200);
    expect(onSubdomain.json()).toEqual(byPath.json());
    const page = await at('/auth?a=b', { host: hostOf(onPath), headers: BROWSER });
    expect(page.status).toBe(307);
    expect(page.headers.location).toBe(`${onPath.issuer}/auth?a=b`);
  });
});

describe('isolation', () => {
  it("never serves another tenant on one tenant's host, whatever the path says", async () => {
    for (const path of [
      `/t/${onPath.id}/.well-known/openid-configuration`,
      `/.well-known/oauth-authorization-server/t/${onPath.id}`,
      `/../t/${onPath.id}/.well-known/openid-configuration`,
      `/%2e%2e/t/${onPath.id}/.well-known/openid-configuration`,
    ]) {
      const answer = await at(path, { host: hostOf(onHost), headers: JSON_ACCEPT });
      expect(answer.status, path).toBeGreaterThanOrEqual(400);
      expect(answer.text).not.toContain(onPath.issuer);
    }
  });

  it("refuses a subdomain that names no tenant, or more than one label, and a host token at another tenant's host", async () => {
    for (const host of [`nosuch-${crypto.randomBytes(3).toString('hex')}.example.test`, `a.${onHost.id}.example.test`, `Bad_Label.example.test`]) {
      const answer = await at('/.well-known/openid-configuration', { host: `${host}:${port}` });
      expect(answer.status, host).toBe(404);
      expect(answer.json().error).toBe('tenant_not_found');
    }
    const token = await adminTokenThrough(onHost, hostIssuer, { path: '/token', host: hostOf(onHost) });
    const elsewhere = await at('/admin/v1/me', { host: hostOf(onPath), headers: { authorization: `Bearer ${token}`, ...JSON_ACCEPT } });
    expect(elsewhere.status).toBe(401);
  });
});

describe('X-Tansu-Tenant', () => {
  it('picks the tenant when a trusted proxy sends it, with the same one issuer, and a path already in the path form', async () => {
    const byHeader = await at('/.well-known/openid-configuration', { localAddress: PROXY, headers: { 'x-tansu-tenant': onHost.id, ...BROWSER } });
    expect(byHeader.status).toBe(200);
    expect(byHeader.json().issuer).toBe(hostIssuer);
    const prefixed = await at(`/t/${onPath.id}/.well-known/openid-configuration`, { localAddress: PROXY, headers: { 'x-tansu-tenant': onPath.id } });
    expect(prefixed.json().issuer).toBe(onPath.issuer);
    // The header decides: a path naming another tenant is a path inside the named one.
    const crossed = await at(`/t/${onPath.id}/.well-known/openid-configuration`, { localAddress: PROXY, headers: { 'x-tansu-tenant': onHost.id, ...JSON_ACCEPT } });
    expect(crossed.status).toBe(404);
    const forwarded = await at('/.well-known/openid-configuration', { localAddress: PROXY, headers: { 'x-forwarded-host': hostOf(onHost) } });
    expect(forwarded.json().issuer).toBe(hostIssuer);
    const invalid = await at('/.well-known/openid-configuration', { localAddress: PROXY, headers: { 'x-tansu-tenant': '../admin' } });
    expect(invalid.status).toBe(404);
    expect(invalid.json().error).toBe('tenant_not_found');
  });

  it('is refused from any other peer, so it cannot pick a tenant, not even on a path that names one', async () => {
    for (const path of ['/.well-known/openid-configuration', `/t/${onPath.id}/.well-known/openid-configuration`, '/no-such-route']) {
      const answer = await at(path, { headers: { 'x-tansu-tenant': onHost.id, ...JSON_ACCEPT } });
      expect(answer.status, path).toBe(400);
      expect(answer.json().error).toBe('untrusted_tenant_header');
    }
    // Nor does a stranger's X-Forwarded-Host name a tenant's host.
    const forwarded = await at('/.well-known/openid-configuration', { headers: { 'x-forwarded-host': hostOf(onHost), ...JSON_ACCEPT } });
    expect(forwarded.status).toBe(404);
    expect(forwarded.json().error).toBe('not_found');
  });
});

describe('rewrite, on its own', () => {
  it('stays the platform\'s when it lies under BASE_DOMAIN: login.example.com is not tenant "login"', () => {
    const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'https://login.example.com', BASE_DOMAIN: 'example.com' });
    const hosts = new TenantHosts({ db: undefined as never, log: undefined as never, publicUrl: config.publicUrl, config });
    const request = (host: string) => ({ url: '/t/acme/token', method: 'POST', headers: { host }, socket: {} }) as unknown as IncomingMessage;
    const onPublic = request('login.example.com');
    expect(hosts.rewrite(onPublic)).toBe('/t/acme/token');
    expect(takeHostDecision(onPublic)).toBeUndefined();
    const onTenant = request('acme.example.com');
    expect(hosts.rewrite(onTenant)).toBe('/t/acme/t/acme/token');
  });

  it('leaves an absolute-form request target alone: no path of ours to route or redirect', () => {
    const config = loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'https://login.example.com', BASE_DOMAIN: 'example.com' });
    const hosts = new TenantHosts({ db: undefined as never, log: undefined as never, publicUrl: config.publicUrl, config });
    const absolute = { url: 'http://evil.test/x', method: 'GET', headers: { host: 'acme.example.com', accept: 'text/html' }, socket: {} } as unknown as IncomingMessage;
    expect(hosts.rewrite(absolute)).toBe('http://evil.test/x');
    expect(takeHostDecision(absolute)).toBeUndefined();
  });
});
