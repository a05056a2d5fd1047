import { afterAll, beforeAll, expect, it } from 'vitest';
import type Provider from 'oidc-provider';
import { startOidcTestBed, createTestTenant, type OidcTestBed } from '../oidc/support.ts';
import { uniqueTenantId } from '../support/platform.ts';

let bed: OidcTestBed;
const a = uniqueTenantId('koa-a');
const b = uniqueTenantId('koa-b');

beforeAll(async () => {
  bed = await startOidcTestBed(1);
  await createTestTenant(bed, a);
  await createTestTenant(bed, b);
});

afterAll(async () => {
  await bed?.close();
});

const providerOf = (id: string) => bed.nodes[0]!.app.tenants.use(id, async (tenant) => tenant.provider);

it('builds every tenant\'s Koa context from one set of prototypes, each still bound to its own provider', async () => {
  const [providerA, providerB] = [await providerOf(a), await providerOf(b)];
  expect(providerA).not.toBe(providerB);
  for (const key of ['context', 'request', 'response'] as const) expect(providerA[key]).toBe(providerB[key]);

  const contextOf = (provider: Provider) => provider.createContext({ headers: {}, url: '/', method: 'GET', socket: {} } as never, {} as never);
  const [ctxA, ctxB] = [contextOf(providerA), contextOf(providerB)];
  expect(Object.getPrototypeOf(ctxA)).toBe(Object.getPrototypeOf(ctxB));
  expect(ctxA.app).toBe(providerA);
  expect(ctxB.app).toBe(providerB);
  // Cookies are signed with the provider's own keys, which stay per tenant.
  expect(ctxA.app.keys).not.toEqual(ctxB.app.keys);
});
