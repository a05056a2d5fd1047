import { pollUntil } from './eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestBedOptions, type TestTenant } from './oidc.ts';
import { uniqueTenantId } from './platform.ts';
import { createClient, grantClientApi } from '../../src/modules/clients/clients.service.ts';
import { TEST_ACTOR } from './scope.ts';

/**
 * What tests of the tenant admin API need: a machine client granted the admin API, a token for
 * it by client credentials from the tenant's real token endpoint, and calls with that token.
 */
export interface MachineClient {
  clientId: string;
  secret: string;
}

export const adminApiOf = (tenant: Pick<TestTenant, 'issuer'>) => `${tenant.issuer}/admin`;

export async function machineClient(tenant: TestTenant, name: string, grantAdmin: boolean): Promise<MachineClient> {
  const { client, clientSecret } = await createClient(tenant, { name, type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
  if (grantAdmin) await grantClientApi(tenant, client.client_id, { identifier: adminApiOf(tenant) }, TEST_ACTOR);
  return { clientId: client.client_id, secret: clientSecret! };
}

export async function clientCredentials(tenant: Pick<TestTenant, 'issuer'>, client: MachineClient, params: Record<string, string>) {
  const response = await fetch(`${tenant.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...params }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string | number> };
}

/** An admin token by client credentials; polls, since a grant reaches a cached provider by notification. */
export async function adminToken(tenant: Pick<TestTenant, 'issuer'>, client: MachineClient, scope: string): Promise<string> {
  const answer = await pollUntil(() => clientCredentials(tenant, client, { resource: adminApiOf(tenant), scope }), (a) => a.status === 200);
  return answer.body.access_token as string;
}

export interface AdminAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** One call to `<issuer>/admin/v1<path>`; a JSON body is sent as JSON. */
export async function callAdmin(
  tenant: Pick<TestTenant, 'issuer'>,
  path: string,
  token?: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<AdminAnswer> {
  const headers: Record<string, string> = { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...init.headers };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${tenant.issuer}/admin/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export interface AdminApiBed<A extends readonly string[], G extends readonly string[]> {
  bed: OidcTestBed;
  /** The tenant under test, and a second one for the isolation checks. */
  acme: TestTenant;
  globex: TestTenant;
  acmeOps: MachineClient;
  globexOps: MachineClient;
  /** One token per scope set asked for, in the order asked: acme's first, then globex's. */
  acmeTokens: { [K in keyof A]: string };
  globexTokens: { [K in keyof G]: string };
}

/**
 * The start most tenant admin API test files share: a test bed, two tenants (`<prefix>-acme`,
 * `<prefix>-globex`), a machine client in each granted the admin API, and tokens for the scope
 * sets asked for.
 */
export async function startAdminApiBed<const A extends readonly string[], const G extends readonly string[]>(
  prefix: string,
  scopes: { acme: A; globex: G },
  options?: TestBedOptions,
): Promise<AdminApiBed<A, G>> {
  const bed = await startOidcTestBed(1, options);
  const [acme, globex] = await Promise.all([createTestTenant(bed, uniqueTenantId(`${prefix}-acme`)), createTestTenant(bed, uniqueTenantId(`${prefix}-globex`))]);
  const [acmeOps, globexOps] = await Promise.all([machineClient(acme, `${prefix} acme automation`, true), machineClient(globex, `${prefix} globex automation`, true)]);
  const [acmeTokens, globexTokens] = await Promise.all([
    Promise.all(scopes.acme.map((scope) => adminToken(acme, acmeOps, scope))),
    Promise.all(scopes.globex.map((scope) => adminToken(globex, globexOps, scope))),
  ]);
  return { bed, acme, globex, acmeOps, globexOps, acmeTokens: acmeTokens as AdminApiBed<A, G>['acmeTokens'], globexTokens: globexTokens as AdminApiBed<A, G>['globexTokens'] };
}
