import { AppError, notFound } from '../../errors.ts';
import type { Page, PageRequest } from '../../db/page.ts';
import type { TenantDb } from '../../db/tenant-database.ts';
import { actorText, type Actor, type TenantScope } from '../../platform/tenant-scope.ts';
import { recordAuditEvent } from '../audit/audit.repository.ts';
import { changedProperties } from '../audit/audit-diff.ts';
import { announceCatalogChange, lookupApi, type ApiRef } from '../apis/apis.service.ts';
import { clientMetadataOf, clientSwitchesOf, DPOP_BOUND, REQUIRE_PAR, type ClientSwitches } from './client-metadata.ts';
import { assertValidClientMetadata } from './client-validation.ts';
import {
  deleteApiGrant, deleteClient, deleteClientPayloads, findClient, insertApiGrant, insertClient, listClients, updateClientRow,
  type ClientChanges, type ClientRow, type NewClientRow,
} from './clients.repository.ts';
import { generateClientId } from './client-id.ts';
import { generateClientSecret, hashClientSecret } from './client-secret.ts';
import { grantAdminApi, isAdminApi, revokeAdminApi } from './admin-api-grants.service.ts';
import {
  authMethodOf, checkClientName, grantTypesOf, parseCorsOrigins, parseJwks, parseUris, resolveApis, usesClientSecret,
  type ClientAuthMethod, type ClientType,
} from './client-rules.ts';
import { changeClient, clientStateOf, clientStatesOf, type ClientCheck } from './client-change.ts';
import { clientAuditSummary, type ClientState } from './client-view.ts';

export { SUPPORTED_GRANT_TYPES, type ClientAuthMethod, type ClientType, type SecretAuthMethod } from './client-rules.ts';
export { describeClient } from './client-view.ts';

const DEFAULT_SCOPES = ['openid', 'profile', 'email', 'roles', 'offline_access'];

export interface CreateClientInput {
  name: string;
  type: ClientType;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  /** Browser origins allowed besides those of the redirect URIs. */
  corsOrigins?: string[];
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
  /** Authorization requests only through PAR (RFC 9126): a plain one is refused. */
  requirePushedAuthorizationRequests?: boolean;
  /** Access tokens only DPoP-bound (RFC 9449): a token request without a proof is refused. */
  dpopBoundAccessTokens?: boolean;
}

export interface CreatedClient {
  client: ClientRow;
  /** Only for secret-based clients: shown once, stored as SHA-256. */
  clientSecret?: string;
}

/**
 * What an update may change; absent properties stay as they are. The type and the way the client
 * authenticates are fixed at registration: changing them would change what its credentials are.
 */
export interface UpdateClientInput {
  name?: string;
  redirectUris?: string[];
  postLogoutRedirectUris?: string[];
  corsOrigins?: string[];
  grantTypes?: string[];
  /**
   * APIs the client may get tokens for when it signs users in (empty: every API). A machine
   * client's grants are changed one by one (grantClientApi / revokeClientApi), not here.
   */
  resources?: string[];
  firstParty?: boolean;
  requirePushedAuthorizationRequests?: boolean;
  dpopBoundAccessTokens?: boolean;
}

/** The `metadata` column with the switches asked for set or cleared, the rest of it as it was. */
function withSwitches(current: Record<string, unknown>, input: { requirePushedAuthorizationRequests?: boolean; dpopBoundAccessTokens?: boolean }): Record<string, unknown> {
  const switches: ClientSwitches = clientSwitchesOf({ metadata: current });
  if (input.requirePushedAuthorizationRequests !== undefined) switches[REQUIRE_PAR] = input.requirePushedAuthorizationRequests;
  if (input.dpopBoundAccessTokens !== undefined) switches[DPOP_BOUND] = input.dpopBoundAccessTokens;
  const metadata = { ...current };
  for (const [name, on] of Object.entries(switches)) {
    if (on) metadata[name] = true;
    else delete metadata[name];
  }
  return metadata;
}

/**
 * Registers a client. A secret is 32 random bytes, returned once and stored only as SHA-256;
 * the metadata passes oidc-provider's own client schema before it is saved.
 */
export async function createClient(scope: TenantScope, input: CreateClientInput, actor: Actor): Promise<CreatedClient> {
  const name = checkClientName(input.name);
  if (input.type !== 'public' && input.type !== 'confidential') {
    throw new AppError('invalid_client_type', 'the client type must be "public" or "confidential"');
  }
  const redirectUris = parseUris(input.redirectUris ?? [], 'redirect URI');
  const postLogoutRedirectUris = parseUris(input.postLogoutRedirectUris ?? [], 'post-logout redirect URI');
  const corsOrigins = parseCorsOrigins(input.corsOrigins ?? []);
  const authMethod = authMethodOf(input);
  const grantTypes = grantTypesOf(input, redirectUris);
  const { identifiers: resources, apiIds } = await resolveApis(scope.db, input.resources ?? []);
  const secret = usesClientSecret(authMethod) ? generateClientSecret() : undefined;

  const jwks = authMethod === 'private_key_jwt' ? parseJwks(input.jwks) : null;
  const values = {
    client_id: generateClientId(),
    name,
    secret_hash: secret ? hashClientSecret(secret) : null,
    previous_secret_hash: null,
    previous_secret_expires_at: null,
    token_endpoint_auth_method: authMethod,
    redirect_uris: redirectUris,
    post_logout_redirect_uris: postLogoutRedirectUris,
    cors_origins: corsOrigins,
    grant_types: grantTypes,
    scopes: DEFAULT_SCOPES,
    resources,
    first_party: input.firstParty ?? false,
    jwks_uri: null,
  };
  const metadata = withSwitches({}, input);
  await assertValidClientMetadata(clientMetadataOf({ ...values, jwks, metadata }));
  const row: NewClientRow = { ...values, type: input.type, jwks: jwks ? JSON.stringify(jwks) : null, metadata: JSON.stringify(metadata) };
  const client = await scope.db.transaction().execute(async (trx) => {
    const inserted = await insertClient(trx, row);
    // Naming an API at registration is the operator's grant of it to a machine client.
    if (grantTypes.includes('client_credentials')) for (const apiId of apiIds) await insertApiGrant(trx, inserted.client_id, apiId);
    const state = await clientStateOf(trx, scope.issuer, inserted);
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'client.created', target: inserted.client_id, details: { after: clientAuditSummary(state) } });
    return inserted;
  });
  await announceCatalogChange(scope);
  return { client, ...(secret ? { clientSecret: secret } : {}) };
}

/** A page of the tenant's clients, oldest first. */
export function listTenantClients(scope: TenantScope, page: PageRequest): Promise<Page<ClientRow>> {
  return listClients(scope.db, page);
}

/** A page of the tenant's clients with the APIs granted to each, oldest first. */
export async function listClientStates(scope: TenantScope, page: PageRequest): Promise<Page<ClientState>> {
  const rows = await listClients(scope.db, page);
  return { items: await clientStatesOf(scope.db, scope.issuer, rows.items), next_cursor: rows.next_cursor };
}

/** The client with its granted APIs, or `client_not_found`. */
export async function findTenantClient(scope: TenantScope, clientId: string): Promise<ClientState> {
  const row = await findClient(scope.db, clientId);
  if (!row) throw notFound('client', clientId);
  return clientStateOf(scope.db, scope.issuer, row);
}

/** The changes `input` asks of `current`, each judged by the rules of registration. */
async function clientChanges(db: TenantDb, current: ClientRow, input: UpdateClientInput): Promise<ClientChanges> {
  const redirectUris = input.redirectUris === undefined ? current.redirect_uris : parseUris(input.redirectUris, 'redirect URI');
  const grantTypes = input.grantTypes === undefined ? current.grant_types : input.grantTypes;
  // The grants are judged again when the redirect URIs change: a code-flow client keeps at least one.
  const judgedGrants = grantTypesOf({ type: current.type, grantTypes }, redirectUris);
  const changes: ClientChanges = {
    ...(input.name === undefined ? {} : { name: checkClientName(input.name) }),
    ...(input.redirectUris === undefined ? {} : { redirect_uris: redirectUris }),
    ...(input.postLogoutRedirectUris === undefined ? {} : { post_logout_redirect_uris: parseUris(input.postLogoutRedirectUris, 'post-logout redirect URI') }),
    ...(input.corsOrigins === undefined ? {} : { cors_origins: parseCorsOrigins(input.corsOrigins) }),
    ...(input.grantTypes === undefined ? {} : { grant_types: judgedGrants }),
    ...(input.resources === undefined ? {} : { resources: (await resolveApis(db, input.resources)).identifiers }),
    ...(input.firstParty === undefined ? {} : { first_party: input.firstParty }),
    ...(input.requirePushedAuthorizationRequests === undefined && input.dpopBoundAccessTokens === undefined ? {} : { metadata: withSwitches(current.metadata, input) }),
  };
  return changes;
}

/**
 * Changes a client's names, URIs, CORS origins, grants, APIs or first-party flag. The result
 * passes the same rules and the same oidc-provider client schema as a registration; every node
 * then drops the provider that kept the old client.
 */
export function updateClient(scope: TenantScope, clientId: string, input: UpdateClientInput, actor: Actor, check?: ClientCheck): Promise<ClientState> {
  return changeClient(scope, clientId, check, async (trx, current) => {
    const changes = await clientChanges(trx, current.row, input);
    if (Object.keys(changes).length === 0) return current;
    await assertValidClientMetadata(clientMetadataOf({ ...current.row, ...changes }, current.grantedApis));
    const updated = { row: await updateClientRow(trx, clientId, changes), grantedApis: current.grantedApis };
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'client.updated',
      target: clientId,
      details: changedProperties(clientAuditSummary(current), clientAuditSummary(updated)),
    });
    return updated;
  });
}

/**
 * Deletes a client with everything oidc-provider stored for it: its grants, codes and opaque
 * tokens are gone at once (API access tokens are JWTs, which live until they expire), and its
 * API grants go with the row.
 */
export async function deleteTenantClient(scope: TenantScope, clientId: string, actor: Actor, check?: ClientCheck): Promise<void> {
  await changeClient(scope, clientId, check, async (trx, current) => {
    const payloads = await deleteClientPayloads(trx, clientId);
    await deleteClient(trx, clientId);
    await recordAuditEvent(trx, {
      actor: actorText(actor),
      ip: actor.ip,
      action: 'client.deleted',
      target: clientId,
      details: { before: clientAuditSummary(current), tokens_deleted: payloads },
    });
  });
}

/** What `client grant-api` and `client revoke-api` report; `changed` is false for a repeated grant. */
export interface ApiGrantChange {
  client_id: string;
  api: string;
  changed: boolean;
}

function assertMachineClient(row: ClientRow): void {
  if (!row.grant_types.includes('client_credentials')) {
    throw new AppError('client_credentials_not_enabled', `client "${row.client_id}" does not use client_credentials, the only grant that API grants apply to`);
  }
}

async function apiOf(db: TenantDb, api: ApiRef) {
  const found = await lookupApi(db, api);
  if (!found) throw notFound('api', 'id' in api ? api.id : api.identifier);
  return found;
}

/**
 * Lets a machine client get client-credentials tokens for one API. There is no user to consent
 * for such a client, so, as for Auth0's machine-to-machine apps, each API it may call is granted
 * explicitly; without a grant the token endpoint answers `invalid_target` for that API. The
 * built-in admin API is reached by its identifier only, which the tenant admin API never passes:
 * granting admin access stays with the operator.
 */
export async function grantClientApi(scope: TenantScope, clientId: string, api: ApiRef, actor: Actor, check?: ClientCheck): Promise<ApiGrantChange> {
  if ('identifier' in api && isAdminApi(scope, api.identifier)) return grantAdminApi(scope, clientId, api.identifier, actor);
  return changeClient(scope, clientId, check, async (trx, current) => {
    const target = await apiOf(trx, api);
    assertMachineClient(current.row);
    const changed = await insertApiGrant(trx, clientId, target.id);
    if (changed) await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'client.api_granted', target: clientId, details: { api: target.identifier } });
    return { client_id: clientId, api: target.identifier, changed };
  });
}

/** New client-credentials tokens for the API are refused at once; issued ones live until they expire. */
export async function revokeClientApi(scope: TenantScope, clientId: string, api: ApiRef, actor: Actor, check?: ClientCheck): Promise<ApiGrantChange> {
  if ('identifier' in api && isAdminApi(scope, api.identifier)) return revokeAdminApi(scope, clientId, api.identifier, actor);
  return changeClient(scope, clientId, check, async (trx) => {
    const target = await apiOf(trx, api);
    if (!(await deleteApiGrant(trx, clientId, target.id))) {
      throw new AppError('api_grant_not_found', `client "${clientId}" has no grant for API "${target.identifier}"`, 404);
    }
    await recordAuditEvent(trx, { actor: actorText(actor), ip: actor.ip, action: 'client.api_revoked', target: clientId, details: { api: target.identifier } });
    return { client_id: clientId, api: target.identifier, changed: true };
  });
}
