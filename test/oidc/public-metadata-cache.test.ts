import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcTestBed, createTestTenant, type OidcTestBed } from '../support/oidc.ts';
import { uniqueTenantId } from '../support/platform.ts';
import { pollUntil } from '../support/eventually.ts';
import { rotateTenantKeys } from '../../src/modules/keys/keys.service.ts';
import { withTenantScope } from '../../src/platform/tenant-access.ts';
import { TEST_ACTOR } from '../support/scope.ts';

let bed: OidcTestBed;
let tenant: string;

beforeAll(async () => {
  bed = await startOidcTestBed(1);
  tenant = uniqueTenantId('meta');
  await createTestTenant(bed, tenant);
});

afterAll(async () => {
  await bed?.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${bed.nodes[0]!.url}${path}`, { headers });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

describe('cached discovery and JWKS answers', () => {
  it('are the provider\'s own answer, headers included, on every later request', async () => {
    for (const path of [`/t/${tenant}/.well-known/openid-configuration`, `/t/${tenant}/jwks`, `/t/${tenant}/.well-known/jwks.json`]) {
      const first = await get(path);
      const second = await get(path);
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.body).toBe(first.body);
      for (const header of ['content-type', 'cache-control', 'content-length']) expect(second.headers.get(header)).toBe(first.headers.get(header));
      expect(JSON.parse(second.body)).toBeTypeOf('object');
    }
  });

  it('still give a cross-origin request its CORS headers', async () => {
    const { status, headers } = await get(`/t/${tenant}/jwks`, { origin: 'https://app.example.test' });
    expect(status).toBe(200);
    expect(headers.get('access-control-allow-origin')).toBeTruthy();
  });

  it('follow a key rotation: the new key is published once the provider is rebuilt', async () => {
    const kids = (body: string) => (JSON.parse(body) as { keys: { kid: string }[] }).keys.map((k) => k.kid).sort();
    const before = kids((await get(`/t/${tenant}/jwks`)).body);
    await withTenantScope(bed.platform, tenant, (scope) => rotateTenantKeys(scope, {}, TEST_ACTOR));
    // The NOTIFY reaches the node's listener asynchronously.
    const after = await pollUntil(async () => kids((await get(`/t/${tenant}/jwks`)).body), (now) => JSON.stringify(now) !== JSON.stringify(before));
    expect(after).not.toEqual(before);
  });

  it('keep answers with a query string out of the cache and still correct', async () => {
    const plain = await get(`/t/${tenant}/jwks`);
    const withQuery = await get(`/t/${tenant}/jwks?x=1`);
    expect(withQuery.status).toBe(200);
    expect(withQuery.body).toBe(plain.body);
  });
});

describe('cached answers through app.inject', () => {
  it('are whole JSON documents, not the body twice', async () => {
    const app = bed.nodes[0]!.app;
    for (let i = 0; i < 3; i++) {
      const response = await app.inject({ method: 'GET', url: `/t/${tenant}/.well-known/openid-configuration` });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ issuer: expect.stringContaining(`/t/${tenant}`) });
      expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    }
  });
});
