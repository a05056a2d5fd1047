import { invalidTenantId } from '../errors.ts';

/**
 * The one place tenant ids are judged. A valid id maps one-to-one onto a database name
 * (`-` → `_`; ids never contain `_`) that stays inside PostgreSQL's 63-byte identifier limit.
 */
const TENANT_ID = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;

/**
 * The platform's own tenant: operators sign in to the platform admin API through its OIDC
 * (routes/admin/platform-admin-auth.ts). A valid id, so it is served, backed up and moved like
 * any tenant, but only created on purpose (provisioning/platform-admin-tenant.ts): parseNewTenantId
 * refuses it to every other creation.
 */
export const PLATFORM_ADMIN_TENANT_ID = 'admin';

/** Words that name platform routes, infrastructure or our own databases. */
export const RESERVED_TENANT_IDS: ReadonlySet<string> = new Set([
  'api', 'app', 'auth', 'default', 'identity', 'internal', 'login', 'metrics', 'oauth',
  'oidc', 'platform', 'postgres', 'public', 'root', 'static', 'system', 'tansu', 'template',
  'template0', 'template1', 'tenant', 'tenants', 'www',
]);

export type TenantId = string & { readonly __brand: 'TenantId' };

export const TENANT_DATABASE_PREFIX = 'tansu_tenant_';

export function parseTenantId(input: unknown): TenantId {
  if (typeof input !== 'string' || input.length === 0) {
    throw invalidTenantId('a tenant id is required');
  }
  // `--` is refused too: DNS reserves it in label positions 3–4 (xn--), and ids become subdomains.
  if (!TENANT_ID.test(input) || input.includes('--')) {
    throw invalidTenantId(
      `"${printable(input)}" is not a valid tenant id: use 3 to 40 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen`,
    );
  }
  if (RESERVED_TENANT_IDS.has(input)) {
    throw invalidTenantId(`"${input}" is reserved`);
  }
  return input as TenantId;
}

/**
 * An id for a tenant about to be created (or restored as a copy): a valid id that is not the
 * platform's admin tenant, which is created only by createPlatformAdminTenant.
 */
export function parseNewTenantId(input: unknown): TenantId {
  const id = parseTenantId(input);
  if (id === PLATFORM_ADMIN_TENANT_ID) {
    throw invalidTenantId(`"${id}" is reserved for the platform's admin tenant: create it with \`tansu tenant create-admin\` or POST /admin/v1/admin-tenant`);
  }
  return id;
}

export function isTenantId(input: unknown): input is TenantId {
  try {
    parseTenantId(input);
    return true;
  } catch {
    return false;
  }
}

export function tenantDatabaseName(id: TenantId): string {
  return TENANT_DATABASE_PREFIX + id.replaceAll('-', '_');
}

/**
 * The tenant's own login role on its cluster. Roles and databases are separate namespaces in
 * PostgreSQL, so the role takes the database's name: `tansu_tenant_acme` logs in to `tansu_tenant_acme`.
 */
export function tenantRoleName(id: TenantId): string {
  return tenantDatabaseName(id);
}

function printable(input: string): string {
  const clipped = input.length > 64 ? `${input.slice(0, 64)}…` : input;
  return clipped.replace(/[^\x20-\x7e]/g, '?');
}
