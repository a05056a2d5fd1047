import { Type } from 'typebox';
import { NextCursor, TenantParams, errorResponses } from '../schemas.ts';
import { ADMIN_ERRORS, AdminPageQuery, IfMatchHeaders, PRECONDITION_FAILED, UuidParam } from './admin-schemas.ts';

/** Request and answer shapes of the tenant admin API's APIs (resource servers, apis.routes.ts). */

const tags = ['apis'];

/** modules/apis/api-view.ts's ApiView. */
export const Api = Type.Object(
  {
    id: Type.String({ description: 'the id the admin API names it by' }),
    identifier: Type.String({ description: 'the resource indicator (RFC 8707) and `aud` of its access tokens' }),
    name: Type.String(),
    scopes: Type.Array(Type.String()),
    access_token_ttl: Type.Integer({ description: 'access token lifetime in seconds' }),
    is_default: Type.Boolean({ description: 'used when a client names no resource' }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const ApiParams = Type.Object({ tenant: TenantParams.properties.tenant, api_id: UuidParam("the API's id") });

const Scopes = Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100, description: 'the scopes of the API' });
const Ttl = Type.Integer({ description: 'access token lifetime, 60 to 86400 seconds' });
const NOT_FOUND = { 404: 'tenant_not_found or api_not_found' } as const;
const BAD_PROPERTIES = 'invalid_request, invalid_scope or invalid_ttl';

export const listApisSchema = {
  summary: "List the tenant's APIs, by identifier",
  tags,
  params: TenantParams,
  querystring: Type.Object(AdminPageQuery, { additionalProperties: false }),
  response: {
    200: Type.Object({ items: Type.Array(Api), next_cursor: NextCursor }, { additionalProperties: false }),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_limit or invalid_cursor' }),
  },
};

export const createApiSchema = {
  summary: 'Register an API: its access tokens are RFC 9068 JWTs with aud = its identifier',
  tags,
  params: TenantParams,
  body: Type.Object(
    {
      identifier: Type.String({ description: 'an absolute URI without a fragment, e.g. https://api.example.com' }),
      name: Type.Optional(Type.String({ description: 'display name (default: the identifier)' })),
      scopes: Type.Optional(Scopes),
      access_token_ttl: Type.Optional(Ttl),
      is_default: Type.Optional(Type.Boolean({ description: 'use this API when a client names none (takes the flag from the API that had it)' })),
    },
    { additionalProperties: false },
  ),
  response: {
    201: Api,
    ...errorResponses({ ...ADMIN_ERRORS, 400: `${BAD_PROPERTIES} or invalid_resource`, 409: "api_exists, or api_reserved: the tenant's built-in admin API" }),
  },
};

export const showApiSchema = {
  summary: 'One API (with an ETag for If-Match)',
  tags,
  params: ApiParams,
  response: { 200: Api, ...errorResponses({ ...ADMIN_ERRORS, ...NOT_FOUND, 400: 'invalid_request: api_id is no UUID' }) },
};

export const updateApiSchema = {
  summary: "Change an API's name, scopes, token lifetime or default flag",
  description: 'Only the properties sent change; tokens issued before keep what they were given.',
  tags,
  params: ApiParams,
  headers: IfMatchHeaders,
  body: Type.Object(
    {
      name: Type.Optional(Type.String()),
      scopes: Type.Optional(Scopes),
      access_token_ttl: Type.Optional(Ttl),
      is_default: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  response: { 200: Api, ...errorResponses({ ...ADMIN_ERRORS, ...NOT_FOUND, ...PRECONDITION_FAILED, 400: BAD_PROPERTIES }) },
};

export const deleteApiSchema = {
  summary: 'Delete an API; new tokens for it are refused at once and its grants to clients go with it',
  tags,
  params: ApiParams,
  headers: IfMatchHeaders,
  response: {
    204: Type.Null({ description: 'the API is gone' }),
    ...errorResponses({ ...ADMIN_ERRORS, ...NOT_FOUND, ...PRECONDITION_FAILED, 400: 'invalid_request: api_id is no UUID' }),
  },
};
