import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JWTPayload } from 'jose';
import { verifyTenantAccessToken } from '../access-tokens.ts';
import { AppError, isAppError } from '../../errors.ts';
import { PLATFORM_ADMIN_TENANT_ID } from '../../platform/tenant-id.ts';
import type { TenantContext } from '../../tenancy/tenant-context.ts';
import { PLATFORM_API_SCOPE, platformApiIdentifier } from '../../modules/apis/platform-api.ts';
import { hasApiGrant, isActivePlatformAdmin } from '../../modules/apis/platform-api.repository.ts';

/** Who called the platform admin API. */
export interface PlatformAdminCaller {
  /** `token`: the static bootstrap token; `user` / `client`: an access token of the admin tenant. */
  type: 'token' | 'user' | 'client';
  /** `bootstrap`, or the token's `sub`: the user's id in the admin tenant, or the machine client's id. */
  id: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    platformAdmin: PlatformAdminCaller | undefined;
  }
}

/** How a job or an event names its caller: `token`, `user:<id>` or `client:<id>`. */
export function callerText(caller: PlatformAdminCaller | undefined): string {
  if (!caller || caller.type === 'token') return 'token';
  return `${caller.type}:${caller.id}`;
}

const REALM = 'tansu-admin';

/**
 * Guards the platform admin API. Two credentials open it:
 *
 * - the static bootstrap token, `Authorization: Bearer <TANSU_ADMIN_TOKEN>`. Both sides are hashed
 *   to SHA-256 first so the constant-time comparison sees equal lengths whatever was sent.
 * - an RFC 9068 access token of the platform's admin tenant (`admin`) for its platform API
 *   (`<admin issuer>/platform`, modules/apis/platform-api.ts) carrying `platform:admin`: operators
 *   sign in through the platform's own OIDC, as any tenant's users do through theirs.
 *
 * With neither a configured token nor an admin tenant the API does not exist (404), so a
 * forgotten setting cannot open it; once the admin tenant exists the static token may be unset.
 * Runs before the body is read: a stranger's upload is refused without reading it.
 */
export function platformAdminGuard(app: FastifyInstance) {
  const { adminToken } = app.platform.config;
  const expected = adminToken === undefined ? undefined : digest(adminToken);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const presented = bearerToken(request, reply);
    if (expected && presented !== undefined && crypto.timingSafeEqual(digest(presented), expected)) {
      request.platformAdmin = { type: 'token', id: 'bootstrap' };
      return;
    }
    if (expected && presented === undefined) throw challenge(reply);
    const caller = await withAdminTenant(app, reply, (admin) => {
      if (presented === undefined) throw challenge(reply);
      return callerOf(admin, presented, reply);
    });
    if (caller) {
      request.platformAdmin = caller;
      return;
    }
    if (!expected) {
      throw new AppError('not_found', 'the platform admin API is disabled: set TANSU_ADMIN_TOKEN, or create the admin tenant (tansu tenant create-admin)', 404);
    }
    throw invalidToken(reply, 'a valid platform admin token is required: Authorization: Bearer <token>');
  };
}

/**
 * Whether the platform admin API exists on this node: by the same rule as the guard, when a
 * bootstrap token is configured or the admin tenant exists (suspended included: the API is
 * there, its tokens are refused). Its document and reference page follow it, so they are
 * published exactly where the API answers. An admin tenant being moved answers 503, as it would.
 */
export async function platformAdminApiExists(app: FastifyInstance): Promise<boolean> {
  if (app.platform.config.adminToken !== undefined) return true;
  try {
    return await app.tenants.use(PLATFORM_ADMIN_TENANT_ID, async () => true);
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === 'tenant_not_found') return false;
    if (error.code === 'tenant_suspended') return true;
    throw error;
  }
}

function digest(value: string): Buffer {
  return crypto.createHash('sha256').update(value, 'utf8').digest();
}

/** The bearer token, or undefined without one; a header that is not one bearer token is refused. */
function bearerToken(request: FastifyRequest, reply: FastifyReply): string | undefined {
  const authorization = request.headers.authorization;
  if (!authorization || !/^Bearer(\s|$)/i.test(authorization)) return undefined;
  const match = /^Bearer +(\S+) *$/i.exec(authorization);
  if (!match) throw invalidToken(reply, 'the Authorization header must hold one bearer token');
  return match[1]!;
}

/** RFC 6750 §3: a request without credentials gets the bare challenge. */
function challenge(reply: FastifyReply): AppError {
  reply.header('www-authenticate', `Bearer realm="${REALM}"`);
  return new AppError('invalid_token', 'a platform admin token is required: Authorization: Bearer <token>', 401);
}

function invalidToken(reply: FastifyReply, description: string): AppError {
  // A header value is ASCII without quotes inside the quoted string.
  const quoted = description.replaceAll('"', "'").replace(/[^\x20-\x7e]/g, '');
  reply.header('www-authenticate', `Bearer realm="${REALM}", error="invalid_token", error_description="${quoted}"`);
  return new AppError('invalid_token', description, 401);
}

/**
 * Runs `work` with the admin tenant's context from the node's tenant cache (its published keys,
 * its pool), held until the work is done; undefined when there is no admin tenant. A suspended
 * admin tenant's tokens are not accepted; one being moved or restored answers 503 as it would
 * at its own endpoints.
 */
async function withAdminTenant<T>(app: FastifyInstance, reply: FastifyReply, work: (admin: TenantContext) => Promise<T>): Promise<T | undefined> {
  try {
    return await app.tenants.use(PLATFORM_ADMIN_TENANT_ID, work);
  } catch (error) {
    if (!isAppError(error)) throw error;
    if (error.code === 'tenant_not_found') return undefined;
    if (error.code === 'tenant_suspended') throw invalidToken(reply, "the platform's admin tenant is suspended: its tokens are not accepted");
    throw error;
  }
}

async function verify(admin: TenantContext, token: string, reply: FastifyReply): Promise<JWTPayload> {
  return verifyTenantAccessToken(admin, token, {
    audience: platformApiIdentifier(admin.issuer),
    isNot: "the bootstrap token, nor one of the admin tenant's platform API tokens",
    refused: (description) => invalidToken(reply, description),
  });
}

/**
 * A valid token proves what was true when it was issued; the caller must still be entitled now:
 * a user who lost PlatformAdmin or was disabled, a client whose grant was withdrawn, is refused
 * at once. Then the scope: a token of the platform API without `platform:admin` is 403.
 */
async function callerOf(admin: TenantContext, token: string, reply: FastifyReply): Promise<PlatformAdminCaller> {
  const payload = await verify(admin, token, reply);
  const { sub: id, client_id: clientId } = payload;
  if (typeof id !== 'string' || typeof clientId !== 'string') throw invalidToken(reply, 'the access token has no subject or client');
  // RFC 9068 §2.2: a client-credentials token's subject is the client itself.
  const type = id === clientId ? 'client' : 'user';
  if (type === 'client' && !(await hasApiGrant(admin.db, clientId, platformApiIdentifier(admin.issuer)))) {
    throw invalidToken(reply, "the client's grant of the platform API has been withdrawn");
  }
  if (type === 'user' && !(await isActivePlatformAdmin(admin.db, id))) {
    throw invalidToken(reply, 'the user of this access token is not an active PlatformAdmin of the admin tenant');
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (!scopes.includes(PLATFORM_API_SCOPE)) {
    reply.header('www-authenticate', `Bearer realm="${REALM}", error="insufficient_scope", scope="${PLATFORM_API_SCOPE}"`);
    throw new AppError('insufficient_scope', `the platform admin API needs the "${PLATFORM_API_SCOPE}" scope`, 403, { scope: PLATFORM_API_SCOPE });
  }
  return { type, id };
}
