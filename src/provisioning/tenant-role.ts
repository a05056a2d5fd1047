import type { Platform } from '../platform/platform.ts';
import { tenantRoleName, type TenantId } from '../platform/tenant-id.ts';
import { findTenant, storeTenantRolePassword } from '../platform/tenants.repository.ts';
import { sealRolePassword, tenantRoleCredentials } from '../platform/tenant-credentials.ts';
import { withMaintenanceSession } from '../db/postgres.ts';
import { dropLoginRole, ensureLoginRole, generateRolePassword, grantDatabaseToRole } from '../db/tenant-role.ts';

export interface TenantRoleTarget {
  id: TenantId;
  /** Direct (admin) URL of the cluster that holds `database`. */
  clusterUrl: string;
  /** The tenant's database, or the scratch copy about to become it (restore, move). */
  database: string;
}

/**
 * The one way a tenant database becomes usable by its tenant's role; provisioning, restore,
 * move and `tansu migrate` all end with it. The role is created on the cluster when missing (a
 * move's target, a tenant from before roles) with the password the registry holds, or a new one.
 * A new password reaches the registry only once the role has it and holds its grants, so a node
 * never opens a pool the cluster would refuse; of two concurrent runs the first stored password
 * wins and the other sets it on the role again. Returns true when the tenant got its first password.
 */
export async function grantTenantRole(platform: Platform, target: TenantRoleTarget): Promise<boolean> {
  const role = tenantRoleName(target.id);
  const row = await findTenant(platform.db, target.id);
  const stored = row && tenantRoleCredentials(platform.secrets, row);
  const password = stored?.password ?? generateRolePassword();
  await withMaintenanceSession(target.clusterUrl, (client) => ensureLoginRole(client, role, password));
  await grantDatabaseToRole(target.clusterUrl, target.database, role);
  if (stored) return false;
  const sealed = await storeTenantRolePassword(platform.db, target.id, sealRolePassword(platform.secrets, target.id, password));
  const winner = sealed ? tenantRoleCredentials(platform.secrets, { id: target.id, role_password_encrypted: sealed }) : undefined;
  if (winner && winner.password !== password) {
    await withMaintenanceSession(target.clusterUrl, (client) => ensureLoginRole(client, role, winner.password));
  }
  return winner?.password === password;
}

/** DROP ROLE on one cluster, after the tenant's database there is gone (tenant deleted, moved away, failed creation). */
export async function dropTenantRole(clusterUrl: string, id: TenantId): Promise<void> {
  await withMaintenanceSession(clusterUrl, (client) => dropLoginRole(client, tenantRoleName(id)));
}
