import { Type } from 'typebox';
import { errorResponses } from '../schemas.ts';
import { ROTATION_POLICY_DAYS } from '../../modules/keys/rotation-policy-limits.ts';
import { TAGS, TenantIdParams, guardErrors } from './admin.schemas.ts';
import { jobAccepted } from './job.schemas.ts';

/** A sealed backup file: what `GET …/backup` sends and `POST …/restore` takes. */
const BackupFile = Type.Unknown({ description: 'a sealed backup file as `tansu tenant backup` writes it (binary)' });

export const backupTenantSchema = {
  summary: "Download a tenant's backup: one sealed file, streamed as it is read",
  tags: [TAGS.backups],
  params: TenantIdParams,
  response: {
    200: {
      description: 'the sealed backup file; Content-Disposition names it, Content-Length is exact',
      content: { 'application/octet-stream': { schema: Type.String({ format: 'binary' }) } },
    },
    ...errorResponses({ ...guardErrors('tenant_not_found'), 400: 'invalid_tenant_id', 409: 'tenant_busy (the tenant is not active or suspended, or changed during the dump)' }),
  },
};

export const restoreTenantSchema = {
  summary: 'Restore a tenant from an uploaded backup file, as a job',
  tags: [TAGS.backups],
  params: TenantIdParams,
  querystring: Type.Object(
    {
      as: Type.Optional(Type.String({ description: 'restore under another id: an independent copy (fresh signing keys, none of the sessions, tokens or invitations of the original)' })),
      force: Type.Optional(Type.Boolean({ description: 'replace the existing tenant of that id' })),
      cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'cluster for a tenant that does not exist yet (default: the least loaded)' })),
    },
    { additionalProperties: false },
  ),
  body: { content: { 'application/octet-stream': { schema: BackupFile } } },
  response: {
    202: jobAccepted('the file is stored and its restore started (seal checked, restored into a scratch database, migrated, swapped in)'),
    ...errorResponses({
      ...guardErrors(),
      400: 'invalid_request (no file), invalid_tenant_id (the id or `as`), upload_incomplete (the client stopped sending)',
      413: 'payload_too_large: the file is larger than RESTORE_UPLOAD_MAX_BYTES; refused before it is stored, and the connection is closed',
      415: 'unsupported_media_type: the body must be application/octet-stream',
    }),
  },
};

const KeyView = Type.Object(
  {
    kid: Type.String(),
    alg: Type.String(),
    state: Type.Enum(['next', 'active', 'retired']),
    created_at: Type.String({ format: 'date-time' }),
    activated_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    retired_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    unpublish_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    published: Type.Boolean({ description: 'still in the JWKS' }),
  },
  { additionalProperties: false },
);

const RotationPolicy = Type.Object({ rotate_every_days: Type.Number(), grace_days: Type.Number() }, { additionalProperties: false });

export const listKeysSchema = {
  summary: "A tenant's signing keys and rotation policy",
  tags: [TAGS.keys],
  params: TenantIdParams,
  response: {
    200: Type.Object({ policy: RotationPolicy, keys: Type.Array(KeyView) }, { additionalProperties: false }),
    ...errorResponses({ ...guardErrors('tenant_not_found'), 400: 'invalid_tenant_id', 409: 'tenant_busy' }),
  },
};

export const rotateKeysSchema = {
  summary: "Rotate a tenant's signing keys now (the next key, published ahead, starts signing)",
  tags: [TAGS.keys],
  params: TenantIdParams,
  body: Type.Object(
    {
      grace_days: Type.Optional(
        Type.Number({ minimum: 0, maximum: ROTATION_POLICY_DAYS.max, description: "how long the retired key stays published (default: the tenant's policy)" }),
      ),
    },
    { additionalProperties: false, description: 'optional: a request without a body rotates with the defaults' },
  ),
  response: {
    200: Type.Object(
      {
        activated: Type.String({ description: 'kid of the key that signs from now on' }),
        retired: Type.Union([Type.String(), Type.Null()]),
        next: Type.String({ description: 'kid of the new next key, published ahead' }),
        unpublish_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
        removed: Type.Array(Type.String(), { description: 'retired keys past their grace period, removed' }),
      },
      { additionalProperties: false },
    ),
    ...errorResponses({ ...guardErrors('tenant_not_found'), 400: 'invalid_request or invalid_tenant_id', 409: 'tenant_busy' }),
  },
};

const Cluster = Type.Object(
  {
    name: Type.String(),
    url: Type.String({ description: 'direct URL, password redacted' }),
    pooled_url: Type.Union([Type.String(), Type.Null()], { description: 'the pooler requests go through (redacted), or null' }),
    tenants: Type.Integer({ description: 'tenants placed on it, any status' }),
  },
  { additionalProperties: false },
);

export const listClustersSchema = {
  summary: 'List clusters with their (password-redacted) URLs and tenant counts',
  tags: [TAGS.clusters],
  response: {
    200: Type.Object({ clusters: Type.Array(Cluster) }, { additionalProperties: false }),
    ...errorResponses(guardErrors()),
  },
};

export const addClusterSchema = {
  summary: 'Register a PostgreSQL cluster tenants can be placed on (its URLs are stored encrypted)',
  tags: [TAGS.clusters],
  body: Type.Object(
    {
      name: Type.String({ description: 'lowercase letters, digits and hyphens, up to 31' }),
      url: Type.String({ description: 'direct superuser URL, postgres://user:password@host:port/postgres' }),
      pooled_url: Type.Optional(Type.String({ description: 'a transaction-mode pooler in front of it, used for requests' })),
    },
    { additionalProperties: false },
  ),
  response: {
    201: Cluster,
    ...errorResponses({
      ...guardErrors(),
      400: 'invalid_request, invalid_cluster_name or invalid_cluster_url',
      409: 'cluster_exists or cluster_server_exists',
      502: 'cluster_unreachable',
    }),
  },
};

export const removeClusterSchema = {
  summary: 'Unregister a cluster that holds no tenant (its databases stay on the server)',
  tags: [TAGS.clusters],
  params: Type.Object({ name: Type.String({ description: 'cluster name' }) }),
  response: {
    204: Type.Null({ description: 'unregistered' }),
    ...errorResponses({ ...guardErrors('cluster_not_found'), 409: 'cluster_main or cluster_not_empty' }),
  },
};

export const migrateFleetSchema = {
  summary: "Migrate the platform database, each cluster's template and every tenant database, as a job",
  tags: [TAGS.fleet],
  body: Type.Object(
    { concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, description: 'tenant databases migrated at once (default 4)' })) },
    { additionalProperties: false, description: 'optional: a request without a body migrates with the defaults' },
  ),
  response: {
    202: jobAccepted('the fleet migration started; progress counts tenants, the result is the report `tansu migrate --json` prints (the job fails with fleet_migration_incomplete when any failed)'),
    ...errorResponses({ ...guardErrors(), 400: 'invalid_request' }),
  },
};
