import { Type } from 'typebox';
import { TenantId } from '../schemas.ts';

/** The platform admin API's one version prefix: every route below is under it. */
export const PLATFORM_ADMIN_PREFIX = '/admin/v1';

/** Every route of the API answers these when its guard refuses (platform-admin-auth.ts). */
export const GUARD_ERRORS = {
  401: 'invalid_token: no token, a wrong one, or an admin tenant token that is expired, not for the platform API, or whose user or client is no longer entitled (with WWW-Authenticate)',
  403: 'insufficient_scope: an admin tenant token without platform:admin (with WWW-Authenticate)',
  404: 'not_found: the API is disabled (neither TANSU_ADMIN_TOKEN nor the admin tenant exists)',
} as const;

/** Guard errors, with what a 404 also means for the route. */
export function guardErrors(notFound?: string) {
  return { ...GUARD_ERRORS, ...(notFound && { 404: `${notFound}, or the API is disabled (not_found)` }) };
}

export const TenantIdParams = Type.Object({ id: TenantId });

/** Operation groups, as an OpenAPI document lists them. */
export const TAGS = {
  tenants: 'tenants',
  backups: 'backups',
  keys: 'keys',
  clusters: 'clusters',
  fleet: 'fleet',
  jobs: 'jobs',
} as const;

/**
 * A preValidation hook for a POST whose body is all optional fields: a request without a body
 * (none sent, no Content-Type) is read as `{}`, so it is checked like any other and never
 * reaches the handler as undefined.
 */
export async function bodyOptional(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}
