import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { DEFAULT_ADMIN_PAGE_LIMIT } from './admin-schemas.ts';
import { accountMail } from '../../modules/users/account-mail.ts';
import { createInvitation, listInvitations, resendInvitation, revokeInvitation } from '../../modules/users/invitations.service.ts';
import { invitationView, mailedInvitationView } from '../../modules/users/user-view.ts';
import { createInvitationSchema, listInvitationsSchema, resendInvitationSchema, revokeInvitationSchema } from './invitations.schemas.ts';

const BASE = '/t/:tenant/admin/v1/invitations';

/** A resend with no body at all is one with `{}`: the schema sees an object either way. */
async function noBodyIsEmpty(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}

/**
 * `/t/<id>/admin/v1/invitations…`: invitations to an account, through the same services as
 * `tansu invite …`. Creating or resending one mails the invitee a link to the accept page; the
 * token is in that mail only, never in an answer.
 */
export function invitationRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  const mailOf = (request: FastifyRequest) => {
    const tenant = adminTenantOf(request);
    return accountMail(parent.platform, { id: tenant.id, displayName: tenant.row.display_name });
  };

  scope.get(BASE, { preHandler: requireScope('invitations:read'), schema: listInvitationsSchema }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor } = request.query;
    const page = await listInvitations(adminTenantOf(request).scope, { limit, cursor });
    return { items: page.items.map(invitationView), next_cursor: page.next_cursor };
  });

  scope.post(BASE, { preHandler: requireScope('invitations:write'), schema: createInvitationSchema }, async (request, reply) => {
    const { email, roles, expires_in_days } = request.body;
    const mailed = await createInvitation(
      adminTenantOf(request).scope,
      { email, roles, expiresInDays: expires_in_days, mail: mailOf(request) },
      adminActorOf(request),
    );
    return reply.status(201).send(mailedInvitationView(mailed));
  });

  scope.post(`${BASE}/:invitation_id/resend`, { preValidation: noBodyIsEmpty, preHandler: requireScope('invitations:write'), schema: resendInvitationSchema }, async (request) => {
    const mailed = await resendInvitation(
      adminTenantOf(request).scope,
      request.params.invitation_id,
      { expiresInDays: request.body.expires_in_days, mail: mailOf(request) },
      adminActorOf(request),
    );
    return mailedInvitationView(mailed);
  });

  scope.delete(`${BASE}/:invitation_id`, { preHandler: requireScope('invitations:write'), schema: revokeInvitationSchema }, async (request, reply) => {
    await revokeInvitation(adminTenantOf(request).scope, request.params.invitation_id, adminActorOf(request));
    return reply.status(204).send(null);
  });
}
