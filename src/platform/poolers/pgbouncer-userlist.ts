import type { Platform } from '../platform.ts';
import { listTenants } from '../tenants.repository.ts';
import { statusesFor } from '../tenant-lifecycle.ts';
import { MAIN_CLUSTER } from '../clusters.ts';
import { tenantRoleCredentials, type RoleCredentials } from '../tenant-credentials.ts';

/**
 * PgBouncer's auth_file for one cluster: the admin role (the platform database, PgBouncer's
 * console) and every tenant role on that cluster. PgBouncer checks a client's password against
 * this file and logs in to the server as the same user with the same password, so each tenant
 * database is reached through the pooler as its own role, as it is directly.
 *
 * A generated file rather than auth_query: auth_query reads SCRAM secrets from pg_shadow (a
 * superuser lookup, in each database before PgBouncer 1.20) and can pass them on only to a server
 * that itself asks for SCRAM; the embedded cluster's pg_hba asks for `password`. With the
 * passwords themselves PgBouncer logs in whatever the server's method, and the registry already
 * holds them. Regenerate after tenants are created, moved or deleted (`--watch` does) and RELOAD.
 */
export async function renderPgbouncerUserlist(platform: Platform, cluster: string = MAIN_CLUSTER): Promise<string> {
  const serving = new URL(await platform.clusters.urlOf(cluster));
  const users: RoleCredentials[] = [{ user: decodeURIComponent(serving.username), password: decodeURIComponent(serving.password) }];
  // `provisioning` tenants are included so their role is there by the time they go live.
  for (const tenant of await listTenants(platform.db, { cluster, statuses: statusesFor('pool') })) {
    const role = tenantRoleCredentials(platform.secrets, tenant);
    if (role) users.push(role);
  }
  return users.map(({ user, password }) => `${quoted(user)} ${quoted(password)}\n`).join('');
}

function quoted(value: string): string {
  return `"${value.replaceAll('"', '""')}"`;
}
