import { AppError, notFound } from '../../errors.ts';
import type { Page, PageRequest } from '../../db/page.ts';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { clientMetadataOf } from './client-metadata.ts';
import { assertValidClientMetadata } from './client-validation.ts';
import { PASSWORD_GRANT } from './client-profile.ts';
import { findApi } from '../apis/apis.repository.ts';
import { announceCatalogChange, parseResourceIdentifier } from '../apis/apis.service.ts';
import {
  deleteApiGrant, deleteClient, findClient, insertApiGrant, insertClient, listClients, type ClientRow, type NewClientRow,
} from './clients.repository.ts';
import { generateClientId } from './client-id.ts';
import { generateClientSecret, hashClientSecret } from './client-secret.ts';
import { grantAdminApi, isAdminApi, revokeAdminApi } from './admin-api-grants.service.ts';

export type ClientType = 'public' | 'confidential';
export type SecretAuthMethod = 'client_secret_basic' | 'client_secret_post';
export type ClientAuthMethod = SecretAuthMethod | 'private_key_jwt' | 'none';

/** Grants a client may be registered for; `password` is the opt-in legacy grant (src/oidc/password-grant.ts). */
export const SUPPORTED_GRANT_TYPES: ReadonlySet<string> = new Set(['authorization_code', 'refresh_token', 'client_credentials', PASSWORD_GRANT]);

const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'roles', 'offline_access'];

/** Members that only a private or symmetric JWK has. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface CreateClientInput {
  name: string;
  type: ClientType;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  grantTypes?: string[];
  /**
   * APIs the client may get tokens for. For user sign-ins an empty list means every API of the
   * tenant; for client credentials each API is granted (see grantClientApi), and an empty list
   * grants none.
   */
  resources?: string[];
  firstParty?: boolean;
  authMethod?: ClientAuthMethod;
  /** Public keys for private_key_jwt. */
  jwks?: { keys: Record<string, unknown>[] };
}

export interface CreatedClient {
  client: ClientRow;
  /** Only for secret-based clients: shown once, stored as SHA-256. */
  clientSecret?: string;
}

function parseUris(uris: string[], what: string): string[] {
  return [...new Set(uris)].map((uri) => {
    const url = URL.parse(uri);
    if (!url || url.hash || uri.includes('#') || uri.length > 2000) {
      throw new AppError('invalid_redirect_uri', `${what} "${uri.slice(0, 200)}" must be an absolute URI without a fragment`);
    }
    return uri;
  });
}

function parseJwks(jwks: CreateClientInput['jwks']): { keys: Record<string, unknown>[] } {
  if (!jwks || !Array.isArray(jwks.keys) || jwks.keys.length === 0) {
    throw new AppError('invalid_client_metadata', 'private_key_jwt needs a JWKS with at least one public key');
  }
  for (const key of jwks.keys) {
    if (typeof key !== 'object' || key === null || !['RSA', 'EC', 'OKP'].includes(String(key.kty))) {
      throw new AppError('invalid_client_metadata', 'client keys must be RSA, EC or OKP public JWKs');
    }
    if (PRIVATE_JWK_MEMBERS.some((member) => member in key)) {
      throw new AppError('invalid_client_metadata', 'the client JWKS must hold public keys only');
    }
  }
  return { keys: jwks.keys };
}

function authMethodOf(input: CreateClientInput): ClientAuthMethod {
  if (input.type === 'public') {
    if (input.authMethod && input.authMethod !== 'none') throw new AppError('invalid_client_metadata', 'a public client has no credentials: its auth method is "none"');
    return 'none';
  }
  const method = input.authMethod ?? (input.jwks ? 'private_key_jwt' : 'client_secret_basic');
  if (!['client_secret_basic', 'client_secret_post', 'private_key_jwt'].includes(method)) {
    // client_secret_jwt needs the plain secret, which is never stored.
    throw new AppError('invalid_client_metadata', `auth method "${method}" is not supported for confidential clients; use client_secret_basic, client_secret_post or private_key_jwt`);
  }
  return method;
}

function grantTypesOf(input: CreateClientInput, redirectUris: string[]): string[] {
  const grants = input.grantTypes?.length
    ? [...new Set(input.grantTypes)]
    : input.type === 'public' || redirectUris.length > 0
      ? ['authorization_code', 'refresh_token']
      : ['client_credentials'];
  for (const grant of grants) {
    if (!SUPPORTED_GRANT_TYPES.has(grant)) throw new AppError('invalid_client_metadata', `grant type "${grant}" is not supported`);
  }
  for (const confidentialOnly of ['client_credentials', PASSWORD_GRANT]) {
    if (input.type === 'public' && grants.includes(confidentialOnly)) {
      throw new AppError('invalid_client_metadata', `${confidentialOnly} needs a confidential client`);
    }
  }
  if (grants.includes('authorization_code') && redirectUris.length === 0) {
    throw new AppError('invalid_redirect_uri', 'the authorization code flow needs at least one --redirect-uri');
  }
  return grants;
}

/**
 * Registers a client. A secret is 32 random bytes, returned once and stored only as SHA-256;
 * the metadata passes oidc-provider's own client schema before it is saved.
 */
export async function createClient(scope: TenantScope, input: CreateClientInput): Promise<CreatedClient> {
  const name = (input.name ?? '').trim();
  if (name.length === 0 || name.length > 200) throw new AppError('invalid_name', 'a client name of 1 to 200 characters is required');
  if (input.type !== 'public' && input.type !== 'confidential') {
    throw new AppError('invalid_client_type', 'the client type must be "public" or "confidential"');
  }
  const redirectUris = parseUris(input.redirectUris ?? [], 'redirect URI');
  const postLogoutRedirectUris = parseUris(input.postLogoutRedirectUris ?? [], 'post-logout redirect URI');
  const authMethod = authMethodOf(input);
  const grantTypes = grantTypesOf(input, redirectUris);
  const resources = [...new Set((input.resources ?? []).map(parseResourceIdentifier))];
  const apiIds: string[] = [];
  for (const resource of resources) {
    const api = await findApi(scope.db, resource);
    if (!api) throw notFound('api', resource);
    apiIds.push(api.id);
  }
  const secret = authMethod === 'client_secret_basic' || authMethod === 'client_secret_post' ? generateClientSecret() : undefined;

  const jwks = authMethod === 'private_key_jwt' ? parseJwks(input.jwks) : null;
  const values = {
    client_id: generateClientId(),
    name,
    secret_hash: secret ? hashClientSecret(secret) : null,
    token_endpoint_auth_method: authMethod,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutRedirectUris,
    grant_types: grantTypes,
    scopes: DEFAULT_SCOPES,
    resources,
    first_party: input.firstParty ?? false,
    jwks_uri: null,
  };
  await assertValidClientMetadata(clientMetadataOf({ ...values, jwks }));
  const row: NewClientRow = { ...values, type: input.type, jwks: jwks ? JSON.stringify(jwks) : null };
  const client = await scope.db.transaction().execute(async (trx) => {
    const inserted = await insertClient(trx, row);
    // Naming an API at registration is the operator's grant of it to a machine client.
    if (grantTypes.includes('client_credentials')) for (const apiId of apiIds) await insertApiGrant(trx, inserted.client_id, apiId);
    return inserted;
  });
  await announceCatalogChange(scope);
  return { client, ...(secret ? { clientSecret: secret } : {}) };
}

/** A page of the tenant's clients, oldest first. */
export function listTenantClients(scope: TenantScope, page: PageRequest): Promise<Page<ClientRow>> {
  return listClients(scope.db, page);
}

export async function deleteTenantClient(scope: TenantScope, clientId: string): Promise<void> {
  if (!(await deleteClient(scope.db, clientId))) throw notFound('client', clientId);
  await announceCatalogChange(scope);
}

/** What `client grant-api` and `client revoke-api` report; `changed` is false for a repeated grant. */
export interface ApiGrantChange {
  client_id: string;
  api: string;
  changed: boolean;
}

async function findClientAndApi(scope: TenantScope, clientId: string, identifier: string) {
  const client = await findClient(scope.db, clientId);
  if (!client) throw notFound('client', clientId);
  const api = await findApi(scope.db, identifier);
  if (!api) throw notFound('api', identifier);
  return { client, api };
}

/**
 * Lets a machine client get client-credentials tokens for one API. There is no user to consent
 * for such a client, so, as for Auth0's machine-to-machine apps, each API it may call is granted
 * explicitly; without a grant the token endpoint answers `invalid_target` for that API.
 */
export async function grantClientApi(scope: TenantScope, clientId: string, identifier: string): Promise<ApiGrantChange> {
  if (isAdminApi(scope, identifier)) return grantAdminApi(scope, clientId, identifier);
  const { client, api } = await findClientAndApi(scope, clientId, identifier);
  if (!client.grant_types.includes('client_credentials')) {
    throw new AppError('client_credentials_not_enabled', `client "${clientId}" does not use client_credentials, the only grant that API grants apply to`);
  }
  const changed = await insertApiGrant(scope.db, client.client_id, api.id);
  if (changed) await announceCatalogChange(scope);
  return { client_id: client.client_id, api: api.identifier, changed };
}

/** New client-credentials tokens for the API are refused at once; issued ones live until they expire. */
export async function revokeClientApi(scope: TenantScope, clientId: string, identifier: string): Promise<ApiGrantChange> {
  if (isAdminApi(scope, identifier)) return revokeAdminApi(scope, clientId, identifier);
  const { client, api } = await findClientAndApi(scope, clientId, identifier);
  if (!(await deleteApiGrant(scope.db, client.client_id, api.id))) {
    throw new AppError('api_grant_not_found', `client "${clientId}" has no grant for API "${identifier}"`, 404);
  }
  await announceCatalogChange(scope);
  return { client_id: client.client_id, api: api.identifier, changed: true };
}

/** A client as shown to operators: never the secret hash. */
export function describeClient(client: ClientRow) {
  return {
    client_id: client.client_id,
    name: client.name,
    type: client.type,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    grant_types: client.grant_types,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    resources: client.resources,
    first_party: client.first_party,
    created_at: client.created_at,
  };
}
