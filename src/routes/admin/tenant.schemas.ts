import { Type } from 'typebox';
import type { TenantStatus } from '../../db/schema.ts';
import { NextCursor, PageQuery, TenantId, errorResponses } from '../schemas.ts';

export const TENANT_STATUSES: readonly TenantStatus[] = ['provisioning', 'active', 'suspended', 'maintenance', 'deleting', 'failed'];

const statusList = `(${TENANT_STATUSES.join('|')})`;

/** provisioning/tenant-view.ts's TenantView, as the platform admin API answers it. */
export const Tenant = Type.Object(
  {
    id: TenantId,
    name: Type.String({ description: 'display name' }),
    status: Type.Enum([...TENANT_STATUSES]),
    issuer: Type.String({ format: 'uri', description: "the tenant's OpenID Provider issuer" }),
    cluster: Type.String({ description: 'the cluster its database is on' }),
    database: Type.String({ description: 'its database name' }),
    failure_reason: Type.Union([Type.String(), Type.Null()], { description: 'why a creation failed; null otherwise' }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

/** Every route of the API answers these when its guard refuses (platform-admin-auth.ts). */
const GUARD_ERRORS = {
  401: 'no valid platform admin token (`invalid_token`)',
  404: 'the platform admin API is disabled: TANSU_ADMIN_TOKEN is not set (`not_found`)',
};

const TenantIdParams = Type.Object({ id: TenantId });

export const createTenantSchema = {
  body: Type.Object(
    {
      id: TenantId,
      name: Type.Optional(Type.String({ description: 'display name (default: the id)' })),
      admin_email: Type.Optional(Type.String({ description: 'email of the seeded TenantAdmin (default: admin@<id>.localhost)' })),
      admin_password: Type.Optional(Type.String({ description: "the admin's password, 10+ characters (default: generated, in the answer once)" })),
      cluster: Type.Optional(Type.String({ description: 'registered cluster to place the database on (default: the least loaded)' })),
    },
    { additionalProperties: false },
  ),
  response: {
    201: Type.Object(
      {
        tenant: Tenant,
        admin: Type.Object(
          { email: Type.String(), password: Type.Optional(Type.String({ description: 'only when generated: shown this once' })) },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false, description: 'the tenant is active' },
    ),
    ...errorResponses({
      ...GUARD_ERRORS,
      400: 'invalid_request, invalid_tenant_id, invalid_name, invalid_email or weak_password',
      409: 'tenant_exists',
    }),
  },
};

export const listTenantsSchema = {
  querystring: Type.Object(
    {
      status: Type.Optional(
        Type.String({ pattern: `^${statusList}(,${statusList})*$`, description: `only these statuses, comma-separated: ${TENANT_STATUSES.join(', ')}` }),
      ),
      ...PageQuery,
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ tenants: Type.Array(Tenant), next_cursor: NextCursor }, { additionalProperties: false, description: 'one page of tenants, by id' }),
    ...errorResponses({ ...GUARD_ERRORS, 400: 'invalid_request' }),
  },
};

export const showTenantSchema = {
  params: TenantIdParams,
  response: {
    200: Tenant,
    ...errorResponses({ ...GUARD_ERRORS, 400: 'invalid_tenant_id', 404: 'tenant_not_found, or the API is disabled' }),
  },
};

export const deleteTenantSchema = {
  params: TenantIdParams,
  response: {
    204: Type.Null({ description: 'the tenant and its database are gone' }),
    ...errorResponses({ ...GUARD_ERRORS, 400: 'invalid_tenant_id', 404: 'tenant_not_found, or the API is disabled', 409: 'tenant_busy' }),
  },
};

export const suspendTenantSchema = {
  params: TenantIdParams,
  response: {
    200: Tenant,
    ...errorResponses({ ...GUARD_ERRORS, 400: 'invalid_tenant_id', 404: 'tenant_not_found, or the API is disabled', 409: 'tenant_busy' }),
  },
};
