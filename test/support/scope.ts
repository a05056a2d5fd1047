import type { Platform } from '../../src/platform/platform.ts';
import type { TenantDb } from '../../src/db/tenant-database.ts';
import { parseTenantId } from '../../src/platform/tenant-id.ts';
import { tenantScope, type Actor, type TenantScope } from '../../src/platform/tenant-scope.ts';

/** The actor tests act as; the audit log reads `test`. */
export const TEST_ACTOR: Actor = Object.freeze({ type: 'operator', id: 'test' });

/** A scope on a database the test opened itself (the services take nothing else). */
export function testScope(platform: Pick<Platform, 'db' | 'secrets' | 'publicUrl' | 'config'>, id: string, db: TenantDb): TenantScope {
  return tenantScope(platform, parseTenantId(id), db);
}
