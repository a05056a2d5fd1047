import { Type } from 'typebox';
import type { TenantStatus } from '../../db/schema.ts';
import { NextCursor, PageQuery, TenantId, errorResponses } from '../schemas.ts';
import { TAGS, TenantIdParams, guardErrors } from './admin.schemas.ts';
import { jobAccepted } from './job.schemas.ts';

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

export const createTenantSchema = {
  summary: 'Create a tenant',
  tags: [TAGS.tenants],
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
      ...guardErrors(),
      400: 'invalid_request, invalid_tenant_id, invalid_name, invalid_email or weak_password',
      409: 'tenant_exists',
    }),
  },
};

export const listTenantsSchema = {
  summary: 'List tenants, a page at a time',
  tags: [TAGS.tenants],
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
    ...errorResponses({ ...guardErrors(), 400: 'invalid_request' }),
  },
};

export const showTenantSchema = {
  summary: 'Show a tenant',
  tags: [TAGS.tenants],
  params: TenantIdParams,
  response: {
    200: Tenant,
    ...errorResponses({ ...guardErrors('tenant_not_found'), 400: 'invalid_tenant_id' }),
  },
};

export const deleteTenantSchema = {
  summary: 'Delete a tenant and its database',
  tags: [TAGS.tenants],
  params: TenantIdParams,
  response: {
    204: Type.Null({ description: 'the tenant and its database are gone' }),
    ...errorResponses({ ...guardErrors('tenant_not_found'), 400: 'invalid_tenant_id', 409: 'tenant_busy' }),
  },
};

const suspendTenantShape = {
  params: TenantIdParams,
  response: {
    200: Tenant,
    ...errorResponses({ ...guardErrors('tenant_not_found'), 400: 'invalid_tenant_id', 409: 'tenant_busy' }),
  },
};

export function suspendTenantSchema(action: 'suspend' | 'resume') {
  return {
    summary: action === 'suspend' ? 'Suspend a tenant (its endpoints answer 403)' : 'Resume a suspended tenant',
    tags: [TAGS.tenants],
    ...suspendTenantShape,
  };
}

export const recoverTenantSchema = {
  summary: 'Bring back a tenant left in maintenance by an interrupted move or restore',
  tags: [TAGS.tenants],
  params: TenantIdParams,
  response: {
    200: Type.Object(
      {
        tenant: Tenant,
        leftovers: Type.Array(Type.String(), { description: 'scratch or set-aside databases on its cluster, to inspect and drop by hand' }),
      },
      { additionalProperties: false, description: 'the tenant serves again from its registered database' },
    ),
    ...errorResponses({ ...guardErrors('tenant_not_found'), 400: 'invalid_tenant_id', 409: 'tenant_not_in_maintenance or tenant_database_missing' }),
  },
};

export const moveTenantSchema = {
  summary: 'Move a tenant to another cluster, as a job',
  tags: [TAGS.tenants],
  params: TenantIdParams,
  body: Type.Object({ to: Type.String({ minLength: 1, maxLength: 100, description: 'target cluster (GET /admin/v1/clusters)' }) }, { additionalProperties: false }),
  response: {
    202: jobAccepted('the move started: dump, restore on the target, switch, drop the source; 503 for the tenant only during the copy'),
    ...errorResponses({
      ...guardErrors('tenant_not_found or cluster_not_found'),
      400: 'invalid_request, invalid_tenant_id or same_cluster',
      409: 'tenant_busy',
    }),
  },
};

export const createAdminTenantSchema = {
  summary: "Create the platform's admin tenant, through which operators sign in to this API",
  tags: [TAGS.tenants],
  body: Type.Object(
    {
      name: Type.Optional(Type.String({ description: 'display name (default: Platform administration)' })),
      admin_email: Type.Optional(Type.String({ description: 'email of its first admin, TenantAdmin and PlatformAdmin (default: admin@admin.localhost)' })),
      admin_password: Type.Optional(Type.String({ description: "the admin's password, 10+ characters (default: generated, in the answer once)" })),
      cluster: Type.Optional(Type.String({ description: 'registered cluster to place its database on (default: the least loaded)' })),
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
        platform_api: Type.Object(
          {
            identifier: Type.String({ description: 'the `resource` an operator token is requested for: <admin issuer>/platform' }),
            scope: Type.String({ description: 'the scope it must carry: platform:admin' }),
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false, description: 'the admin tenant is active' },
    ),
    ...errorResponses({ ...guardErrors(), 400: 'invalid_request, invalid_name, invalid_email or weak_password', 409: 'tenant_exists' }),
  },
};
