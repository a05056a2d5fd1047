import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  listUserGrants,
  listUserLoginActivity,
  listUserSessions,
  revokeUserGrant,
  revokeUserSession,
} from '../../modules/users/user-sessions.service.ts';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { DEFAULT_ADMIN_PAGE_LIMIT } from './admin-schemas.ts';
import { listGrantsSchema, listSessionsSchema, loginActivitySchema, revokeGrantSchema, revokeSessionSchema } from './users.schemas.ts';

const pageRequest = ({ limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor }: { limit?: number; cursor?: string }) => ({ limit, ...(cursor === undefined ? {} : { cursor }) });

/**
 * `/t/<id>/admin/v1/users/<user_id>/sessions|grants|login-activity`: where a user is signed in,
 * which apps they consented to, and their sign-in attempts; sessions and grants can be revoked.
 */
export function userSessionsRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  const read = { preHandler: requireScope('users:read') };
  const write = { preHandler: requireScope('users:write') };

  scope.get('/t/:tenant/admin/v1/users/:user_id/sessions', { ...read, schema: listSessionsSchema }, async (request) => {
    return listUserSessions(adminTenantOf(request).scope, request.params.user_id, pageRequest(request.query));
  });

  scope.delete('/t/:tenant/admin/v1/users/:user_id/sessions/:session_id', { ...write, schema: revokeSessionSchema }, async (request, reply) => {
    const { user_id: userId, session_id: sessionId } = request.params;
    await revokeUserSession(adminTenantOf(request).scope, { userId, sessionId }, adminActorOf(request));
    return reply.status(204).send(null);
  });

  scope.get('/t/:tenant/admin/v1/users/:user_id/grants', { ...read, schema: listGrantsSchema }, async (request) => {
    return listUserGrants(adminTenantOf(request).scope, request.params.user_id, pageRequest(request.query));
  });

  scope.delete('/t/:tenant/admin/v1/users/:user_id/grants/:grant_id', { ...write, schema: revokeGrantSchema }, async (request, reply) => {
    const { user_id: userId, grant_id: grantId } = request.params;
    await revokeUserGrant(adminTenantOf(request).scope, { userId, grantId }, adminActorOf(request));
    return reply.status(204).send(null);
  });

  scope.get('/t/:tenant/admin/v1/users/:user_id/login-activity', { ...read, schema: loginActivitySchema }, async (request) => {
    return listUserLoginActivity(adminTenantOf(request).scope, request.params.user_id, pageRequest(request.query));
  });
}
