import { Type } from 'typebox';
import { NextCursor, TenantParams, errorResponses } from '../schemas.ts';
import { ADMIN_ERRORS, AdminPageQuery, IfMatchHeaders, PRECONDITION_FAILED, UuidParam } from './admin-schemas.ts';
import { SECRET_GRACE_DAYS } from '../../modules/clients/secret-grace.ts';

/** Request and answer shapes of the tenant admin API's clients (clients.routes.ts). */

const tags = ['clients'];
const UriList = (description: string) => Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 100, description });

/** modules/clients/client-view.ts's ClientView: never the secret or its hash. */
export const Client = Type.Object(
  {
    client_id: Type.String(),
    name: Type.String(),
    type: Type.Union([Type.Literal('public'), Type.Literal('confidential')]),
    token_endpoint_auth_method: Type.String({ description: 'client_secret_basic, client_secret_post, private_key_jwt or none' }),
    grant_types: Type.Array(Type.String()),
    redirect_uris: Type.Array(Type.String()),
    post_logout_redirect_uris: Type.Array(Type.String()),
    cors_origins: Type.Array(Type.String(), { description: 'browser origins allowed besides those of the redirect URIs' }),
    resources: Type.Array(Type.String(), { description: 'APIs the client may get tokens for when signing users in (empty: every API)' }),
    granted_apis: Type.Array(Type.String(), { description: 'APIs granted to the client for client credentials' }),
    first_party: Type.Boolean({ description: "the tenant's own app: no consent page" }),
    require_pushed_authorization_requests: Type.Boolean({ description: 'authorization requests only through PAR (RFC 9126)' }),
    dpop_bound_access_tokens: Type.Boolean({ description: 'access tokens only bound to a DPoP key (RFC 9449)' }),
    previous_secret_expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description: 'until when the secret before the last rotation is (or was) accepted; null if it stopped at once',
    }),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { additionalProperties: false },
);

const ClientParams = Type.Object({ tenant: TenantParams.properties.tenant, client_id: Type.String({ minLength: 1, maxLength: 200 }) });
const ClientApiParams = Type.Object({ ...ClientParams.properties, api_id: UuidParam("the API's id") });

const NOT_FOUND = { 404: 'tenant_not_found or client_not_found' } as const;

export const listClientsSchema = {
  summary: "List the tenant's clients, oldest first",
  tags,
  params: TenantParams,
  querystring: Type.Object(AdminPageQuery, { additionalProperties: false }),
  response: {
    200: Type.Object({ items: Type.Array(Client), next_cursor: NextCursor }, { additionalProperties: false }),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_limit or invalid_cursor' }),
  },
};

export const createClientSchema = {
  summary: 'Register a client; a secret-based client gets its secret in this answer only',
  tags,
  params: TenantParams,
  body: Type.Object(
    {
      name: Type.String({ description: 'shown on the consent page, 1 to 200 characters' }),
      type: Type.Union([Type.Literal('public'), Type.Literal('confidential')], { description: 'public (browser/mobile apps, PKCE) or confidential (servers)' }),
      redirect_uris: Type.Optional(UriList('allowed redirect URIs, matched exactly')),
      post_logout_redirect_uris: Type.Optional(UriList('allowed post-logout redirect URIs')),
      cors_origins: Type.Optional(UriList('browser origins allowed besides those of the redirect URIs, e.g. https://app.example.com')),
      grant_types: Type.Optional(
        Type.Array(Type.String(), {
          maxItems: 10,
          description:
            'authorization_code, refresh_token, client_credentials, password, urn:ietf:params:oauth:grant-type:device_code, urn:ietf:params:oauth:grant-type:token-exchange; default: from the type and redirect URIs',
        }),
      ),
      resources: Type.Optional(
        Type.Array(Type.String(), {
          maxItems: 100,
          description: 'API identifiers the client may get tokens for; with client_credentials each is granted to the client',
        }),
      ),
      token_endpoint_auth_method: Type.Optional(
        Type.Union([Type.Literal('client_secret_basic'), Type.Literal('client_secret_post'), Type.Literal('private_key_jwt'), Type.Literal('none')], {
          description: 'default: none for a public client, client_secret_basic (or private_key_jwt with jwks) for a confidential one',
        }),
      ),
      jwks: Type.Optional(Type.Object({ keys: Type.Array(Type.Record(Type.String(), Type.Unknown()), { maxItems: 20 }) }, { description: 'public keys for private_key_jwt' })),
      first_party: Type.Optional(Type.Boolean({ description: "the tenant's own app: no consent page" })),
      require_pushed_authorization_requests: Type.Optional(Type.Boolean({ description: 'refuse authorization requests that did not come through PAR (default false)' })),
      dpop_bound_access_tokens: Type.Optional(Type.Boolean({ description: 'refuse token requests without a DPoP proof (default false)' })),
    },
    { additionalProperties: false },
  ),
  response: {
    201: Type.Object(
      {
        client: Client,
        client_secret: Type.Optional(Type.String({ description: 'only for client_secret_basic/post: shown this once, stored as SHA-256' })),
      },
      { additionalProperties: false },
    ),
    ...errorResponses({
      ...ADMIN_ERRORS,
      400: 'invalid_request, invalid_name, invalid_client_type, invalid_redirect_uri, invalid_cors_origin, invalid_client_metadata or invalid_resource',
      404: 'tenant_not_found, or api_not_found for a resource that is no API of the tenant',
    }),
  },
};

export const showClientSchema = {
  summary: 'One client (with an ETag for If-Match)',
  tags,
  params: ClientParams,
  response: { 200: Client, ...errorResponses({ ...ADMIN_ERRORS, ...NOT_FOUND }) },
};

export const updateClientSchema = {
  summary: "Change a client's names, URIs, CORS origins, grant types, APIs or first-party flag",
  description: 'Only the properties sent change; the result must pass the same rules as a registration. Machine-client API grants are changed through /clients/{client_id}/apis/{api_id}.',
  tags,
  params: ClientParams,
  headers: IfMatchHeaders,
  body: Type.Object(
    {
      name: Type.Optional(Type.String()),
      redirect_uris: Type.Optional(UriList('the new list of redirect URIs')),
      post_logout_redirect_uris: Type.Optional(UriList('the new list of post-logout redirect URIs')),
      cors_origins: Type.Optional(UriList('the new list of extra browser origins')),
      grant_types: Type.Optional(Type.Array(Type.String(), { minItems: 1, maxItems: 10 })),
      resources: Type.Optional(Type.Array(Type.String(), { maxItems: 100, description: 'APIs the client may get tokens for when signing users in (empty: every API)' })),
      first_party: Type.Optional(Type.Boolean()),
      require_pushed_authorization_requests: Type.Optional(Type.Boolean()),
      dpop_bound_access_tokens: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Client,
    ...errorResponses({
      ...ADMIN_ERRORS,
      ...NOT_FOUND,
      ...PRECONDITION_FAILED,
      400: 'invalid_request, invalid_name, invalid_redirect_uri, invalid_cors_origin, invalid_client_metadata or invalid_resource',
    }),
  },
};

export const rotateSecretSchema = {
  summary: 'Give a client a new secret, in this answer only; the old one stays valid for grace_days',
  tags,
  params: ClientParams,
  headers: IfMatchHeaders,
  // May be left out (clients.routes.ts reads no body as `{}`).
  body: Type.Object(
    {
      grace_days: Type.Optional(
        Type.Integer({
          minimum: 0,
          maximum: SECRET_GRACE_DAYS.max,
          description: `days the old secret keeps working (default ${SECRET_GRACE_DAYS.default}: it stops at once, as after a leak)`,
        }),
      ),
    },
    { additionalProperties: false },
  ),
  response: {
    200: Type.Object({ client: Client, client_secret: Type.String({ description: 'shown this once, stored as SHA-256' }) }, { additionalProperties: false }),
    ...errorResponses({
      ...ADMIN_ERRORS,
      ...NOT_FOUND,
      ...PRECONDITION_FAILED,
      400: 'invalid_request or invalid_grace_days',
      409: 'client_secret_not_used: the client authenticates without a secret',
    }),
  },
};

export const deleteClientSchema = {
  summary: 'Delete a client; its grants, codes and opaque tokens are deleted with it',
  tags,
  params: ClientParams,
  headers: IfMatchHeaders,
  response: {
    204: Type.Null({ description: 'the client is gone' }),
    ...errorResponses({ ...ADMIN_ERRORS, ...NOT_FOUND, ...PRECONDITION_FAILED }),
  },
};

const ApiGrant = Type.Object(
  {
    client_id: Type.String(),
    api_id: Type.String(),
    api: Type.String({ description: "the API's identifier" }),
    changed: Type.Boolean({ description: 'false when the grant existed already' }),
  },
  { additionalProperties: false },
);

export const grantApiSchema = {
  summary: 'Let a machine client get client-credentials tokens for an API',
  tags,
  params: ClientApiParams,
  headers: IfMatchHeaders,
  response: {
    200: ApiGrant,
    ...errorResponses({
      ...ADMIN_ERRORS,
      ...PRECONDITION_FAILED,
      400: 'invalid_request, or client_credentials_not_enabled: the client does not use client credentials',
      404: 'tenant_not_found, client_not_found or api_not_found',
    }),
  },
};

export const revokeApiSchema = {
  summary: "Withdraw a machine client's grant of an API; new tokens for it are refused at once",
  tags,
  params: ClientApiParams,
  headers: IfMatchHeaders,
  response: {
    204: Type.Null({ description: 'the grant is gone' }),
    ...errorResponses({ ...ADMIN_ERRORS, ...PRECONDITION_FAILED, 400: 'invalid_request', 404: 'tenant_not_found, client_not_found, api_not_found or api_grant_not_found' }),
  },
};
