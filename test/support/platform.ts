import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openPlatform, type Platform } from '../../src/platform/platform.ts';
import { databaseUrl, dropDatabase, withMaintenanceSession } from '../../src/db/postgres.ts';
import { listTenants } from '../../src/platform/tenants.repository.ts';
import { dropLoginRole } from '../../src/db/tenant-role.ts';
import { tenantRoleName, type TenantId } from '../../src/platform/tenant-id.ts';

export function clusterUrl(): string {
  return inject('clusterUrl');
}

/** A unique tenant id for this test run, so files running in parallel never collide. */
export function uniqueTenantId(prefix = 't'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * Config for a platform of its own: a platform database unique to the caller on the suite's
 * cluster, a temporary data dir, and a fresh master key.
 */
export function testConfig(env: Record<string, string> = {}): Config {
  const platformDatabase = `tansu_test_${crypto.randomBytes(5).toString('hex')}`;
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl(clusterUrl(), platformDatabase),
    TANSU_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tansu-data-')),
    TANSU_MASTER_KEY: crypto.randomBytes(32).toString('base64'),
    PUBLIC_URL: 'http://localhost:8080',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
}

export interface TestPlatform extends Platform {
  /** Drops every tenant database and role and the platform database this platform created. */
  destroy(): Promise<void>;
}

export async function openTestPlatform(config: Config = testConfig()): Promise<TestPlatform> {
  const platform = await openPlatform(config, createLogger(config), { poolMax: 4 });
  return Object.assign(Object.create(null), platform, {
    async destroy() {
      const tenants = await listTenants(platform.db);
      await platform.close();
      const url = clusterUrl();
      await withMaintenanceSession(url, async (client) => {
        for (const tenant of tenants) {
          await dropDatabase(client, tenant.database_name);
          // Roles are cluster-wide: left behind, they would pile up on a TEST_DATABASE_URL cluster.
          await dropLoginRole(client, tenantRoleName(tenant.id as TenantId)).catch(() => {});
        }
        await dropDatabase(client, new URL(config.databaseUrl!).pathname.slice(1));
      });
    },
  }) as TestPlatform;
}
