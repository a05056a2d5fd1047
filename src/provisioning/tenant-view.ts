import type { Platform } from '../platform/platform.ts';
import type { TenantRow } from '../platform/tenants.repository.ts';
import type { CreatedTenant } from './tenants.service.ts';
import { issuerOf } from '../platform/issuer.ts';

/** How a tenant is shown to operators, by the CLI (`--json`) and the admin API alike. */
export interface TenantView {
  id: string;
  name: string;
  status: TenantRow['status'];
  issuer: string;
  cluster: string;
  database: string;
  failureReason: string | null;
  createdAt: string;
  updatedAt: string;
}

export function tenantView(platform: Platform, row: TenantRow): TenantView {
  return {
    id: row.id,
    name: row.display_name,
    status: row.status,
    issuer: issuerOf(platform, row.id),
    cluster: row.cluster,
    database: row.database_name,
    failureReason: row.failure_reason,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** A created tenant with its admin; `password` only when it was generated (shown this once). */
export interface CreatedTenantView {
  tenant: TenantView;
  admin: { email: string; password?: string };
}

export function createdTenantView(platform: Platform, created: CreatedTenant): CreatedTenantView {
  const { generatedPassword } = created.admin;
  return {
    tenant: tenantView(platform, created.tenant),
    admin: { email: created.admin.email, ...(generatedPassword === undefined ? {} : { password: generatedPassword }) },
  };
}
