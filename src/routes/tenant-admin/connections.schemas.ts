import { Type } from 'typebox';
import { NextCursor, TenantParams, errorResponses } from '../schemas.ts';
import { ADMIN_ERRORS, AdminPageQuery, IfMatchHeaders, PRECONDITION_FAILED, UuidParam } from './admin-schemas.ts';
import { CONNECTION_TYPES, MAPPED_CLAIMS, TOKEN_ENDPOINT_AUTH_METHODS } from '../../modules/connections/connection-types.ts';

/** Request and answer shapes of the tenant admin API's connections (connections.routes.ts) and user identities. */

const tags = ['connections'];

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

const Timestamp = Type.String({ format: 'date-time' });
const ClaimMapping = Type.Object(Object.fromEntries(MAPPED_CLAIMS.map((claim) => [claim, Type.String()])), { additionalProperties: false });
const ClaimMappingInput = Type.Object(Object.fromEntries(MAPPED_CLAIMS.map((claim) => [claim, Type.Optional(Type.String({ maxLength: 100 }))])), {
  additionalProperties: false,
  description: 'oauth2: the user endpoint field each profile field is read from (dots reach into objects); unnamed ones keep the OpenID names (sub, email, …)',
});

/** modules/connections/connection-view.ts's ConnectionView: never the secret. */
export const Connection = Type.Object(
  {
    id: Type.String(),
    name: Type.String({ description: 'the word in URLs, the CLI and the `idp` claim of tokens' }),
    display_name: Type.String({ description: 'the login page button says "Continue with <display_name>"' }),
    type: Type.Enum([...CONNECTION_TYPES]),
    protocol: Type.String({ description: 'oidc, oauth2 or saml' }),
    enabled: Type.Boolean(),
    issuer: nullable(Type.String(), 'OpenID Connect: where its discovery document is read; oauth2: the RFC 9207 `iss` its answers name, if any'),
    authorization_endpoint: nullable(Type.String(), 'oauth2 only'),
    token_endpoint: nullable(Type.String(), 'oauth2 only'),
    userinfo_endpoint: nullable(Type.String(), 'oauth2 only'),
    client_id: Type.String(),
    client_secret_set: Type.Boolean({ description: 'whether a secret (Apple: a private key) is stored; it is never shown' }),
    scopes: Type.Array(Type.String()),
    claim_mapping: nullable(ClaimMapping, 'oauth2 only'),
    token_endpoint_auth_method: Type.String(),
    response_mode: Type.String({ description: 'query, or form_post' }),
    trust_email: Type.Boolean({ description: 'addresses from this provider count as confirmed without an email_verified claim' }),
    tenant: nullable(Type.String(), 'microsoft: the directory, or common, organizations, consumers'),
    team_id: nullable(Type.String(), 'apple'),
    key_id: nullable(Type.String(), 'apple'),
    domains: Type.Array(Type.String(), { description: 'email domains whose login_hint goes straight to this connection' }),
    default_roles: Type.Array(Type.String(), { description: 'roles an account created through it gets' }),
    create_users: Type.Boolean({ description: 'a first sign-in with a confirmed address creates the account' }),
    redirect_uri: Type.String({ description: 'what to register at the provider as the redirect (callback) URI; saml: the ACS URL' }),
    saml: nullable(
      Type.Object(
        {
          entity_id: Type.String({ description: "this service provider's entity ID (the audience assertions must name): its metadata URL" }),
          metadata_url: Type.String({ description: 'the SP metadata to give the identity provider' }),
          acs_url: Type.String({ description: 'the assertion consumer service (HTTP-POST) to register at the identity provider' }),
          idp_entity_id: Type.String(),
          idp_sso_url: Type.String({ description: 'where AuthnRequests go (HTTP-Redirect)' }),
          idp_certificate_fingerprints: Type.Array(Type.String(), { description: "SHA-256 of the IdP's signing certificates from its metadata" }),
          want_authn_requests_signed: Type.Boolean(),
          sp_certificate: Type.String({ description: "the SP's signing certificate (PEM); its private key is never shown" }),
        },
        { additionalProperties: false },
      ),
      'saml only',
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false },
);

/** What both create and update take; which properties a type takes is checked by the service. */
const settable = {
  display_name: Type.Optional(Type.String({ maxLength: 100 })),
  issuer: Type.Optional(Type.String({ maxLength: 500, description: 'oidc (required) and oauth2' })),
  authorization_endpoint: Type.Optional(Type.String({ maxLength: 500, description: 'oauth2 (required)' })),
  token_endpoint: Type.Optional(Type.String({ maxLength: 500, description: 'oauth2 (required)' })),
  userinfo_endpoint: Type.Optional(Type.String({ maxLength: 500, description: 'oauth2 (required)' })),
  client_id: Type.Optional(Type.String({ maxLength: 500 })),
  client_secret: Type.Optional(Type.String({ maxLength: 2000, description: 'write-only; sealed at rest (not for apple)' })),
  private_key: Type.Optional(Type.String({ maxLength: 4000, description: 'apple: the .p8 key file (PEM); write-only' })),
  scopes: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { maxItems: 50 })),
  claim_mapping: Type.Optional(ClaimMappingInput),
  token_endpoint_auth_method: Type.Optional(Type.Enum([...TOKEN_ENDPOINT_AUTH_METHODS])),
  response_mode: Type.Optional(Type.Enum(['query', 'form_post'])),
  trust_email: Type.Optional(Type.Boolean()),
  tenant: Type.Optional(Type.String({ maxLength: 100, description: 'microsoft (default common)' })),
  team_id: Type.Optional(Type.String({ maxLength: 10 })),
  key_id: Type.Optional(Type.String({ maxLength: 10 })),
  metadata: Type.Optional(Type.String({ maxLength: 200_000, description: "saml (required): the identity provider's metadata XML" })),
  domains: Type.Optional(Type.Array(Type.String({ maxLength: 253 }), { maxItems: 100 })),
  default_roles: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })),
  create_users: Type.Optional(Type.Boolean()),
  enabled: Type.Optional(Type.Boolean()),
};

const ConnectionParams = Type.Object({ tenant: TenantParams.properties.tenant, connection_id: UuidParam("the connection's id") });
const NOT_FOUND = { 404: 'tenant_not_found or connection_not_found' } as const;
const BAD = 'invalid_request, invalid_connection or invalid_role';

export const listConnectionsSchema = {
  summary: "List the tenant's connections to upstream identity providers, by name",
  tags,
  params: TenantParams,
  querystring: Type.Object(AdminPageQuery, { additionalProperties: false }),
  response: {
    200: Type.Object({ items: Type.Array(Connection), next_cursor: NextCursor }, { additionalProperties: false }),
    ...errorResponses({ ...ADMIN_ERRORS, 400: 'invalid_request, invalid_limit or invalid_cursor' }),
  },
};

export const createConnectionSchema = {
  summary: 'Add a connection: sign-in with an OpenID Connect, OAuth 2.0 or SAML 2.0 provider, or Google, Microsoft, GitHub, Apple',
  description: 'Register `redirect_uri` of the answer at the provider. Nothing is fetched from the provider until the first sign-in.',
  tags,
  params: TenantParams,
  body: Type.Object(
    {
      name: Type.String({ maxLength: 40, description: 'lowercase letters, digits and "-", e.g. google' }),
      type: Type.Enum([...CONNECTION_TYPES]),
      ...settable,
    },
    { additionalProperties: false },
  ),
  response: { 201: Connection, ...errorResponses({ ...ADMIN_ERRORS, 400: BAD, 409: 'connection_exists' }) },
};

export const showConnectionSchema = {
  summary: 'One connection (with an ETag for If-Match)',
  tags,
  params: ConnectionParams,
  response: { 200: Connection, ...errorResponses({ ...ADMIN_ERRORS, ...NOT_FOUND, 400: 'invalid_request: connection_id is no UUID' }) },
};

export const updateConnectionSchema = {
  summary: 'Change a connection: only the properties sent change; a new secret replaces the old',
  description: 'Name and type are fixed. `enabled: false` stops new sign-ins through it at once; its identities stay linked.',
  tags,
  params: ConnectionParams,
  headers: IfMatchHeaders,
  body: Type.Object(settable, { additionalProperties: false }),
  response: { 200: Connection, ...errorResponses({ ...ADMIN_ERRORS, ...NOT_FOUND, ...PRECONDITION_FAILED, 400: BAD }) },
};

export const deleteConnectionSchema = {
  summary: 'Remove a connection, with every identity linked through it (the users stay)',
  tags,
  params: ConnectionParams,
  headers: IfMatchHeaders,
  response: {
    204: Type.Null({ description: 'the connection is gone' }),
    ...errorResponses({ ...ADMIN_ERRORS, ...NOT_FOUND, ...PRECONDITION_FAILED, 400: 'invalid_request: connection_id is no UUID' }),
  },
};

/** modules/connections/identities.service.ts's IdentityView. */
const Identity = Type.Object(
  {
    id: Type.String(),
    connection: Type.String({ description: "the connection's name" }),
    subject: Type.String({ description: "the provider's id of the person" }),
    email: nullable(Type.String(), 'the address the provider gave at the last sign-in'),
    linked_at: Timestamp,
    last_signed_in_at: nullable(Timestamp, 'the last sign-in through it'),
  },
  { additionalProperties: false },
);

const UserParams = Type.Object({ tenant: TenantParams.properties.tenant, user_id: Type.String({ maxLength: 64, description: "the user's id" }) });
const identityTags = ['users'];

export const listIdentitiesSchema = {
  summary: "A user's upstream identities: the provider accounts that sign in as the user",
  tags: identityTags,
  params: UserParams,
  response: {
    200: Type.Object({ items: Type.Array(Identity) }, { additionalProperties: false }),
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'tenant_not_found or user_not_found' }),
  },
};

export const unlinkIdentitySchema = {
  summary: 'Unlink an upstream identity from a user; it no longer signs in as them',
  tags: identityTags,
  params: Type.Object({ ...UserParams.properties, identity_id: Type.String({ maxLength: 64, description: "the identity's id" }) }),
  response: {
    204: Type.Null({ description: 'unlinked' }),
    ...errorResponses({ ...ADMIN_ERRORS, 404: 'tenant_not_found, user_not_found or identity_not_found' }),
  },
};
