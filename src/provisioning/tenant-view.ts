import type { Platform } from '../platform/platform.ts';
import type { TenantRow } from '../platform/tenants.repository.ts';
import type { CreatedTenant } from './tenants.service.ts';
import { tenantIssuer } from '../platform/issuer.ts';

/**
 * How a tenant is shown to operators, by the CLI (`--json`) and the admin API alike: snake_case,
 * as every JSON this service writes (OAuth and OIDC already are).
 */
export interface TenantView {
  id: string;
  name: string;
  status: TenantRow['status'];
  issuer: string;
  cluster: string;
  database: string;
  failure_reason: string | null;
  created_at: string;
  updated_at: string;
}

export function tenantView(platform: Platform, row: TenantRow): TenantView {
  return {
    id: row.id,
    name: row.display_name,
    status: row.status,
    issuer: tenantIssuer(platform, row),
    cluster: row.cluster,
    database: row.database_name,
    failure_reason: row.failure_reason,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
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
