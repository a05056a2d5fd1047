import type { ClientRow } from './clients.repository.ts';
import { clientSwitchesOf } from './client-metadata.ts';

/** A client as shown to operators (`tansu client …`): never the secret or its hash. */
export function describeClient(client: ClientRow) {
  return {
    client_id: client.client_id,
    name: client.name,
    type: client.type,
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    grant_types: client.grant_types,
    redirect_uris: client.redirect_uris,
    post_logout_redirect_uris: client.post_logout_redirect_uris,
    cors_origins: client.cors_origins,
    resources: client.resources,
    first_party: client.first_party,
    ...clientSwitchesOf(client),
    created_at: client.created_at,
  };
}

/** A client with the APIs granted to it for client credentials (the built-in admin API included). */
export interface ClientState {
  row: ClientRow;
  grantedApis: string[];
}

/** A client as the tenant admin API shows it; its ETag is a digest of exactly this. */
export interface ClientView {
  client_id: string;
  name: string;
  type: ClientRow['type'];
  token_endpoint_auth_method: string;
  grant_types: string[];
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  cors_origins: string[];
  resources: string[];
  granted_apis: string[];
  first_party: boolean;
  /** Authorization requests only through PAR (RFC 9126). */
  require_pushed_authorization_requests: boolean;
  /** Access tokens only bound to a DPoP key (RFC 9449). */
  dpop_bound_access_tokens: boolean;
  /** Until when the secret before the last rotation is still accepted; null when none is. */
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

const iso = (value: Date | string) => new Date(value).toISOString();

export function clientView({ row, grantedApis }: ClientState): ClientView {
  return {
    ...describeClient(row),
    granted_apis: grantedApis,
    previous_secret_expires_at: row.previous_secret_expires_at ? iso(row.previous_secret_expires_at) : null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** What the audit log keeps of a client: the properties an admin sets, nothing secret. */
export function clientAuditSummary({ row, grantedApis }: ClientState) {
  return {
    name: row.name,
    type: row.type,
    token_endpoint_auth_method: row.token_endpoint_auth_method,
    grant_types: row.grant_types,
    redirect_uris: row.redirect_uris,
    post_logout_redirect_uris: row.post_logout_redirect_uris,
    cors_origins: row.cors_origins,
    resources: row.resources,
    granted_apis: grantedApis,
    first_party: row.first_party,
    ...clientSwitchesOf(row),
  };
}
