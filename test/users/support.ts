import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { clusterUrl, openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from '../support/platform.ts';

export interface UsersTestBed {
  platform: TestPlatform;
  app: FastifyInstance;
  /** A tenant and a direct connection to its database, for asserting what was stored. */
  tenant(prefix: string): Promise<{ id: string; db: TenantDb }>;
  close(): Promise<void>;
}

export async function startUsersTestBed(env: Record<string, string> = {}): Promise<UsersTestBed> {
  const platform = await openTestPlatform(testConfig(env));
  const app = await buildApp({ platform });
  await app.ready();
  const dbs: TenantDb[] = [];
  return {
    platform,
    app,
    async tenant(prefix) {
      const id = uniqueTenantId(prefix);
      const { tenant } = await createTenant(platform, { id });
      const db = openTenantDatabase(clusterUrl(), tenant.database_name, 2);
      dbs.push(db);
      return { id, db };
    },
    async close() {
      await app.close();
      for (const db of dbs) await db.destroy();
      await platform.destroy();
    },
  };
}
