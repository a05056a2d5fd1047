import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from './support.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** Starts an authorization request and returns the interaction cookie the provider sets. */
async function interactionCookie(tenant: TestTenant, clientId: string, headers: Record<string, string>): Promise<string> {
  const url = new URL(`${tenant.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();
  const response = await fetch(url, { redirect: 'manual', headers });
  expect(response.status).toBe(303);
  return response.headers.getSetCookie().find((cookie) => cookie.startsWith(`tansu.${tenant.id}.interaction=`))!;
}

const cases: { trusted: boolean; env: Record<string, string> }[] = [
  { trusted: true, env: { TRUSTED_PROXIES: '127.0.0.1' } },
  { trusted: false, env: {} },
];

describe.each(cases)('behind a proxy (trusted: $trusted)', ({ trusted, env }) => {
  let bed: OidcTestBed;
  let tenant: TestTenant;
  let clientId: string;

  beforeAll(async () => {
    bed = await startOidcTestBed(1, { env });
    tenant = await createTestTenant(bed, uniqueTenantId('proxy'));
    clientId = (await createClient(bed.platform, tenant, { name: 'app', type: 'public', redirectUris: [REDIRECT_URI] })).client.client_id;
  });
  afterAll(async () => {
    await bed?.close();
  });

  it(`${trusted ? 'believes' : 'ignores'} X-Forwarded-Proto for the cookies' Secure flag`, async () => {
    const cookie = await interactionCookie(tenant, clientId, { 'x-forwarded-proto': 'https' });
    expect(/;\s*secure/i.test(cookie)).toBe(trusted);
    expect(cookie).toMatch(new RegExp(`path=/t/${tenant.id}/interaction/`));
    expect(cookie).toMatch(/httponly/i);
    expect(cookie).toMatch(/samesite=lax/i);
  });
});
