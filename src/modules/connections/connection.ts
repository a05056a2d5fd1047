import type { TenantScope } from '../../platform/tenant-scope.ts';
import { DEFAULT_CLAIM_MAPPING, TYPE_RULES, typeOf, type ClaimMapping, type ConnectionType, type ResponseMode, type TokenEndpointAuthMethod } from './connection-types.ts';
import type { ConnectionRow } from './connections.repository.ts';

/** What `identity_providers.settings` holds: the properties only some types have. */
export interface StoredSettings {
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  claim_mapping?: ClaimMapping;
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  response_mode?: ResponseMode;
  trust_email?: boolean;
  /** Microsoft: the directory, or common / organizations / consumers. */
  tenant?: string;
  /** Apple: the team and the key that sign the client secret. */
  team_id?: string;
  key_id?: string;
  /** SAML: the IdP's metadata as the admin gave it, and what was read from it (saml-metadata.ts). */
  idp_metadata?: string;
  idp_sso_url?: string;
  idp_want_authn_requests_signed?: boolean;
  /** SAML: the service provider's own certificate (its private key is the sealed secret). */
  sp_certificate?: string;
}

/** What a SAML connection knows of its IdP and of itself as the service provider. */
export interface SamlSettings {
  idpEntityId: string;
  idpMetadata: string;
  idpSsoUrl: string;
  wantAuthnRequestsSigned: boolean;
  spCertificate: string;
}

export interface UpstreamEndpoints {
  authorization: string;
  token: string;
  userinfo: string;
}

/** A connection as the sign-in and the views use it: every default filled in, no secret. */
export interface Connection {
  id: string;
  name: string;
  displayName: string;
  type: ConnectionType;
  enabled: boolean;
  /** The issuer ID tokens and RFC 9207 `iss` must name; for OAuth 2.0, only when the admin gave one. */
  issuer: string | null;
  /** OAuth 2.0 only (OpenID Connect providers publish theirs). */
  endpoints: UpstreamEndpoints | null;
  clientId: string;
  hasSecret: boolean;
  scopes: string[];
  claimMapping: ClaimMapping;
  authMethod: TokenEndpointAuthMethod;
  responseMode: ResponseMode;
  pkce: boolean;
  /** The admin vouches that the provider confirms addresses (a plain OAuth 2.0 provider rarely says). */
  trustEmail: boolean;
  microsoftTenant: string | null;
  appleTeamId: string | null;
  appleKeyId: string | null;
  domains: string[];
  defaultRoles: string[];
  createUsers: boolean;
  /** SAML only. */
  saml: SamlSettings | null;
  createdAt: Date;
  updatedAt: Date;
}

export function connectionOf(row: ConnectionRow): Connection {
  const type = typeOf(row);
  const rules = TYPE_RULES[type];
  const settings = row.settings as StoredSettings;
  const endpoints =
    rules.endpoints ??
    (settings.authorization_endpoint && settings.token_endpoint && settings.userinfo_endpoint
      ? { authorization: settings.authorization_endpoint, token: settings.token_endpoint, userinfo: settings.userinfo_endpoint }
      : null);
  return {
    id: row.id,
    name: row.name,
    displayName: row.display_name,
    type,
    enabled: row.enabled,
    issuer: row.issuer,
    endpoints: rules.protocol === 'oauth2' ? endpoints : null,
    clientId: row.client_id,
    hasSecret: row.client_secret_encrypted !== null,
    scopes: row.scopes,
    claimMapping: settings.claim_mapping ?? DEFAULT_CLAIM_MAPPING,
    authMethod: settings.token_endpoint_auth_method ?? rules.authMethod,
    responseMode: rules.responseMode ?? settings.response_mode ?? 'query',
    pkce: rules.pkce,
    trustEmail: settings.trust_email ?? false,
    microsoftTenant: settings.tenant ?? null,
    appleTeamId: settings.team_id ?? null,
    appleKeyId: settings.key_id ?? null,
    domains: row.domains,
    defaultRoles: row.default_roles,
    createUsers: row.create_users,
    saml:
      rules.protocol === 'saml' && settings.idp_metadata && settings.sp_certificate
        ? {
            idpEntityId: row.issuer ?? '',
            idpMetadata: settings.idp_metadata,
            idpSsoUrl: settings.idp_sso_url ?? '',
            wantAuthnRequestsSigned: settings.idp_want_authn_requests_signed ?? false,
            spCertificate: settings.sp_certificate,
          }
        : null,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * The one redirect URI of all the tenant's connections, which the admin registers at each
 * provider: the trip's `state` says which connection an answer belongs to.
 */
export function connectionCallbackUrl(scope: Pick<TenantScope, 'issuer'>): string {
  return `${scope.issuer}/connections/callback`;
}

/**
 * A SAML connection's service provider URLs, under the tenant's issuer (its path or its own host):
 * the metadata document, whose URL is also the SP's entity ID (the audience assertions must
 * name), and the assertion consumer service (HTTP-POST) to register at the IdP. One ACS per
 * connection, so the URL alone says which IdP's certificate verifies what is posted there.
 */
export function samlMetadataUrl(scope: Pick<TenantScope, 'issuer'>, connection: string): string {
  return `${scope.issuer}/connections/${connection}/saml/metadata`;
}

export function samlAcsUrl(scope: Pick<TenantScope, 'issuer'>, connection: string): string {
  return `${scope.issuer}/connections/${connection}/saml/acs`;
}

/** The secret box's associated data: a sealed secret opens only for this tenant and connection. */
export function secretContext(scope: { id: string }, connectionId: string): string {
  return `tenant:${scope.id}:connection:${connectionId}`;
}

/** The client secret (for Apple, the private key that makes one), opened; undefined when it has none. */
export function openConnectionSecret(scope: Pick<TenantScope, 'id' | 'secrets'>, row: ConnectionRow): string | undefined {
  return row.client_secret_encrypted === null ? undefined : scope.secrets.open(row.client_secret_encrypted, secretContext(scope, row.id));
}
