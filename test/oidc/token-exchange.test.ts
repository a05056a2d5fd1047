import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, importJWK, jwtVerify, SignJWT, decodeJwt } from 'jose';
import { uniqueTenantId } from '../support/platform.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { createApi } from '../../src/modules/apis/apis.service.ts';
import { TOKEN_EXCHANGE_GRANT } from '../../src/modules/clients/client-profile.ts';
import { loadPublishedKeySet } from '../../src/modules/keys/signing-keys.ts';
import { TEST_ACTOR } from '../support/scope.ts';

/**
 * Token exchange (RFC 8693): a service that holds a user's access token for its own API gets one
 * for another API, acting for that user. Real HTTP against one server; two tenants for isolation.
 */

const ORDERS = 'https://orders.exchange.test';
const BILLING = 'https://billing.exchange.test';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';

interface Credentials {
  id: string;
  secret: string;
}

let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let userApp: Credentials;
let ordersService: Credentials;
let billingService: Credentials;
let machine: Credentials;
let globexUserApp: Credentials;

async function confidential(tenant: TestTenant, name: string, grantTypes: string[], resources: string[] = []): Promise<Credentials> {
  const { client, clientSecret } = await createClient(tenant, { name, type: 'confidential', grantTypes, resources }, TEST_ACTOR);
  return { id: client.client_id, secret: clientSecret! };
}

beforeAll(async () => {
  bed = await startOidcTestBed();
  acme = await createTestTenant(bed, uniqueTenantId('xchg'));
  globex = await createTestTenant(bed, uniqueTenantId('xchgother'));
  await createApi(acme, { identifier: ORDERS, scopes: ['orders:read'] }, TEST_ACTOR);
  await createApi(acme, { identifier: BILLING, scopes: ['billing:read', 'billing:write'] }, TEST_ACTOR);
  await createApi(globex, { identifier: ORDERS, scopes: ['orders:read'] }, TEST_ACTOR);
  // The user's app signs the user in (the password grant keeps the test short) for the orders API.
  userApp = await confidential(acme, 'shop', ['password'], [ORDERS]);
  // The orders service calls billing for the user; the billing service calls orders back.
  ordersService = await confidential(acme, 'orders service', [TOKEN_EXCHANGE_GRANT], [BILLING]);
  billingService = await confidential(acme, 'billing service', [TOKEN_EXCHANGE_GRANT], [ORDERS]);
  machine = await confidential(acme, 'batch job', ['client_credentials'], [ORDERS]);
  globexUserApp = await confidential(globex, 'shop', ['password'], [ORDERS]);
});
afterAll(async () => {
  await bed?.close();
});

async function token(tenant: TestTenant, client: Credentials, params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const response = await fetch(`${tenant.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${client.id}:${client.secret}`)}` },
    body: new URLSearchParams(params),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function userToken(tenant: TestTenant, app: Credentials): Promise<string> {
  const answer = await token(tenant, app, { grant_type: 'password', username: tenant.adminEmail, password: tenant.adminPassword, scope: 'openid orders:read', resource: ORDERS });
  expect(answer.status).toBe(200);
  return answer.body.access_token!;
}

const exchange = (client: Credentials, subjectToken: string, extra: Record<string, string> = {}) =>
  token(acme, client, { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, resource: BILLING, ...extra });

describe('token exchange (RFC 8693)', () => {
  it('is advertised in discovery', async () => {
    const metadata = (await (await fetch(`${acme.issuer}/.well-known/openid-configuration`)).json()) as { grant_types_supported: string[] };
    expect(metadata.grant_types_supported).toContain(TOKEN_EXCHANGE_GRANT);
  });

  it("gives a service a token for another API that names the user as subject and the service as actor", async () => {
    const subjectToken = await userToken(acme, userApp);
    const user = decodeJwt(subjectToken).sub;
    const answer = await exchange(ordersService, subjectToken, { scope: 'billing:read' });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ issued_token_type: ACCESS_TOKEN, token_type: 'Bearer', scope: 'billing:read' });
    expect(answer.body.refresh_token).toBeUndefined();
    const { payload } = await jwtVerify(answer.body.access_token!, createRemoteJWKSet(new URL(`${acme.issuer}/jwks`)), { issuer: acme.issuer, audience: BILLING, typ: 'at+jwt' });
    expect(payload).toMatchObject({ sub: user, client_id: ordersService.id, scope: 'billing:read', act: { sub: ordersService.id } });

    // Exchanged again by the next service in the chain: the actors nest (RFC 8693 §4.1).
    const chained = await token(acme, billingService, { grant_type: TOKEN_EXCHANGE_GRANT, subject_token: answer.body.access_token!, subject_token_type: ACCESS_TOKEN, resource: ORDERS });
    expect(chained.status).toBe(200);
    expect(decodeJwt(chained.body.access_token!)).toMatchObject({ sub: user, aud: ORDERS, act: { sub: billingService.id, act: { sub: ordersService.id } } });
  });

  it('is refused to a client that has not opted in, and cannot be registered for a public client', async () => {
    const subjectToken = await userToken(acme, userApp);
    const answer = await exchange(machine, subjectToken);
    expect(answer).toMatchObject({ status: 400, body: { error: 'unauthorized_client' } });
    await expect(createClient(acme, { name: 'spa', type: 'public', grantTypes: [TOKEN_EXCHANGE_GRANT] }, TEST_ACTOR)).rejects.toMatchObject({ code: 'invalid_client_metadata' });
  });

  it("refuses another tenant's token, an expired token, and a token that stands for no user", async () => {
    const foreign = await userToken(globex, globexUserApp);
    expect(await exchange(ordersService, foreign)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'subject_token is not an access token of this tenant' } });

    // Signed with the tenant's own active key, so only its expiry is wrong.
    const valid = decodeJwt(await userToken(acme, userApp));
    const [activeKey] = (await loadPublishedKeySet(acme.db, acme.id, bed.platform.secrets)).jwks;
    const expired = await new SignJWT({ ...valid, iat: valid.iat! - 7200, exp: valid.iat! - 3600 })
      .setProtectedHeader({ alg: activeKey!.alg!, kid: activeKey!.kid!, typ: 'at+jwt' })
      .sign(await importJWK(activeKey as never, activeKey!.alg!));
    expect(await exchange(ordersService, expired)).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: 'subject_token has expired' } });

    const machineToken = await token(acme, machine, { grant_type: 'client_credentials', resource: ORDERS });
    expect(await exchange(ordersService, machineToken.body.access_token!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses an API the service does not list, a scope of another API, and an actor token', async () => {
    const subjectToken = await userToken(acme, userApp);
    expect(await exchange(ordersService, subjectToken, { resource: ORDERS })).toMatchObject({ status: 400, body: { error: 'invalid_target' } });
    expect(await exchange(ordersService, subjectToken, { scope: 'orders:read' })).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    expect(await exchange(ordersService, subjectToken, { actor_token: subjectToken, actor_token_type: ACCESS_TOKEN })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await exchange(ordersService, subjectToken, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });
});
