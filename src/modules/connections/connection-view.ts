import type { TenantScope } from '../../platform/tenant-scope.ts';
import { TYPE_RULES, type ClaimMapping, type ConnectionType } from './connection-types.ts';
import { connectionCallbackUrl, samlAcsUrl, samlMetadataUrl, type Connection } from './connection.ts';
import { readIdpMetadata } from './saml-metadata.ts';

/**
 * A connection as the admin API and `tansu idp … --json` show it. Never its secret: only
 * whether it has one. `redirect_uri` is what to register at the provider.
 */
export interface ConnectionView {
  id: string;
  name: string;
  display_name: string;
  type: ConnectionType;
  protocol: string;
  enabled: boolean;
  issuer: string | null;
  authorization_endpoint: string | null;
  token_endpoint: string | null;
  userinfo_endpoint: string | null;
  client_id: string;
  client_secret_set: boolean;
  scopes: string[];
  claim_mapping: ClaimMapping | null;
  token_endpoint_auth_method: string;
  response_mode: string;
  trust_email: boolean;
  tenant: string | null;
  team_id: string | null;
  key_id: string | null;
  domains: string[];
  default_roles: string[];
  create_users: boolean;
  redirect_uri: string;
  /** SAML only: what to register at the IdP, and what was read from its metadata. */
  saml: SamlView | null;
  created_at: string;
  updated_at: string;
}

export interface SamlView {
  entity_id: string;
  metadata_url: string;
  acs_url: string;
  idp_entity_id: string;
  idp_sso_url: string;
  idp_certificate_fingerprints: string[];
  want_authn_requests_signed: boolean;
  sp_certificate: string;
}

function samlView(scope: Pick<TenantScope, 'issuer'>, connection: Connection): SamlView | null {
  if (!connection.saml) return null;
  const metadataUrl = samlMetadataUrl(scope, connection.name);
  return {
    entity_id: metadataUrl,
    metadata_url: metadataUrl,
    acs_url: samlAcsUrl(scope, connection.name),
    idp_entity_id: connection.saml.idpEntityId,
    idp_sso_url: connection.saml.idpSsoUrl,
    idp_certificate_fingerprints: readIdpMetadata(connection.saml.idpMetadata).certificateFingerprints,
    want_authn_requests_signed: connection.saml.wantAuthnRequestsSigned,
    sp_certificate: connection.saml.spCertificate,
  };
}

/** What an admin sets on a connection beyond its endpoints and client: the view and the audit summary both show it. */
function settings(connection: Connection) {
  return {
    scopes: connection.scopes,
    claim_mapping: connection.type === 'oauth2' ? connection.claimMapping : null,
    token_endpoint_auth_method: connection.authMethod,
    response_mode: connection.responseMode,
    trust_email: connection.trustEmail,
    tenant: connection.microsoftTenant,
    team_id: connection.appleTeamId,
    key_id: connection.appleKeyId,
    domains: connection.domains,
    default_roles: connection.defaultRoles,
    create_users: connection.createUsers,
  };
}

export function connectionView(scope: Pick<TenantScope, 'issuer'>, connection: Connection): ConnectionView {
  return {
    id: connection.id,
    name: connection.name,
    display_name: connection.displayName,
    type: connection.type,
    protocol: TYPE_RULES[connection.type].protocol,
    enabled: connection.enabled,
    issuer: connection.issuer,
    authorization_endpoint: connection.endpoints?.authorization ?? null,
    token_endpoint: connection.endpoints?.token ?? null,
    userinfo_endpoint: connection.endpoints?.userinfo ?? null,
    client_id: connection.clientId,
    client_secret_set: connection.hasSecret,
    ...settings(connection),
    redirect_uri: connection.saml ? samlAcsUrl(scope, connection.name) : connectionCallbackUrl(scope),
    saml: samlView(scope, connection),
    created_at: connection.createdAt.toISOString(),
    updated_at: connection.updatedAt.toISOString(),
  };
}

/** What the audit log keeps of a connection: what an admin sets, no secret (whether one changed is said apart). */
export function connectionAuditSummary(connection: Connection) {
  return {
    name: connection.name,
    type: connection.type,
    display_name: connection.displayName,
    enabled: connection.enabled,
    issuer: connection.issuer,
    endpoints: connection.endpoints,
    client_id: connection.clientId,
    ...settings(connection),
  };
}
