import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { DEFAULT_ADMIN_PAGE_LIMIT } from './admin-schemas.ts';
import { createInvitation, listInvitations, revokeInvitation } from '../../modules/users/invitations.service.ts';
import { createdInvitationView, invitationView } from '../../modules/users/user-view.ts';
import { createInvitationSchema, listInvitationsSchema, revokeInvitationSchema } from './invitations.schemas.ts';

const BASE = '/t/:tenant/admin/v1/invitations';

/**
 * `/t/<id>/admin/v1/invitations…`: invitations to sign up, through the same services as `tansu
 * invite …`. The token is in the answer that creates it, never again.
 */
export function invitationRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();

  scope.get(BASE, { preHandler: requireScope('invitations:read'), schema: listInvitationsSchema }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor } = request.query;
    const page = await listInvitations(adminTenantOf(request).scope, { limit, cursor });
    return { items: page.items.map(invitationView), next_cursor: page.next_cursor };
  });

  scope.post(BASE, { preHandler: requireScope('invitations:write'), schema: createInvitationSchema }, async (request, reply) => {
    const { email, roles, expires_in_days } = request.body;
    const created = await createInvitation(adminTenantOf(request).scope, { email, roles, expiresInDays: expires_in_days }, adminActorOf(request));
    return reply.status(201).send(createdInvitationView(created));
  });

  scope.delete(`${BASE}/:invitation_id`, { preHandler: requireScope('invitations:write'), schema: revokeInvitationSchema }, async (request, reply) => {
    await revokeInvitation(adminTenantOf(request).scope, request.params.invitation_id, adminActorOf(request));
    return reply.status(204).send(null);
  });
}
