import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JWTPayload } from 'jose';
import { verifyTenantAccessToken } from '../access-tokens.ts';
import { AppError } from '../../errors.ts';
import { resolveTenant } from '../../tenancy/tenancy.plugin.ts';
import type { TenantContext } from '../../tenancy/tenant-context.ts';
import { adminApiIdentifier, isAdminScope, type AdminScope } from '../../modules/apis/admin-api.ts';
import { hasAdminApiGrant } from '../../modules/clients/admin-api-grants.repository.ts';
import { isActiveTenantAdmin } from '../../modules/users/users.repository.ts';
import type { Actor } from '../../platform/tenant-scope.ts';

/** Who called the tenant admin API, from a verified access token of the tenant's own issuer. */
export interface AdminCaller {
  /** `client`: a machine client's own token (client credentials); `user`: a tenant admin signed in through a client. */
  type: 'user' | 'client';
  /** The token's `sub`: the user's id, or the machine client's id. */
  id: string;
  /** The client the token was issued to. */
  clientId: string;
  /** The admin scopes the token carries; any other scope in it means nothing here. */
  scopes: ReadonlySet<AdminScope>;
}

declare module 'fastify' {
  interface FastifyRequest {
    adminCaller: AdminCaller | undefined;
  }
}

/** RFC 6750 §3: a request without credentials gets the bare challenge, one with a bad token the error. */
function invalidToken(reply: FastifyReply, description: string, presented = true): AppError {
  reply.header('www-authenticate', presented ? `Bearer error="invalid_token", error_description="${description.replaceAll('"', "'")}"` : 'Bearer');
  return new AppError('invalid_token', description, 401);
}

async function verifyAdminToken(tenant: TenantContext, token: string, reply: FastifyReply): Promise<JWTPayload> {
  return verifyTenantAccessToken(tenant, token, {
    audience: adminApiIdentifier(tenant.issuer),
    isNot: "one of this tenant's admin API tokens",
    refused: (description) => invalidToken(reply, description),
  });
}

/**
 * The token proves what was true when it was issued; the caller must still be entitled now, so
 * a revoked grant, a removed role or a disabled or deleted user stops its tokens at once, not
 * when they expire. One indexed query per request.
 */
async function callerOf(tenant: TenantContext, payload: JWTPayload, reply: FastifyReply): Promise<AdminCaller> {
  const id = payload.sub;
  const clientId = payload.client_id;
  if (typeof id !== 'string' || typeof clientId !== 'string') throw invalidToken(reply, 'the access token has no subject or client');
  // RFC 9068 §2.2: a client-credentials token's subject is the client itself; a user's id is a UUID, never a client id.
  const type = id === clientId ? 'client' : 'user';
  if (type === 'client' && !(await hasAdminApiGrant(tenant.db, clientId))) {
    throw invalidToken(reply, "the client's grant of the admin API has been withdrawn");
  }
  if (type === 'user' && !(await isActiveTenantAdmin(tenant.db, id))) {
    throw invalidToken(reply, 'the user of this access token is not an active tenant admin');
  }
  const scope = typeof payload.scope === 'string' ? payload.scope : '';
  return { type, id, clientId, scopes: new Set(scope.split(' ').filter(isAdminScope)) };
}

async function authenticate(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  // The tenant first: an unknown, suspended or moving tenant answers as everywhere else.
  const tenant = await resolveTenant(app, request, reply);
  const authorization = request.headers.authorization;
  if (!authorization || !/^Bearer(\s|$)/i.test(authorization)) {
    throw invalidToken(reply, 'an access token for the admin API is required: Authorization: Bearer <token>', false);
  }
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization);
  if (!match) throw invalidToken(reply, 'the Authorization header must hold one bearer token');
  request.adminCaller = await callerOf(tenant, await verifyAdminToken(tenant, match[1]!, reply), reply);
}

/**
 * Authenticates every request of the scope it is registered in (the tenant admin API under
 * `/t/<id>/admin/v1/`) with an RFC 9068 access token of the tenant's own issuer for its admin
 * API: signed by one of the keys the tenant publishes, `iss` the tenant's issuer, `aud`
 * `<issuer>/admin`, `typ` `at+jwt`, within its lifetime. A token of another tenant fails on
 * both its issuer and its keys. Runs before the body is read, so a stranger's request is
 * answered 401 without parsing anything.
 */
export const tenantAdminAuth = fp(async (app: FastifyInstance) => {
  app.decorateRequest('adminCaller', undefined);
  app.addHook('onRequest', (request, reply) => authenticate(app, request, reply));
});

/**
 * The scope each guard made by requireScope demands. A route declares its scope once, by its
 * guard, and the OpenAPI document reads it from there (requiredScopesOf), so the documented
 * scope is the enforced one by construction.
 */
const scopeOfGuard = new WeakMap<object, AdminScope>();

/** A preHandler: 403 `insufficient_scope` (RFC 6750 §3.1) unless the caller's token carries `scope`. */
export function requireScope(scope: AdminScope) {
  const guard = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const caller = request.adminCaller;
    if (!caller) throw new AppError('invalid_token', 'the request was not authenticated', 401);
    if (!caller.scopes.has(scope)) {
      reply.header('www-authenticate', `Bearer error="insufficient_scope", scope="${scope}"`);
      throw new AppError('insufficient_scope', `this request needs the "${scope}" scope`, 403, { scope });
    }
  };
  scopeOfGuard.set(guard, scope);
  return guard;
}

/** The hooks of a route as Fastify hands them to `onRoute`: one function, a list, or none. */
type RouteHooks = Partial<Record<'onRequest' | 'preParsing' | 'preValidation' | 'preHandler', unknown>>;

/** The scopes a route demands through requireScope guards in any of its request hooks, in order. */
export function requiredScopesOf(route: RouteHooks): AdminScope[] {
  const hooks = [route.onRequest, route.preParsing, route.preValidation, route.preHandler].flat();
  return hooks.flatMap((hook) => {
    const scope = typeof hook === 'function' ? scopeOfGuard.get(hook) : undefined;
    return scope === undefined ? [] : [scope];
  });
}

/** The caller of a request that passed tenantAdminAuth. */
export function adminCallerOf(request: FastifyRequest): AdminCaller {
  const caller = request.adminCaller;
  if (!caller) throw new AppError('invalid_token', 'the request was not authenticated', 401);
  return caller;
}

/** Who an admin API request acts as, for the audit log: the user or machine client, and where from. */
export function adminActorOf(request: FastifyRequest): Actor {
  const caller = adminCallerOf(request);
  return { type: caller.type, id: caller.id, ip: request.ip };
}

/** The tenant an authenticated admin API request is for (resolved by tenantAdminAuth). */
export function adminTenantOf(request: FastifyRequest): TenantContext {
  if (!request.tenant) throw new AppError('invalid_token', 'the request was not authenticated', 401);
  return request.tenant;
}
