import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { createUser, getUser, listUsers, updateUser, type Precondition } from '../../modules/users/users.service.ts';
import { deleteUser, disableUser, enableUser, setUserPassword } from '../../modules/users/user-account.service.ts';
import { createdUserView, userView } from '../../modules/users/user-view.ts';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { requireMatch, withEtag } from './conditional.ts';
import { DEFAULT_ADMIN_PAGE_LIMIT } from './admin-schemas.ts';
import {
  createUserSchema,
  deleteUserSchema,
  getUserSchema,
  listUsersSchema,
  setPasswordSchema,
  updateUserSchema,
  userStatusSchema,
} from './users.schemas.ts';

/** Bodies here are a few fields: anything larger is no user. */
const BODY_LIMIT = 16 * 1024;

/** If-Match against the user as it is inside the change's transaction (conditional.ts). */
const ifMatch =
  (request: FastifyRequest): Precondition =>
  (current) =>
    requireMatch(request, userView(current));

/**
 * `/t/<id>/admin/v1/users…`: the tenant's users. The same services as `tansu user …`; every
 * change is audited with the caller as actor. Reads need `users:read`, changes `users:write`.
 */
export function usersRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  const read = { preHandler: requireScope('users:read') };
  const write = { preHandler: requireScope('users:write'), bodyLimit: BODY_LIMIT };

  scope.get('/t/:tenant/admin/v1/users', { ...read, schema: listUsersSchema }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor, ...filter } = request.query;
    const page = await listUsers(adminTenantOf(request).scope, { limit, ...(cursor === undefined ? {} : { cursor }) }, filter);
    return { items: page.items.map(userView), next_cursor: page.next_cursor };
  });

  scope.post('/t/:tenant/admin/v1/users', { ...write, schema: createUserSchema }, async (request, reply) => {
    const { email, password, name, roles, email_verified } = request.body;
    const created = await createUser(adminTenantOf(request).scope, { email, password, name, roles, emailVerified: email_verified }, adminActorOf(request));
    reply.status(201);
    return createdUserView(created);
  });

  scope.get('/t/:tenant/admin/v1/users/:user_id', { ...read, schema: getUserSchema }, async (request, reply) => {
    return withEtag(reply, userView(await getUser(adminTenantOf(request).scope, request.params.user_id)));
  });

  scope.patch('/t/:tenant/admin/v1/users/:user_id', { ...write, schema: updateUserSchema }, async (request, reply) => {
    const { email, email_verified, name, given_name, family_name, roles } = request.body;
    const user = await updateUser(
      adminTenantOf(request).scope,
      { userId: request.params.user_id, email, emailVerified: email_verified, name, givenName: given_name, familyName: family_name, roles, precondition: ifMatch(request) },
      adminActorOf(request),
    );
    return withEtag(reply, userView(user));
  });

  scope.delete('/t/:tenant/admin/v1/users/:user_id', { ...write, schema: deleteUserSchema }, async (request, reply) => {
    await deleteUser(adminTenantOf(request).scope, { userId: request.params.user_id, precondition: ifMatch(request) }, adminActorOf(request));
    return reply.status(204).send(null);
  });

  for (const [action, change] of [
    ['disable', disableUser],
    ['enable', enableUser],
  ] as const) {
    scope.post(`/t/:tenant/admin/v1/users/:user_id/${action}`, { ...write, schema: userStatusSchema(action) }, async (request, reply) => {
      const user = await change(adminTenantOf(request).scope, { userId: request.params.user_id }, adminActorOf(request));
      return withEtag(reply, userView(user));
    });
  }

  // Like /disable and /enable, it may be sent without a body: then a password is generated.
  const noBodyIsEmpty = async (request: FastifyRequest) => {
    request.body ??= {};
  };
  scope.post('/t/:tenant/admin/v1/users/:user_id/password', { ...write, preValidation: noBodyIsEmpty, schema: setPasswordSchema }, async (request) => {
    const set = await setUserPassword(adminTenantOf(request).scope, { userId: request.params.user_id, password: request.body.password }, adminActorOf(request));
    return createdUserView(set);
  });
}
