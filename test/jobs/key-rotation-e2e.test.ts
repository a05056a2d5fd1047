import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { uniqueTenantId } from '../support/platform.ts';
import { eventually } from '../support/eventually.ts';
import { createTestTenant, startOidcTestBed, type OidcTestBed, type TestTenant } from '../support/oidc.ts';
import { createClient } from '../../src/modules/clients/clients.service.ts';
import { createApi } from '../../src/modules/apis/apis.service.ts';
import { rotateTenantKeys } from '../../src/modules/keys/keys.service.ts';
import { sweepKeyRotations } from '../../src/jobs/key-rotation.schedule.ts';
import { listenForTenantChanges, type TenantChange } from '../../src/platform/notifications.ts';
import { TEST_ACTOR } from '../support/scope.ts';

let bed: OidcTestBed;
let tenant: TestTenant;
let credentials: string;
const api = 'https://api.rotation.test';

beforeAll(async () => {
  bed = await startOidcTestBed(2);
  tenant = await createTestTenant(bed, uniqueTenantId('rote2e'));
  await createApi(tenant, { identifier: api, scopes: ['read'] }, TEST_ACTOR);
  const { client, clientSecret } = await createClient(tenant, { name: 'svc', type: 'confidential', grantTypes: ['client_credentials'], resources: [api] }, TEST_ACTOR);
  credentials = Buffer.from(`${client.client_id}:${clientSecret}`).toString('base64');
});
afterAll(async () => {
  await bed?.close();
});

/** A token from one node's token endpoint (the issuer names node 0; any node serves the tenant). */
async function tokenFrom(nodeUrl: string): Promise<string> {
  const response = await fetch(`${nodeUrl}/t/${tenant.id}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${credentials}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: api, scope: 'read' }),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

const jwksFrom = async (nodeUrl: string, id = tenant.id) => (await (await fetch(`${nodeUrl}/t/${id}/jwks`)).json()) as JSONWebKeySet;
const kids = async (nodeUrl: string, id = tenant.id) => (await jwksFrom(nodeUrl, id)).keys.map((k) => k.kid).sort();

async function verifiesWith(nodeUrl: string, token: string): Promise<boolean> {
  const keys = createLocalJWKSet(await jwksFrom(nodeUrl));
  return jwtVerify(token, keys, { issuer: tenant.issuer, audience: api }).then(() => true, () => false);
}


describe('signing key rotation through the token endpoint and JWKS, on two nodes', () => {
  it('publishes next before it signs, keeps old tokens verifying through the grace period, then drops them', async () => {
    const [node0, node1] = bed.nodes.map((n) => n.url) as [string, string];
    const before = await kids(node1);
    expect(before).toHaveLength(2); // active + next, both published
    const oldToken = await tokenFrom(node0);
    const oldKid = decodeProtectedHeader(oldToken).kid!;
    expect(await tokenFrom(node1).then((t) => decodeProtectedHeader(t).kid)).toBe(oldKid);

    const rotation = await rotateTenantKeys(tenant, {}, TEST_ACTOR);
    expect(before).toContain(rotation.activated); // the new signing key was already published
    for (const node of [node0, node1]) await eventually(async () => (await kids(node)).includes(rotation.next));

    for (const node of [node0, node1]) {
      const newToken = await tokenFrom(node);
      expect(decodeProtectedHeader(newToken).kid).toBe(rotation.activated);
      expect(await verifiesWith(node, newToken)).toBe(true);
      expect(await verifiesWith(node, oldToken)).toBe(true);
    }

    // Grace over: the sweep removes the retired key and every node rebuilds its provider.
    await tenant.db.updateTable('signing_keys').set({ unpublish_at: new Date(Date.now() - 1000) }).where('kid', '=', oldKid).execute();
    expect((await sweepKeyRotations(bed.platform)).pruned).toContain(tenant.id);
    for (const node of [node0, node1]) await eventually(async () => !(await kids(node)).includes(oldKid));
    expect(await verifiesWith(node1, oldToken)).toBe(false);
    expect(await verifiesWith(node1, await tokenFrom(node1))).toBe(true);
  });

  it('drops a retired key from every node when its grace period ends, without a sweep or a notification', async () => {
    const other = await createTestTenant(bed, uniqueTenantId('rotgrace'));
    const nodes = bed.nodes.map((n) => n.url);
    const changes: TenantChange[] = [];
    const listener = listenForTenantChanges(bed.platform.platformUrl, (c) => c.tenant === other.id && changes.push(c), () => {}, bed.platform.log);
    await listener.ready;
    try {
      const rotation = await rotateTenantKeys(other, { graceSeconds: 8 }, TEST_ACTOR);
      // The rotation's own notification: every node rebuilds and still publishes the retired key.
      for (const node of nodes) await eventually(async () => (await kids(node, other.id)).includes(rotation.next));
      expect(Date.now()).toBeLessThan(rotation.unpublishAt!.getTime());
      for (const node of nodes) expect(await kids(node, other.id)).toContain(rotation.retired);

      await new Promise((resolve) => setTimeout(resolve, rotation.unpublishAt!.getTime() - Date.now()));
      for (const node of nodes) await eventually(async () => !(await kids(node, other.id)).includes(rotation.retired), 'the retired key leaving the JWKS');
      for (const node of nodes) expect(await kids(node, other.id)).toEqual([rotation.activated, rotation.next].sort());
      // Nobody swept or notified: the key is still in the database and only the rotation was announced.
      expect(await other.db.selectFrom('signing_keys').select('kid').where('kid', '=', rotation.retired!).executeTakeFirst()).toBeDefined();
      expect(changes).toEqual([{ tenant: other.id, kind: 'keys' }]);
    } finally {
      await listener.close();
    }
  });
});
