import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { accountMail } from '../../modules/users/account-mail.ts';
import { sendPasswordReset } from '../../modules/users/password-reset.service.ts';
import { sendVerificationMail } from '../../modules/users/email-verification.service.ts';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { sendResetSchema, sendVerificationSchema } from './mail.schemas.ts';

/**
 * `…/users/<id>/password-reset` and `…/users/<id>/verification-email` (users:write): an admin has
 * a user mailed a link, through the services behind `tansu user send-reset|resend-verification`
 * and the account pages. 202: the mail is in the outbox with the token, and goes out within
 * seconds (or when the SMTP server is back); `mail_id` finds it in `GET /mail`.
 */
export function userMailRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  const write = { preHandler: requireScope('users:write'), bodyLimit: 1024 };
  const mailOf = (request: FastifyRequest) => {
    const tenant = adminTenantOf(request);
    return accountMail(parent.platform, { id: tenant.id, displayName: tenant.row.display_name });
  };

  scope.post('/t/:tenant/admin/v1/users/:user_id/password-reset', { ...write, schema: sendResetSchema }, async (request, reply) => {
    const sent = await sendPasswordReset(adminTenantOf(request).scope, { userId: request.params.user_id, mail: mailOf(request) }, adminActorOf(request));
    return reply.status(202).send(sent);
  });

  scope.post('/t/:tenant/admin/v1/users/:user_id/verification-email', { ...write, schema: sendVerificationSchema }, async (request, reply) => {
    const sent = await sendVerificationMail(adminTenantOf(request).scope, { userId: request.params.user_id, mail: mailOf(request) }, adminActorOf(request));
    return reply.status(202).send(sent);
  });
}
