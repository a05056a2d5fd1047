import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { AuthenticationResult } from '../../src/modules/users/authenticate.ts';
import { buildApp } from '../../src/app.ts';
import { createTenant } from '../../src/provisioning/tenants.service.ts';
import { openTenantDatabase, type TenantDb } from '../../src/db/tenant-database.ts';
import { clusterUrl, openTestPlatform, testConfig, uniqueTenantId, type TestPlatform } from './platform.ts';
import { testScope } from './scope.ts';
import type { TenantScope } from '../../src/platform/tenant-scope.ts';

export interface UsersTestBed {
  platform: TestPlatform;
  app: FastifyInstance;
  /** A tenant and a scope on a direct connection to its database, for asserting what was stored. */
  tenant(prefix: string): Promise<TenantScope>;
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
      return testScope(platform, id, db);
    },
    async close() {
      await app.close();
      for (const db of dbs) await db.destroy();
      await platform.destroy();
    },
  };
}

/** Moves every recorded sign-in attempt of a tenant back, as if that many seconds had passed. */
export async function shiftAttemptsBack(db: TenantDb, seconds: number): Promise<void> {
  await sql`UPDATE login_attempts SET occurred_at = occurred_at - make_interval(secs => ${seconds})`.execute(db);
}

/** Long enough that a slowed account is still slowed when a busy machine makes the next attempt. */
export const SLOWED_FOR_SECONDS = 60;

/**
 * Strangers fail at one account from fresh addresses (`fail(i)`) until the account-wide slowdown
 * lasts at least SLOWED_FOR_SECONDS. Its first steps last a second or two, which a loaded machine
 * can spend before the test's next request; so failures past the free allowance are spaced by
 * moving the recorded attempts back instead of waiting, and a refusal says how long it lasts.
 */
export async function slowAccountDown(db: TenantDb, fail: (i: number) => Promise<AuthenticationResult>): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const result = await fail(i);
    if (result.ok) throw new Error('a stranger signed in');
    if (result.reason !== 'throttled') continue;
    const { retryAfterSeconds } = result as { retryAfterSeconds: number };
    if (retryAfterSeconds >= SLOWED_FOR_SECONDS) return;
    await shiftAttemptsBack(db, retryAfterSeconds + 1);
  }
  throw new Error('the account was never slowed down');
}
