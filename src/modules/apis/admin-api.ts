/**
 * The tenant admin API every tenant has built in (`/t/<id>/admin/v1/…`). It is no row of
 * `api_resources`: its identifier follows the tenant's issuer, which moves with the platform's
 * public URL, and a tenant must not be able to delete or redefine the API that administers it.
 * The tenant's provider serves it beside the tenant's own APIs (oidc/admin-resource-server.ts).
 */

/** Fine-grained scopes, `<area>:read` and `<area>:write`; a token carries only those asked for. */
export const ADMIN_API_SCOPES = [
  'users:read',
  'users:write',
  'clients:read',
  'clients:write',
  'apis:read',
  'apis:write',
  'invitations:read',
  'invitations:write',
  'keys:read',
  'keys:write',
  'settings:read',
  'settings:write',
  'audit:read',
  'mail:read',
  'mail:write',
  'connections:read',
  'connections:write',
] as const;

export type AdminScope = (typeof ADMIN_API_SCOPES)[number];

/**
 * Ten minutes: an admin token is a bearer credential for the whole tenant, so a leaked one should
 * be short-lived. Callers fetch a new one (client credentials, or the user's refresh token).
 */
export const ADMIN_ACCESS_TOKEN_TTL = 10 * 60;

/** The resource indicator (RFC 8707) and `aud` of admin tokens: `<issuer>/admin`. */
export function adminApiIdentifier(issuer: string): string {
  return `${issuer}/admin`;
}

export function isAdminScope(scope: string): scope is AdminScope {
  return (ADMIN_API_SCOPES as readonly string[]).includes(scope);
}
