import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { uniqueTenantId, clusterUrl, type TestPlatform } from '../support/platform.ts';
import { pollUntil } from '../support/eventually.ts';
import { startMoveBed, type MoveBed, type ProbeAnswer, type SecondCluster } from '../support/second-cluster.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { moveTenant } from '../../src/provisioning/move.ts';
import { findTenant } from '../../src/platform/tenants.repository.ts';
import { insertUser } from '../../src/modules/users/users.repository.ts';
import { databaseExists, databaseUrl, withMaintenanceSession } from '../../src/db/postgres.ts';
import { openTenantDatabase } from '../../src/db/tenant-database.ts';

/** Once the registry names the target cluster, no failure may drop the tenant's database there. */

let platform: TestPlatform;
let second: SecondCluster;
let app: FastifyInstance;

let bed: MoveBed;

beforeAll(async () => {
  bed = await startMoveBed();
  ({ second, platform, app } = bed);
  await platform.clusters.add('c2', databaseUrl(second.url, 'postgres'));
});
afterAll(async () => {
  await bed?.close();
});

const existsOn = (url: string, database: string) => withMaintenanceSession(url, (client) => databaseExists(client, database));

/** The tenant as a request sees it, once the nodes have caught up with the registry. */
async function servedFrom(id: string): Promise<Pick<ProbeAnswer, 'port' | 'emails'>> {
  const response = await pollUntil(
    () => app.inject({ method: 'GET', url: `/t/${id}/probe` }),
    (r) => r.statusCode === 200 && r.json().port === second.port,
  );
  const { port, emails } = response.json<ProbeAnswer>();
  return { port, emails };
}

async function tenantWithData(prefix: string) {
  const id = uniqueTenantId(prefix);
  const { tenant } = await createTenant(platform, { id, cluster: 'main', adminEmail: `admin@${prefix}.test` });
  const db = openTenantDatabase(clusterUrl(), tenant.database_name, 1);
  try {
    await insertUser(db, { email: `kept@${prefix}.test`, passwordHash: null });
  } finally {
    await db.destroy();
  }
  return { id, database: tenant.database_name, emails: [`admin@${prefix}.test`, `kept@${prefix}.test`] };
}

describe('failures after the registry switch of a move', () => {
  it('a failure after the source was dropped keeps the target: the tenant serves from it with its data', async () => {
    const { id, database, emails } = await tenantWithData('mvrec');
    const moved = await moveTenant(platform, id, {
      to: 'c2',
      afterSwitch: (step) => {
        if (step === 'record') throw new Error('injected: platform audit insert failed');
      },
    });
    expect(moved).toMatchObject({ from: 'main', to: 'c2', sourceDropped: true, tenant: { cluster: 'c2', status: 'active' } });
    expect(await findTenant(platform.db, id)).toMatchObject({ cluster: 'c2', status: 'active' });
    expect(await existsOn(second.url, database)).toBe(true);
    expect(await existsOn(clusterUrl(), database)).toBe(false);
    expect(await servedFrom(id)).toEqual({ port: second.port, emails });
  });

  it('when every step after the switch fails, the move stands and the source is left for cleanup', async () => {
    const { id, database, emails } = await tenantWithData('mvall');
    const failed: string[] = [];
    const moved = await moveTenant(platform, id, {
      to: 'c2',
      afterSwitch: (step) => {
        failed.push(step);
        throw new Error(`injected: ${step} failed`);
      },
    });
    expect(failed).toEqual(['notify', 'drop-source', 'record']);
    expect(moved).toMatchObject({ to: 'c2', sourceDropped: false, tenant: { cluster: 'c2', status: 'active' } });
    expect(await existsOn(second.url, database)).toBe(true);
    expect(await existsOn(clusterUrl(), database)).toBe(true);
    expect(await servedFrom(id)).toEqual({ port: second.port, emails });
  });

  it('a switch that committed although the mover saw an error is not undone', async () => {
    const { id, database, emails } = await tenantWithData('mvlost');
    // What a lost reply to the switch looks like to the mover: the registry changed, yet an error came back.
    await expect(
      moveTenant(platform, id, {
        to: 'c2',
        beforeSwitch: async () => {
          await platform.db.updateTable('tenants').set({ cluster: 'c2', status: 'active' }).where('id', '=', id).execute();
          throw new Error('injected: connection lost after COMMIT');
        },
      }),
    ).rejects.toMatchObject({ code: 'move_failed', message: /connection lost/ });
    expect(await findTenant(platform.db, id)).toMatchObject({ cluster: 'c2', status: 'active' });
    expect(await existsOn(second.url, database)).toBe(true);
    expect(await servedFrom(id)).toEqual({ port: second.port, emails });
  });
});
