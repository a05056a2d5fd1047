import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { setTenantSuspended } from '../../src/provisioning/tenants.service.ts';
import { prefersHtml } from '../../src/http/accept.ts';

/**
 * Every error is answered twice over: a page for a person in a browser (same look and headers
 * as the login page, the stable code in text, a way on) and `{error, error_description}` JSON
 * for everything else. Fastify's internal FST_ERR_* codes never reach a client.
 */
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const TOKEN = crypto.randomBytes(32).toString('base64url');

let bed: OidcTestBed;
let tenant: TestTenant;
let suspended: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed(1, { env: { TANSU_ADMIN_TOKEN: TOKEN } });
  tenant = await createTestTenant(bed, uniqueTenantId('errpages'));
  suspended = await createTestTenant(bed, uniqueTenantId('errsusp'));
  await setTenantSuspended(bed.platform, suspended.id, true);
});
afterAll(async () => {
  await bed?.close();
});

const get = (path: string, accept?: string) => fetch(`${bed.publicUrl}${path}`, { headers: accept ? { accept } : {} });

/** An accessible page in the login page's look that is neither frameable nor scripted, naming the code. */
async function expectErrorPage(response: Response, status: number, code: string): Promise<string> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(response.headers.get('x-frame-options')).toBe('DENY');
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('cache-control')).toBe('no-store');
  const csp = response.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("script-src 'none'");
  const html = await response.text();
  expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
  expect(html).toMatch(/<title>[^<]+<\/title>/);
  expect(html).toMatch(/<main>[\s\S]*<h1>[^<]+<\/h1>[\s\S]*<\/main>/);
  expect(html).toContain(`Error code: <code>${code}</code>`);
  expect(html).not.toMatch(/<script|\son\w+=/i);
  return html;
}

async function expectJson(response: Response, status: number, code: string): Promise<{ error: string; error_description: string }> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await response.json()) as { error: string; error_description: string };
  expect(body).toMatchObject({ error: code });
  expect(typeof body.error_description).toBe('string');
  return body;
}

describe('Accept negotiation', () => {
  it.each([
    [BROWSER, true],
    ['text/html', true],
    ['application/json', false],
    ['*/*', false],
    ['application/json, text/html;q=0.9', false],
    ['text/html;q=0.5, application/json;q=0.4', true],
    ['text/*, application/json;q=0.1', true],
    ['text/html;q=0', false],
    ['', false],
  ])('%j prefers HTML: %s', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });
});

describe('tenants that cannot serve', () => {
  it('an unknown tenant is a 404 page for a browser and tenant_not_found JSON otherwise', async () => {
    const id = `nobody-${crypto.randomBytes(4).toString('hex')}`;
    const html = await expectErrorPage(await get(`/t/${id}/auth?client_id=x`, BROWSER), 404, 'tenant_not_found');
    expect(html).toContain('go back to the application');
    await expectJson(await get(`/t/${id}/.well-known/openid-configuration`, 'application/json'), 404, 'tenant_not_found');
    await expectJson(await get(`/t/${id}/.well-known/openid-configuration`), 404, 'tenant_not_found');
  });

  it('a suspended tenant is a 403 page for a browser and tenant_suspended JSON otherwise', async () => {
    const html = await expectErrorPage(await get(`/t/${suspended.id}/auth?client_id=x`, BROWSER), 403, 'tenant_suspended');
    expect(html).toContain('suspended');
    await expectJson(await get(`/t/${suspended.id}/.well-known/openid-configuration`, 'application/json'), 403, 'tenant_suspended');
  });
});

describe('paths no route serves', () => {
  it.each(['/', ''])('the tenant root %j names the issuer and its discovery document', async (suffix) => {
    const html = await expectErrorPage(await get(`/t/${tenant.id}${suffix}`, BROWSER), 404, 'not_found');
    expect(html).toContain(`<code>${tenant.issuer}</code>`);
    expect(html).toContain(`href="${tenant.issuer}/.well-known/openid-configuration"`);
    const body = await expectJson(await get(`/t/${tenant.id}${suffix}`, 'application/json'), 404, 'not_found');
    expect(body.error_description).toBe(`no route for GET /t/${tenant.id}/`);
  });

  it('an unknown path under a tenant is a 404 page or not_found JSON', async () => {
    const html = await expectErrorPage(await get(`/t/${tenant.id}/no-such-page`, BROWSER), 404, 'not_found');
    expect(html).toContain('discovery document');
    const body = await expectJson(await get(`/t/${tenant.id}/no-such-page?x=1`), 404, 'not_found');
    expect(body.error_description).toBe(`no route for GET /t/${tenant.id}/no-such-page`);
    // A known path with a method it does not take is no route either.
    await expectJson(await fetch(`${tenant.issuer}/jwks`, { method: 'DELETE' }), 404, 'not_found');
  });

  it('an unknown platform route is a 404 page or not_found JSON', async () => {
    const html = await expectErrorPage(await get('/no-such-place', BROWSER), 404, 'not_found');
    expect(html).toContain('Page not found');
    await expectJson(await get('/no-such-place', 'application/json'), 404, 'not_found');
  });

  it('a malformed URL is invalid_request in our form, not Fastify\'s', async () => {
    const body = await expectJson(await get('/t/%E0%A4%A/interaction/x'), 400, 'invalid_request');
    expect(JSON.stringify(body)).not.toMatch(/FST_/i);
    await expectErrorPage(await get('/t/%E0%A4%A/interaction/x', BROWSER), 400, 'invalid_request');
  });
});

describe("oidc-provider's error page", () => {
  it('an authorization request with an unknown client shows the code and a way back', async () => {
    const url = `${tenant.issuer}/auth?client_id=nobody&response_type=code&scope=openid&redirect_uri=https://evil.test/cb`;
    const html = await expectErrorPage(await get(url.replace(bed.publicUrl, ''), BROWSER), 400, 'invalid_client');
    expect(html).toContain('<h1>Sign-in failed</h1>');
    expect(html).toContain('not registered');
    expect(html).toContain('Go back to the application');
    // The untrusted redirect_uri is never offered as a link.
    expect(html).not.toContain('evil.test');
  });

  it('API clients keep the JSON error of other endpoints', async () => {
    await expectJson(await fetch(`${tenant.issuer}/me`, { headers: { accept: 'application/json' } }), 401, 'invalid_token');
  });
});

describe("Fastify's internal errors become stable codes", () => {
  const signup = (body: string, contentType: string | undefined, accept = 'application/json') =>
    fetch(`${tenant.issuer}/api/auth/signup`, { method: 'POST', headers: { accept, ...(contentType && { 'content-type': contentType }) }, body });

  it.each([
    ['invalid JSON', '{"email":', 'application/json', 400, 'invalid_request'],
    ['an empty JSON body', '', 'application/json', 400, 'invalid_request'],
    ['an unsupported media type', '<email/>', 'application/xml', 415, 'unsupported_media_type'],
    ['a body over the limit', JSON.stringify({ email: 'x'.repeat(16 * 1024) }), 'application/json', 413, 'payload_too_large'],
  ])('%s', async (_name, body, contentType, status, code) => {
    const answer = await expectJson(await signup(body, contentType), status, code);
    expect(JSON.stringify(answer)).not.toMatch(/FST_/i);
  });

  it('the platform admin API answers invalid JSON with invalid_request', async () => {
    const response = await fetch(`${bed.publicUrl}/admin/v1/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    const answer = await expectJson(response, 400, 'invalid_request');
    expect(JSON.stringify(answer)).not.toMatch(/FST_/i);
  });

  it('a browser posting a bad body gets the page with the same code', async () => {
    await expectErrorPage(await signup('{"email":', 'application/json', BROWSER), 400, 'invalid_request');
  });
});
