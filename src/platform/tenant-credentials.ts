import type { SecretBox } from '../crypto/secret-box.ts';
import { tenantRoleName, type TenantId } from './tenant-id.ts';
import type { TenantRow } from './tenants.repository.ts';

/** A tenant's login role on its cluster and that role's password. */
export interface RoleCredentials {
  user: string;
  password: string;
}

/** Bound to the tenant id: a sealed password copied onto another tenant's row does not open. */
const sealContext = (id: string) => `tenant:${id}:database-role`;

export function sealRolePassword(secrets: SecretBox, id: TenantId, password: string): string {
  return secrets.seal(password, sealContext(id));
}

/** Undefined for a tenant created before tenant roles existed, until `tansu migrate` gives it one. */
export function tenantRoleCredentials(secrets: SecretBox, tenant: Pick<TenantRow, 'id' | 'role_password_encrypted'>): RoleCredentials | undefined {
  if (!tenant.role_password_encrypted) return undefined;
  return { user: tenantRoleName(tenant.id as TenantId), password: secrets.open(tenant.role_password_encrypted, sealContext(tenant.id)) };
}

/** The same server (direct or its pooler), logged in as the tenant's role instead of the admin. */
export function withRoleCredentials(clusterUrl: string, credentials: RoleCredentials): string {
  const url = new URL(clusterUrl);
  url.username = encodeURIComponent(credentials.user);
  url.password = encodeURIComponent(credentials.password);
  return url.toString();
}
