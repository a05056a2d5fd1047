import * as oidc from 'openid-client';
import type { TenantScope } from '../../platform/tenant-scope.ts';
import { appleClientSecret } from './apple-client-secret.ts';
import { isInsecureLoopback } from './connection-rules.ts';
import { guardedFetch } from './upstream-hosts.ts';
import { TYPE_RULES } from './connection-types.ts';
import { connectionOf, openConnectionSecret, type Connection } from './connection.ts';
import type { ConnectionRow } from './connections.repository.ts';

/** Seconds to wait for a provider's discovery document, token or user endpoint. */
const UPSTREAM_TIMEOUT_SECONDS = 10;
/** A discovered configuration (and the key set it fetched) is used this long, then read again. */
const KEEP_MS = 60 * 60 * 1000;
/** Entries, over all tenants of the process; the oldest goes first. */
const MAX_KEPT = 1000;

const kept = new Map<string, { configuration: Promise<oidc.Configuration>; until: number }>();

/**
 * openid-client's view of a connection: the provider's metadata (discovered for OpenID Connect,
 * given for OAuth 2.0), the client id and how the client authenticates. Discovery costs a round
 * trip and the provider's key set another, so each connection's is kept for an hour, per process;
 * a change to the connection changes `updated_at`, which is part of the key, so a node never signs
 * in with settings older than the row it just read. A failed discovery is not kept.
 */
export function upstreamConfiguration(scope: Pick<TenantScope, 'id' | 'secrets' | 'allowPrivateUpstreams'>, row: ConnectionRow): Promise<oidc.Configuration> {
  const key = `${scope.id}|${row.id}|${new Date(row.updated_at).getTime()}`;
  const now = Date.now();
  const known = kept.get(key);
  if (known && known.until > now) return known.configuration;
  const configuration = buildConfiguration(connectionOf(row), openConnectionSecret(scope, row), guardedFetch(scope.allowPrivateUpstreams) as oidc.CustomFetch);
  kept.delete(key);
  kept.set(key, { configuration, until: now + KEEP_MS });
  while (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!);
  configuration.catch(() => {
    if (kept.get(key)?.configuration === configuration) kept.delete(key);
  });
  return configuration;
}

function clientAuthentication(connection: Connection, secret: string | undefined): oidc.ClientAuth {
  if (connection.type === 'apple') {
    // A fresh signed secret for every exchange (apple-client-secret.ts), sent like a posted secret.
    const { appleTeamId, appleKeyId, clientId } = connection;
    return (as, client, body, headers) => {
      const signed = appleClientSecret({ teamId: appleTeamId!, keyId: appleKeyId!, clientId, privateKeyPem: secret! });
      oidc.ClientSecretPost(signed)(as, client, body, headers);
    };
  }
  switch (connection.authMethod) {
    case 'none':
      return oidc.None();
    case 'client_secret_post':
      return oidc.ClientSecretPost(secret!);
    default:
      return oidc.ClientSecretBasic(secret!);
  }
}

/** Whether any URL of the connection is plain http (to loopback: connection-rules.ts refuses any other). */
function usesPlainHttp(connection: Connection): boolean {
  const urls = [connection.issuer, connection.endpoints?.authorization, connection.endpoints?.token, connection.endpoints?.userinfo];
  return urls.some((url) => url !== null && url !== undefined && isInsecureLoopback(url));
}

/** Every request to the provider (discovery, key set, token, user endpoints) goes through `fetcher`, the SSRF guard. */
async function buildConfiguration(connection: Connection, secret: string | undefined, fetcher: oidc.CustomFetch): Promise<oidc.Configuration> {
  const auth = clientAuthentication(connection, secret);
  const insecure = usesPlainHttp(connection);
  let configuration: oidc.Configuration;
  if (TYPE_RULES[connection.type].protocol === 'oidc') {
    // For Microsoft's many-tenant issuers openid-client accepts the `{tenantid}` template the
    // document names and checks each ID token's `iss` against it filled with the token's `tid`.
    configuration = await oidc.discovery(new URL(connection.issuer!), connection.clientId, undefined, auth, {
      execute: insecure ? [oidc.allowInsecureRequests] : [],
      timeout: UPSTREAM_TIMEOUT_SECONDS,
      [oidc.customFetch]: fetcher,
    });
    // openid-client trusts an ID token from the token endpoint on TLS alone (OpenID Connect Core
    // §3.1.3.7 allows it); its signature is checked against the provider's keys all the same, so a
    // token that does not verify is refused whatever carried it.
    oidc.enableNonRepudiationChecks(configuration);
  } else {
    const endpoints = connection.endpoints!;
    configuration = new oidc.Configuration(
      {
        // Without an issuer from the admin, one no response can name: an RFC 9207 `iss` in an
        // answer is then refused (upstream-sign-in.service.ts says to set the issuer).
        issuer: connection.issuer ?? `urn:tansu:connection:${connection.id}`,
        authorization_endpoint: endpoints.authorization,
        token_endpoint: endpoints.token,
        userinfo_endpoint: endpoints.userinfo,
      },
      connection.clientId,
      undefined,
      auth,
    );
    if (insecure) oidc.allowInsecureRequests(configuration);
  }
  configuration.timeout = UPSTREAM_TIMEOUT_SECONDS;
  configuration[oidc.customFetch] = fetcher;
  return configuration;
}
