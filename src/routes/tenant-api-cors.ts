import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TenantContext } from '../tenancy/tenant-context.ts';
import { tenantClientOrigins } from '../modules/clients/client-origins.ts';

/**
 * CORS for a tenant's JSON APIs (the signup API under `/t/<id>/api/`, the admin API under
 * `/t/<id>/admin/v1/`): a browser app on an origin one of the tenant's clients registered (a
 * redirect URI's origin, or a CORS origin) may call them; any other origin gets no CORS header at
 * all, so its page cannot read an answer, and its preflight lets nothing through. The provider's
 * own endpoints (token, userinfo, …) answer CORS themselves, per client (oidc/configuration.ts).
 *
 * No credentials: these APIs take bearer tokens or nothing, never cookies, so
 * `Access-Control-Allow-Credentials` is never sent and a cross-site page cannot ride a session.
 */

/** Paths of the tenant's JSON APIs, after tenancy routed any host or header to `/t/<id>`. */
const JSON_API = /^\/t\/([^/?#]+)\/(?:api|admin\/v1)(?:[/?#]|$)/;

const ALLOWED_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** What the APIs read besides the CORS-safelisted headers. */
const ALLOWED_HEADERS = new Set(['authorization', 'content-type', 'if-match']);
/** What a page may read of an answer besides the safelisted headers: the challenge, the retry hint, the ETag. */
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After, ETag';
/** A browser may reuse a preflight this long; an origin removed from a client is refused after it at the latest. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * The tenant's origins, read once per context: a change to any client announces `clients`, which
 * builds a new context, so the set is never stale; held weakly, it goes with an evicted context.
 */
const originSets = new WeakMap<TenantContext, Promise<Set<string>>>();
function originsOfTenant(tenant: TenantContext): Promise<Set<string>> {
  let origins = originSets.get(tenant);
  if (!origins) {
    origins = tenantClientOrigins(tenant.db);
    origins.catch(() => originSets.delete(tenant));
    originSets.set(tenant, origins);
  }
  return origins;
}

/** Whether `origin` may call tenant `id`'s APIs; false for an unknown or unservable tenant (which answers for itself). */
async function isAllowed(app: FastifyInstance, id: string, origin: string): Promise<boolean> {
  try {
    return await app.tenants.use(id, async (tenant) => (await originsOfTenant(tenant)).has(origin));
  } catch {
    return false;
  }
}

function answerPreflight(request: FastifyRequest, reply: FastifyReply, origin: string, allowed: boolean): FastifyReply {
  reply.header('vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers').header('cache-control', 'no-store');
  const method = String(request.headers['access-control-request-method']).toUpperCase();
  const asked = String(request.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (allowed && ALLOWED_METHODS.has(method) && asked.every((name) => ALLOWED_HEADERS.has(name))) {
    reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-methods', method)
      .header('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    if (asked.length > 0) reply.header('access-control-allow-headers', asked.join(', '));
  }
  return reply.status(204).send();
}

export const tenantApiCors = fp(async (app: FastifyInstance) => {
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const api = JSON_API.exec(request.url);
    if (!api) return;
    const allowed = await isAllowed(app, api[1]!, origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      return answerPreflight(request, reply, origin, allowed);
    }
    reply.header('vary', 'Origin');
    // Set now, so an error answer (401, 429, …) is readable by the page too.
    if (allowed) reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', EXPOSED_HEADERS);
  });
});
