import { Type } from 'typebox';
import { MAX_PAGE_LIMIT } from '../../db/page.ts';

/**
 * Schema pieces of the tenant admin API. Every route declares ADMIN_ERRORS besides its own
 * errors; an update or delete that takes `If-Match` (conditional.ts) declares 412 too.
 */
export const ADMIN_ERRORS = {
  401: 'invalid_token: no token, or not an admin API token of this tenant (with WWW-Authenticate)',
  403: 'insufficient_scope (with WWW-Authenticate naming the scope), or tenant_suspended',
  404: 'tenant_not_found, or the named resource does not exist',
  429: "rate_limited: this token's or the tenant's API budget is spent (with Retry-After and RateLimit-*)",
  503: 'tenant_unavailable or temporarily_unavailable (with Retry-After)',
} as const;

export const PRECONDITION_FAILED = { 412: 'precondition_failed: If-Match does not match the current ETag' } as const;

/** A page of a tenant-level list (db/page.ts): `limit` items after `cursor`. */
export const AdminPageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT, description: 'items per page (default 50)' })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, description: 'next_cursor of the previous page' })),
};

export const DEFAULT_ADMIN_PAGE_LIMIT = 50;

/** The `If-Match` request header an update or delete may carry. */
export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ description: 'the ETag read before; the change applies only if the resource still has it' })),
});

/** A resource id that is a UUID (an API, an invitation): anything else is refused before a query casts it. */
export const UuidParam = (description: string) =>
  Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description });
