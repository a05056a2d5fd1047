import { TEST_ACTOR } from '../../support/scope.ts';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Validator } from '@seriousme/openapi-schema-validator';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../../support/oidc.ts';
import { uniqueTenantId } from '../../support/platform.ts';
import { pollUntil } from '../../support/eventually.ts';
import { ApiContract, loadContract, plannedCalls, type PlannedCall } from '../../support/openapi.ts';
import { generateApiTypes } from '../../support/openapi-types.ts';
import { createClient, grantClientApi } from '../../../src/modules/clients/clients.service.ts';
import { ADMIN_API_SCOPES } from '../../../src/modules/apis/admin-api.ts';
import { createTenant, setTenantSuspended } from '../../../src/provisioning/tenants.service.ts';
import { createFastify } from '../../../src/app.ts';
import { platformAdminApi } from '../../../src/routes/admin/platform-admin.openapi.ts';
import type { OpenApiDocument } from '../../../src/routes/openapi/openapi-document.ts';
import { TENANT_ADMIN_CALLS, type TenantCallContext } from './tenant-admin.calls.ts';
import { PLATFORM_ADMIN_CALLS, type PlatformCallContext } from './platform-admin.calls.ts';

/**
 * The admin APIs' OpenAPI documents cannot drift from the code: they are valid OpenAPI 3.1, hold
 * exactly their API's routes, and every operation in them is called through a client built from
 * the document (test/support/openapi.ts) with input the document allows, its answer (status,
 * content type, body) checked against the document. An operation without an entry in
 * tenant-admin.calls.ts or platform-admin.calls.ts fails the test by name.
 *
 * The routes are observed as Fastify registers them (as in route-contracts.test.ts), to compare
 * each document with the routes its API really has.
 */
const registered = vi.hoisted(() => [] as RouteOptions[]);
vi.mock('fastify', async (importOriginal) => {
  const actual = await importOriginal<typeof import('fastify')>();
  const observed = ((options: object) => {
    const app = actual.default(options) as unknown as FastifyInstance;
    app.addHook('onRoute', (route) => {
      registered.push(route);
    });
    return app;
  }) as unknown as typeof actual.default;
  return { ...actual, default: observed };
});

const PLATFORM_TOKEN = crypto.randomBytes(32).toString('base64url');

let bed: OidcTestBed;
let acme: TestTenant;
let globex: TestTenant;
let tenantApi: ApiContract;
let globexApi: ApiContract;
let platformApi: ApiContract;

interface MachineClient {
  clientId: string;
  secret: string;
}
const machines = new Map<TestTenant, MachineClient>();

async function adminMachine(tenant: TestTenant): Promise<MachineClient> {
  const { client, clientSecret } = await createClient(tenant, { name: 'contract test', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
  await grantClientApi(tenant, client.client_id, { identifier: `${tenant.issuer}/admin` }, TEST_ACTOR);
  return { clientId: client.client_id, secret: clientSecret! };
}

const tokens = new Map<string, Promise<string>>();
/** An admin token of `tenant` carrying exactly `scopes`, by client credentials (polled: a grant reaches a cached provider by notification). */
function adminToken(tenant: TestTenant, scopes: readonly string[]): Promise<string> {
  const key = `${tenant.id} ${[...scopes].sort().join(' ')}`;
  let token = tokens.get(key);
  if (!token) {
    const { clientId, secret } = machines.get(tenant)!;
    const request = async () => {
      const response = await fetch(`${tenant.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: `${tenant.issuer}/admin`, scope: scopes.join(' ') }),
      });
      return { status: response.status, body: (await response.json()) as { access_token?: string; scope?: string } };
    };
    token = pollUntil(request, (answer) => answer.status === 200).then((answer) => {
      expect(answer.body.scope ?? '').toBe(scopes.join(' '));
      return answer.body.access_token!;
    });
    tokens.set(key, token);
  }
  return token;
}

beforeAll(async () => {
  bed = await startOidcTestBed(1, { env: { TANSU_ADMIN_TOKEN: PLATFORM_TOKEN } });
  acme = await createTestTenant(bed, uniqueTenantId('oas-acme'));
  globex = await createTestTenant(bed, uniqueTenantId('oas-globex'));
  machines.set(acme, await adminMachine(acme));
  machines.set(globex, await adminMachine(globex));
  tenantApi = await loadContract(`${acme.issuer}/admin/v1/openapi.json`);
  globexApi = await loadContract(`${globex.issuer}/admin/v1/openapi.json`);
  platformApi = await loadContract(`${bed.publicUrl}/admin/v1/openapi.json`);
});
afterAll(async () => {
  await bed?.close();
});

/** `GET /t/{tenant}/admin/v1/me` for each documented operation, the server's path put back in front. */
function documentedRoutes(contract: ApiContract): string[] {
  const prefix = new URL(contract.baseUrl).pathname.replace(/\/$/, '');
  return contract.operationIds.map((id) => {
    const { method, path } = contract.operation(id);
    return `${method.toUpperCase()} ${prefix}${path}`;
  });
}

/** The routes Fastify registered under `prefix`, as a document would name them, hidden ones and HEAD left out. */
function registeredRoutes(prefix: RegExp, replaceTenant: string): string[] {
  const names = registered.flatMap((route) => {
    if (!prefix.test(route.url) || (route.schema as { hide?: boolean } | undefined)?.hide) return [];
    const path = route.url.replace(':tenant', replaceTenant).replace(/:([A-Za-z_]+)/g, '{$1}');
    return [route.method].flat().filter((method) => method !== 'HEAD').map((method) => `${method} ${path}`);
  });
  return [...new Set(names)].sort();
}

describe('the documents', () => {
  it('are valid OpenAPI 3.1, and each of their schemas valid JSON Schema 2020-12', async () => {
    // One validator: it compiles the OpenAPI meta-schema once, a second or more on a loaded machine.
    const validator = new Validator();
    for (const contract of [tenantApi, platformApi]) {
      const result = await validator.validate(contract.document as unknown as Record<string, unknown>);
      expect(result.errors ?? [], contract.document.info.title).toEqual([]);
      expect(result.valid).toBe(true);
      expect(validator.version).toBe('3.1');
      for (const id of contract.operationIds) {
        const { operation } = contract.operation(id);
        const schemas = [
          ...(operation.parameters ?? []).map((parameter) => parameter.schema ?? {}),
          ...Object.values(operation.requestBody?.content ?? {}).map((media) => media.schema ?? {}),
          ...Object.values(operation.responses).flatMap((response) => Object.values(response.content ?? {}).map((media) => media.schema ?? {})),
        ];
        // ajv checks a schema against the 2020-12 meta-schema before compiling it.
        for (const schema of schemas) expect(() => contract.validatorOf(schema), id).not.toThrow();
      }
    }
  });

  it("hold exactly their API's routes: nothing of the provider, the sign-in pages, the signup API or the probes", () => {
    expect(documentedRoutes(tenantApi).sort()).toEqual(registeredRoutes(/^\/t\/:tenant\/admin\/v1\//, acme.id));
    expect(documentedRoutes(platformApi).sort()).toEqual(registeredRoutes(/^\/admin\//, ''));
    expect(tenantApi.operationIds).toContain('getMe');
    for (const contract of [tenantApi, platformApi]) {
      const paths = Object.keys(contract.document.paths).join(' ');
      expect(paths).not.toMatch(/\/(token|auth|jwks|interaction|healthz|readyz|metrics|openapi\.json|docs)\b/);
    }
  });

  it('give every operation a unique, stable id, a tag listed in the document, and the security it enforces', () => {
    for (const contract of [tenantApi, platformApi]) {
      const ids = contract.operationIds;
      expect(new Set(ids).size, `duplicate operationIds in ${contract.document.info.title}`).toBe(ids.length);
      const tags = new Set((contract.document.tags ?? []).map((tag) => tag.name));
      for (const id of ids) {
        const { operation } = contract.operation(id);
        expect(operation.tags?.length, id).toBeGreaterThan(0);
        for (const tag of operation.tags ?? []) expect(tags.has(tag), `${id}: tag ${tag}`).toBe(true);
        expect(operation.security, id).toBeDefined();
      }
    }
    for (const id of tenantApi.operationIds) {
      expect(Object.keys(tenantApi.operation(id).operation.security![0]!)).toEqual(['adminToken']);
      for (const scope of tenantApi.scopesOf(id)) expect(ADMIN_API_SCOPES, id).toContain(scope);
    }
    for (const id of platformApi.operationIds) expect(platformApi.operation(id).operation.security).toEqual([{ platformToken: [] }]);
    // Ids come from method and path (routes/openapi/operation-names.ts): the same route keeps its name.
    expect(tenantApi.operation('getMe')).toMatchObject({ method: 'get', path: '/me' });
  });

  it("give each tenant its own server and token endpoints, and nothing of another tenant", async () => {
    const discovery = (await (await fetch(`${acme.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(tenantApi.document.servers).toEqual([{ url: `${acme.issuer}/admin/v1`, description: `the admin API of tenant ${acme.id}` }]);
    const scheme = tenantApi.document.components?.securitySchemes?.adminToken;
    expect(scheme).toMatchObject({
      type: 'oauth2',
      flows: {
        clientCredentials: { tokenUrl: discovery.token_endpoint, scopes: Object.fromEntries(ADMIN_API_SCOPES.map((scope) => [scope, expect.any(String)])) },
        authorizationCode: { authorizationUrl: discovery.authorization_endpoint, tokenUrl: discovery.token_endpoint },
      },
    });
    const acmeText = JSON.stringify(tenantApi.document);
    const globexText = JSON.stringify(globexApi.document);
    expect(acmeText).not.toContain(globex.id);
    expect(globexText).not.toContain(acme.id);
    // The same document otherwise: one tenant's differs from another's by its issuer only.
    expect(globexText.replaceAll(globex.issuer, 'ISSUER').replaceAll(globex.id, 'ID')).toBe(acmeText.replaceAll(acme.issuer, 'ISSUER').replaceAll(acme.id, 'ID'));
  });

  it('are there only where the API is: an unknown tenant is answered 404, a suspended one 403, a disabled platform API 404', async () => {
    const unknown = await fetch(`${bed.publicUrl}/t/${uniqueTenantId('nobody')}/admin/v1/openapi.json`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'tenant_not_found' });
    const dormant = await createTenant(bed.platform, { id: uniqueTenantId('oas-dormant') });
    await setTenantSuspended(bed.platform, dormant.tenant.id, true);
    const suspended = await fetch(`${dormant.issuer}/admin/v1/openapi.json`);
    expect(suspended.status).toBe(403);
    expect(await suspended.json()).toMatchObject({ error: 'tenant_suspended' });

    const disabled = createFastify({ ...bed.platform, config: { ...bed.platform.config, adminToken: undefined } });
    // As on ADMIN_PORT (listeners.ts): the admin tenant's tokens would be checked in the public app's tenant cache.
    disabled.decorate('tenants', bed.nodes[0]!.app.tenants);
    await disabled.register(platformAdminApi);
    try {
      for (const url of ['/admin/v1/openapi.json', '/admin/v1/docs']) {
        const answer = await disabled.inject({ url });
        expect(answer.statusCode, url).toBe(404);
        expect(answer.json(), url).toMatchObject({ error: 'not_found' });
      }
    } finally {
      await disabled.close();
    }
  });
});

describe('the reference pages', () => {
  it.each([
    ['tenant admin API', () => `${acme.issuer}/admin/v1/docs`, () => tenantApi],
    ['platform admin API', () => `${bed.publicUrl}/admin/v1/docs`, () => platformApi],
  ])('%s: every operation of the document on a page with no script that is never framed', async (_name, url, contract) => {
    const page = await fetch(url());
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await page.text();
    expect(html).not.toMatch(/<script|\bon[a-z]+=/i);
    expect(html).toContain('href="openapi.json"');
    for (const id of contract().operationIds) expect(html, id).toContain(`id="${id}"`);
  });

  it("names the tenant's own endpoints, and a browser gets a page for an unknown tenant", async () => {
    const html = await (await fetch(`${acme.issuer}/admin/v1/docs`)).text();
    expect(html).toContain(`${acme.issuer}/token`);
    expect(html).toContain(`<code>users:read</code>`);
    const unknown = await fetch(`${bed.publicUrl}/t/${uniqueTenantId('nobody')}/admin/v1/docs`, { headers: { accept: 'text/html' } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^text\/html/);
  });
});

/** Every operation without an entry, and every entry whose operation is gone, in words for the failure. */
function coverage(contract: ApiContract, calls: Record<string, unknown>, file: string): string[] {
  const missing = contract.operationIds.filter((id) => !(id in calls));
  const stale = Object.keys(calls).filter((id) => !contract.operationIds.includes(id));
  return [
    ...(missing.length > 0 ? [`operations with no call in test/routes/openapi/${file}: ${missing.join(', ')} (add one line per operation)`] : []),
    ...(stale.length > 0 ? [`entries in test/routes/openapi/${file} for operations the document no longer has: ${stale.join(', ')}`] : []),
  ];
}

/** The planned status, or else any 2xx. */
function expectSuccess(id: string, planned: PlannedCall, status: number): void {
  if (planned.status !== undefined) expect(status, id).toBe(planned.status);
  else expect(status >= 200 && status < 300, `${id} answered ${status}, not a success`).toBe(true);
}

describe('every operation of the tenant admin API, called through its document', () => {
  it('has a call in tenant-admin.calls.ts', () => {
    expect(coverage(tenantApi, TENANT_ADMIN_CALLS, 'tenant-admin.calls.ts')).toEqual([]);
  });

  it('answers as documented with a token carrying just the scope it names, and refuses no token, a token of another tenant, and a token without that scope', async () => {
    const context: TenantCallContext = { bed, tenant: acme };
    const failures: string[] = [];
    const calls = plannedCalls<TenantCallContext>(TENANT_ADMIN_CALLS);
    for (const id of tenantApi.operationIds.filter((operationId) => operationId in calls)) {
      try {
        const planned = await calls[id]!(context);
        const scopes = tenantApi.scopesOf(id);
        // The refusals first: they come before the handler, so a call that changes something still finds it as prepared.
        const anonymous = await tenantApi.call(id, planned);
        expect(anonymous.status, `${id} without a token`).toBe(401);
        expect(anonymous.headers.get('www-authenticate'), id).toBe('Bearer');
        const stranger = await tenantApi.call(id, { ...planned, token: await adminToken(globex, ADMIN_API_SCOPES) });
        expect(stranger.status, `${id} with another tenant's token`).toBe(401);
        expect(stranger.body, id).toMatchObject({ error: 'invalid_token' });
        for (const scope of scopes) {
          const without = await tenantApi.call(id, { ...planned, token: await adminToken(acme, ADMIN_API_SCOPES.filter((other) => other !== scope)) });
          expect(without.status, `${id} without ${scope}`).toBe(403);
          expect(without.headers.get('www-authenticate'), id).toContain(`scope="${scope}"`);
        }
        const answer = await tenantApi.call(id, { ...planned, token: await adminToken(acme, scopes.length > 0 ? scopes : ADMIN_API_SCOPES) });
        expectSuccess(id, planned, answer.status);
      } catch (error) {
        failures.push(`${id}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('every operation of the platform admin API, called through its document', () => {
  it('has a call in platform-admin.calls.ts', () => {
    expect(coverage(platformApi, PLATFORM_ADMIN_CALLS, 'platform-admin.calls.ts')).toEqual([]);
  });

  it('answers as documented with the platform token, and refuses no token and a wrong one', async () => {
    const context: PlatformCallContext = { bed };
    const failures: string[] = [];
    const calls = plannedCalls<PlatformCallContext>(PLATFORM_ADMIN_CALLS);
    for (const id of platformApi.operationIds.filter((operationId) => operationId in calls)) {
      try {
        const planned = await calls[id]!(context);
        for (const token of [undefined, crypto.randomBytes(32).toString('base64url')]) {
          const refused = await platformApi.call(id, { ...planned, token });
          expect(refused.status, `${id} with ${token ? 'a wrong' : 'no'} token`).toBe(401);
        }
        const answer = await platformApi.call(id, { ...planned, token: PLATFORM_TOKEN });
        expectSuccess(id, planned, answer.status);
      } catch (error) {
        failures.push(`${id}: ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('the generated types the call tables are typed by', () => {
  it.each([
    ['tenant-admin', () => tenantApi, 'http://localhost:8080/t/acme/admin/v1'],
    ['platform-admin', () => platformApi, 'http://localhost:8080'],
  ])('generated/%s.gen.ts is what @hey-api/openapi-ts makes of the document now (`npm run openapi:types` rewrites it)', async (name, contract, server) => {
    const generated = await generateApiTypes(contract().document, server);
    expect(generated).toContain(`export interface Operations {`);
    await expect(generated).toMatchFileSnapshot(`./generated/${name}.gen.ts`, 'the document changed: run `npm run openapi:types` and commit the file');
  });
});

describe('the contract client itself', () => {
  it('refuses input the document does not allow, and an answer the document does not declare', async () => {
    await expect(platformApi.call('getTenants', { query: { limit: 0 } })).rejects.toThrow(/query\.limit must be >= 1/);
    await expect(platformApi.call('getTenants', { query: { colour: 'red' } })).rejects.toThrow(/query param "colour" is not documented/);
    await expect(platformApi.call('postTenants', { body: { id: 'x', admin: true } })).rejects.toThrow(/body must NOT have additional properties/);
    await expect(tenantApi.call('getMe', { params: { user_id: 'x' } })).rejects.toThrow(/path param "user_id" is not documented/);
    await expect(platformApi.call('postTenants', { headers: { 'content-type': 'text/plain' }, body: 'id=x' })).rejects.toThrow(/a body of type "text\/plain" is not documented/);

    // The same service answers against a document that claims something else: each difference is named.
    const tampered = structuredClone(tenantApi.document) as OpenApiDocument;
    const me = tampered.paths['/me']!.get!;
    delete me.responses['401'];
    const lying = new ApiContract(tampered, `${acme.issuer}/admin/v1/openapi.json`);
    await expect(lying.call('getMe')).rejects.toThrow(/getMe answered 401, a status the document does not declare/);
    const schema = me.responses['200']!.content!['application/json']!.schema as { required: string[]; properties: Record<string, unknown> };
    schema.required.push('email');
    schema.properties.email = { type: 'string' };
    await expect(lying.call('getMe', { token: await adminToken(acme, ADMIN_API_SCOPES) })).rejects.toThrow(/body must have required property 'email'/);
  });

  it('checks answers of tests that call the API by hand, through its fetch', async () => {
    const token = await adminToken(acme, ADMIN_API_SCOPES);
    const answer = await tenantApi.fetch(`${acme.issuer}/admin/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(200);
    await expect(tenantApi.fetch(`${acme.issuer}/admin/v1/no-such-thing`)).rejects.toThrow(/is no operation of the document/);
  });
});
