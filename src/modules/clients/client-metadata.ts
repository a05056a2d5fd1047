import type { ClientMetadata } from 'oidc-provider';
import type { ClientRow } from './clients.repository.ts';

/** Our own client properties, carried through oidc-provider's `extraClientMetadata`. */
export const FIRST_PARTY = 'tansu_first_party';
export const ALLOWED_RESOURCES = 'tansu_resources';
/** APIs granted for client credentials (the client_api_grants table). */
export const GRANTED_APIS = 'tansu_granted_apis';
/** Browser origins allowed besides those of the redirect URIs (oidc/configuration.ts clientBasedCORS). */
export const CORS_ORIGINS = 'tansu_cors_origins';
/**
 * The secret before the last rotation, as SHA-256 like `client_secret`, and the end of its grace
 * period in seconds since the epoch: the provider accepts it until then (oidc/provider.ts).
 */
export const PREVIOUS_SECRET = 'tansu_previous_secret';
export const PREVIOUS_SECRET_EXPIRES_AT = 'tansu_previous_secret_expires_at';

/**
 * Standard client metadata kept under its RFC name in the clients table's `metadata` column
 * (switches with no column of their own): RFC 9126's "only pushed authorization requests" and
 * RFC 9449's "only DPoP-bound access tokens". oidc-provider enforces both.
 */
export const REQUIRE_PAR = 'require_pushed_authorization_requests';
export const DPOP_BOUND = 'dpop_bound_access_tokens';
export type ClientSwitches = { [REQUIRE_PAR]?: boolean; [DPOP_BOUND]?: boolean };

/** A row's switches, off unless set to true. */
export function clientSwitchesOf(row: { metadata: Record<string, unknown> | null | undefined }): Required<ClientSwitches> {
  return { [REQUIRE_PAR]: row.metadata?.[REQUIRE_PAR] === true, [DPOP_BOUND]: row.metadata?.[DPOP_BOUND] === true };
}

/** Our properties, declared to oidc-provider as `extraClientMetadata` (client-profile.ts). */
export const EXTRA_CLIENT_PROPERTIES = [FIRST_PARTY, ALLOWED_RESOURCES, GRANTED_APIS, CORS_ORIGINS, PREVIOUS_SECRET, PREVIOUS_SECRET_EXPIRES_AT];

/**
 * A clients-table row as oidc-provider client metadata. The provider never sees a plain secret:
 * the stored SHA-256 stands in for `client_secret` (which the schema requires for secret-based
 * methods) and `compareClientSecret` is overridden to hash what the client presents.
 */
export type ClientMetadataSource = Pick<
  ClientRow,
  | 'client_id'
  | 'name'
  | 'token_endpoint_auth_method'
  | 'grant_types'
  | 'redirect_uris'
  | 'post_logout_redirect_uris'
  | 'cors_origins'
  | 'scopes'
  | 'resources'
  | 'first_party'
  | 'secret_hash'
  | 'previous_secret_hash'
  | 'previous_secret_expires_at'
  | 'jwks'
  | 'jwks_uri'
  | 'metadata'
>;

export function clientMetadataOf(row: ClientMetadataSource, grantedApis: string[] = []): ClientMetadata {
  const codeFlow = row.grant_types.includes('authorization_code');
  const metadata: ClientMetadata = {
    client_id: row.client_id,
    client_name: row.name,
    token_endpoint_auth_method: row.token_endpoint_auth_method as ClientMetadata['token_endpoint_auth_method'],
    grant_types: row.grant_types,
    response_types: codeFlow ? ['code'] : [],
    redirect_uris: row.redirect_uris,
    post_logout_redirect_uris: row.post_logout_redirect_uris,
    scope: row.scopes.join(' '),
    [FIRST_PARTY]: row.first_party,
    [ALLOWED_RESOURCES]: row.resources,
    [GRANTED_APIS]: grantedApis,
    [CORS_ORIGINS]: row.cors_origins,
  };
  if (row.secret_hash) metadata.client_secret = row.secret_hash;
  const previousValidUntil = row.previous_secret_expires_at ? Math.floor(new Date(row.previous_secret_expires_at).getTime() / 1000) : 0;
  // One that has run out is left behind; one still valid carries its end, checked at each use.
  if (row.secret_hash && row.previous_secret_hash && previousValidUntil > Date.now() / 1000) {
    metadata[PREVIOUS_SECRET] = row.previous_secret_hash;
    metadata[PREVIOUS_SECRET_EXPIRES_AT] = previousValidUntil;
  }
  const switches = clientSwitchesOf(row);
  if (switches[REQUIRE_PAR]) metadata[REQUIRE_PAR] = true;
  if (switches[DPOP_BOUND]) metadata[DPOP_BOUND] = true;
  if (row.jwks) metadata.jwks = row.jwks as unknown as ClientMetadata['jwks'];
  if (row.jwks_uri) metadata.jwks_uri = row.jwks_uri;
  return metadata;
}
