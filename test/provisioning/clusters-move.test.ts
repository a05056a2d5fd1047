import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { pollUntil } from '../support/eventually.ts';
import { startMoveBed, type MoveBed, type SecondCluster } from '../support/second-cluster.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { moveTenant } from '../../src/provisioning/move.ts';
import { recoverTenant } from '../../src/provisioning/recover.ts';
import { findTenant, setTenantStatus } from '../../src/platform/tenants.repository.ts';
import { insertUser } from '../../src/modules/users/users.repository.ts';
import { databaseExists, databaseUrl, setDatabaseReadOnly, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';
import { TEMPLATE_DATABASE } from '../../src/provisioning/template.ts';
import { tenantRoleName, type TenantId } from '../../src/platform/tenant-id.ts';

let platform: TestPlatform;
let second: SecondCluster;
let secondPort: number;
let app: FastifyInstance;

let bed: MoveBed;

beforeAll(async () => {
  bed = await startMoveBed();
  ({ second, platform, app } = bed);
  secondPort = second.port;
});
afterAll(async () => {
  await bed?.close();
});

const mainPort = () => Number(new URL(clusterUrl()).port);
const probe = (id: string) => app.inject({ method: 'GET', url: `/t/${id}/probe` });
/** Which cluster answered for the tenant, and how many users it has there. */
const servedBy = (response: { json(): { port: number; users: number } }) => {
  const { port, users } = response.json();
  return { port, users };
};
const existsOn = (url: string, database: string) => withMaintenanceSession(url, (client) => databaseExists(client, database));
const roleOn = (url: string, role: string) =>
  withMaintenanceSession(url, async (client) => (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1);

async function addUser(url: string, database: string, email: string): Promise<void> {
  const db = openTenantDatabase(url, database, 1);
  try {
    await insertUser(db, { email, passwordHash: null });
  } finally {
    await db.destroy();
  }
}

describe('several clusters', () => {
  it('registers a cluster with its URL encrypted, lists it, and places new tenants on the least loaded one', async () => {
    await platform.clusters.add('c2', databaseUrl(second.url, 'postgres'));
    const stored = await platform.db.selectFrom('clusters').selectAll().where('name', '=', 'c2').executeTakeFirstOrThrow();
    expect(stored.url_encrypted).toMatch(/^v1\./);
    expect(stored.url_encrypted).not.toContain(String(secondPort));

    await expect(platform.clusters.add('c2', second.url)).rejects.toMatchObject({ code: 'cluster_exists' });
    await expect(platform.clusters.add('Bad Name', second.url)).rejects.toMatchObject({ code: 'invalid_cluster_name' });
    await expect(platform.clusters.add('c3', 'mysql://x')).rejects.toMatchObject({ code: 'invalid_cluster_url' });
    await expect(platform.clusters.add('c3', 'postgres://postgres:wrong@127.0.0.1:1/postgres')).rejects.toMatchObject({ code: 'cluster_unreachable' });

    await createTenant(platform, { id: uniqueTenantId('onmain'), cluster: 'main' });
    const placed = await createTenant(platform, { id: uniqueTenantId('placed') });
    expect(placed.tenant.cluster).toBe('c2');
    expect(await existsOn(second.url, placed.tenant.database_name)).toBe(true);
    expect(await existsOn(second.url, TEMPLATE_DATABASE)).toBe(true);

    const list = await platform.clusters.list();
    expect(list.map((c) => [c.name, c.tenants])).toEqual([['c2', 1], ['main', 1]]);
    expect(list.find((c) => c.name === 'c2')!.url).toContain('***');
  });

  it('moves a tenant: 503 + Retry-After and a read-only source during the copy, then served from the target, source dropped', async () => {
    const id = uniqueTenantId('mv');
    const { tenant } = await createTenant(platform, { id, cluster: 'main' });
    const bystander = uniqueTenantId('stay');
    await createTenant(platform, { id: bystander, cluster: 'main' });
    await addUser(clusterUrl(), tenant.database_name, 'before@mv.test');
    expect(servedBy(await probe(id))).toEqual({ port: mainPort(), users: 2 });

    let during: { status: number; retryAfter: unknown; writeError: string | undefined } | undefined;
    const moved = await moveTenant(platform, id, {
      to: 'c2',
      beforeSwitch: async () => {
        const response = await pollUntil(() => probe(id), (r) => r.statusCode === 503);
        const writeError = await addUser(clusterUrl(), tenant.database_name, 'lost@mv.test').then(() => undefined, (error: Error) => error.message);
        during = { status: response.statusCode, retryAfter: response.headers['retry-after'], writeError };
        // The provider's own routes answer the same way (the context is refused before hijacking).
        const discovery = await app.inject({ method: 'GET', url: `/t/${id}/.well-known/openid-configuration` });
        expect([discovery.statusCode, discovery.headers['retry-after']]).toEqual([503, '2']);
        // Isolation: another tenant on the same cluster serves normally meanwhile.
        expect(servedBy(await probe(bystander))).toEqual({ port: mainPort(), users: 1 });
        expect(response.json()).toMatchObject({ error: 'tenant_unavailable' });
      },
    });
    expect(during).toEqual({ status: 503, retryAfter: '2', writeError: expect.stringMatching(/read-only transaction/) });
    expect(moved).toMatchObject({ from: 'main', to: 'c2', sourceDropped: true, tenant: { cluster: 'c2', status: 'active' } });
    expect(moved.unavailableMs).toBeGreaterThan(0);

    const after = await pollUntil(() => probe(id), (r) => r.statusCode === 200);
    expect(servedBy(after)).toEqual({ port: secondPort, users: 2 });
    expect(await existsOn(clusterUrl(), tenant.database_name)).toBe(false);
    expect(await existsOn(second.url, tenant.database_name)).toBe(true);
    // The tenant's role went with it (the probe above connected as it), and left the source cluster.
    expect(await roleOn(second.url, tenantRoleName(id as TenantId))).toBe(true);
    expect(await roleOn(clusterUrl(), tenantRoleName(id as TenantId))).toBe(false);
  });

  it('a failed move leaves the tenant serving, writable, from its source, and no copy on the target', async () => {
    const id = uniqueTenantId('mvfail');
    const { tenant } = await createTenant(platform, { id, cluster: 'c2' });
    expect(servedBy(await probe(id))).toEqual({ port: secondPort, users: 1 });
    await expect(
      moveTenant(platform, id, {
        to: 'main',
        beforeSwitch: () => {
          throw new Error('injected failure before the switch');
        },
      }),
    ).rejects.toMatchObject({ code: 'move_failed', message: /injected failure/ });

    expect(await findTenant(platform.db, id)).toMatchObject({ cluster: 'c2', status: 'active' });
    expect(await existsOn(clusterUrl(), tenant.database_name)).toBe(false);
    await addUser(second.url, tenant.database_name, 'still-writable@mv.test');
    const response = await pollUntil(() => probe(id), (r) => r.statusCode === 200);
    expect(servedBy(response)).toEqual({ port: secondPort, users: 2 });
  });

  it('refuses moves that cannot work before taking the tenant offline', async () => {
    const id = uniqueTenantId('mvbad');
    await createTenant(platform, { id, cluster: 'main' });
    await expect(moveTenant(platform, id, { to: 'nowhere' })).rejects.toMatchObject({ code: 'cluster_not_found' });
    await expect(moveTenant(platform, id, { to: 'main' })).rejects.toMatchObject({ code: 'same_cluster' });
    await expect(moveTenant(platform, uniqueTenantId('ghost'), { to: 'c2' })).rejects.toMatchObject({ code: 'tenant_not_found' });
    expect((await findTenant(platform.db, id))!.status).toBe('active');
  });

  it('recovers a tenant whose move died mid-copy: serving and writable again from its source', async () => {
    const id = uniqueTenantId('mvdead');
    const { tenant } = await createTenant(platform, { id, cluster: 'main' });
    await expect(recoverTenant(platform, id)).rejects.toMatchObject({ code: 'tenant_not_in_maintenance' });
    // What a move leaves behind when its process is killed during the copy.
    await setTenantStatus(platform.db, id, 'maintenance');
    await withMaintenanceSession(clusterUrl(), (client) => setDatabaseReadOnly(client, tenant.database_name, true));
    app.tenants.invalidate(id);
    expect((await probe(id)).statusCode).toBe(503);

    const { tenant: recovered } = await recoverTenant(platform, id);
    expect(recovered.status).toBe('active');
    await addUser(clusterUrl(), tenant.database_name, 'after-recovery@mv.test');
    const response = await pollUntil(() => probe(id), (r) => r.statusCode === 200);
    expect(servedBy(response)).toEqual({ port: mainPort(), users: 2 });
  });
});
