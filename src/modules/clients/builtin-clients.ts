import type { ClientMetadata } from 'oidc-provider';
import { PLATFORM_ADMIN_TENANT_ID } from '../../platform/tenant-id.ts';
import { adminApiIdentifier } from '../apis/admin-api.ts';
import { platformApiIdentifier } from '../apis/platform-api.ts';
import { ALLOWED_RESOURCES, CORS_ORIGINS, FIRST_PARTY, GRANTED_APIS } from './client-metadata.ts';

/**
 * The first-party clients every tenant has built in: the tenant console (`/t/<id>/console`) and
 * the account page (`/t/<id>/account`), both signing in through the tenant's own OIDC with the
 * code flow and PKCE, like any browser app would.
 *
 * They are no rows of `clients`, for the same reasons the admin API is no row of `api_resources`
 * (admin-api.ts): their redirect URIs follow the tenant's issuer, which moves with the platform's
 * public URL and the tenant's host, and a tenant admin must not be able to delete, re-point or
 * give a secret to the client that administers the tenant. Their ids hold a hyphen, which a
 * generated client id (client-id.ts: letters and digits) never does, so none can collide.
 *
 * The admin tenant's console client is also the platform console's (`/admin/console`): operators
 * sign in to the admin tenant and get tokens for its platform API.
 */
export const CONSOLE_CLIENT_ID = 'tansu-console';
export const ACCOUNT_CLIENT_ID = 'tansu-account';

export const BUILTIN_CLIENT_IDS: readonly string[] = [CONSOLE_CLIENT_ID, ACCOUNT_CLIENT_ID];

export function isBuiltinClientId(clientId: string): boolean {
  return BUILTIN_CLIENT_IDS.includes(clientId);
}

/** The scopes a built-in client may ask for (resource scopes come from the APIs). */
const SCOPES = 'openid profile email roles offline_access';

/** `https://id.example.com` from `https://id.example.com/t/<id>`: where the platform's own pages live. */
function platformUrlOf(issuer: string, tenantId: string): string {
  const suffix = `/t/${tenantId}`;
  return issuer.endsWith(suffix) ? issuer.slice(0, -suffix.length) : new URL(issuer).origin;
}

/** Where each built-in app lives: its redirect URI is `<home>/callback`, its post-logout URI `<home>/`. */
export function builtinClientHomes(issuer: string, tenantId: string, clientId: string): string[] {
  if (clientId === ACCOUNT_CLIENT_ID) return [`${issuer}/account`];
  if (clientId !== CONSOLE_CLIENT_ID) return [];
  const homes = [`${issuer}/console`];
  if (tenantId === PLATFORM_ADMIN_TENANT_ID) homes.push(`${platformUrlOf(issuer, tenantId)}/admin/console`);
  return homes;
}

/** The built-in client's metadata for this tenant's provider, or undefined for any other id. */
export function builtinClientMetadata(issuer: string, tenantId: string, clientId: string): ClientMetadata | undefined {
  if (!isBuiltinClientId(clientId)) return undefined;
  const homes = builtinClientHomes(issuer, tenantId, clientId);
  const resources =
    clientId === CONSOLE_CLIENT_ID
      ? [adminApiIdentifier(issuer), ...(tenantId === PLATFORM_ADMIN_TENANT_ID ? [platformApiIdentifier(issuer)] : [])]
      : // The account page calls no API (it reads the ID token and works on the server): its list
        // names only the page itself, which is no API, so every API, the admin API too, is refused.
        [`${issuer}/account`];
  return {
    client_id: clientId,
    client_name: clientId === CONSOLE_CLIENT_ID ? 'Tansu console' : 'Tansu account',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: homes.map((home) => `${home}/callback`),
    post_logout_redirect_uris: homes.map((home) => `${home}/`),
    scope: SCOPES,
    [FIRST_PARTY]: true,
    [ALLOWED_RESOURCES]: resources,
    [GRANTED_APIS]: [],
    [CORS_ORIGINS]: [],
  };
}
