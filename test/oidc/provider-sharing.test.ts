import { afterAll, beforeAll, expect, it } from 'vitest';
import type Provider from 'oidc-provider';
import { startOidcTestBed, createTestTenant, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { uniqueTenantId } from '../support/platform.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { TEST_ACTOR } from '../support/scope.ts';

let bed: OidcTestBed;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  bed = await startOidcTestBed(1);
  a = await createTestTenant(bed, uniqueTenantId('share-a'));
  b = await createTestTenant(bed, uniqueTenantId('share-b'));
});

afterAll(async () => {
  await bed?.close();
});

const withProvider = <R>(id: string, work: (provider: Provider) => Promise<R>) => bed.nodes[0]!.app.tenants.use(id, (tenant) => work(tenant.provider));

it('builds every tenant\'s Koa context from one set of prototypes, each still bound to its own provider', async () => {
  const [providerA, providerB] = [await withProvider(a.id, async (p) => p), await withProvider(b.id, async (p) => p)];
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

it('reads a client\'s metadata once per provider and keeps its instance, but never keeps an unknown id', async () => {
  const { client } = await createClient(a, { name: 'kept', type: 'confidential', grantTypes: ['client_credentials'] }, TEST_ACTOR);
  await withProvider(a.id, async (provider) => {
    // The adapter oidc-provider reads clients through (not in its type declarations).
    const adapter = (provider.Client as unknown as { adapter: { find(id: string): Promise<unknown> } }).adapter;
    const read = adapter.find.bind(adapter);
    const reads: string[] = [];
    adapter.find = (id) => {
      reads.push(id);
      return read(id);
    };

    const first = await provider.Client.find(client.client_id);
    const second = await provider.Client.find(client.client_id);
    expect(first?.clientId).toBe(client.client_id);
    expect(second).toBe(first);
    expect(reads.filter((id) => id === client.client_id).length).toBeLessThanOrEqual(1);

    expect(await provider.Client.find('no-such-client')).toBeUndefined();
    expect(await provider.Client.find('no-such-client')).toBeUndefined();
    expect(reads.filter((id) => id === 'no-such-client')).toHaveLength(2);
  });
  // Tenant B's provider does not know tenant A's client.
  expect(await withProvider(b.id, (provider) => provider.Client.find(client.client_id))).toBeUndefined();
});
