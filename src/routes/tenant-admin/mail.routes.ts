import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { announceMail } from '../../modules/mail/mail.service.ts';
import { listOutbox, retryMail } from '../../modules/mail/mail-outbox.service.ts';
import { listMailTemplates, readMailTemplate, resetMailTemplate, saveMailTemplate } from '../../modules/mail/mail-templates.service.ts';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { requireMatch, withEtag } from './conditional.ts';
import { DEFAULT_ADMIN_PAGE_LIMIT } from './admin-schemas.ts';
import { deleteTemplateSchema, getTemplateSchema, listMailSchema, listTemplatesSchema, putTemplateSchema, retryMailSchema } from './mail.schemas.ts';

/**
 * `…/mail` (mail:read, mail:write): the tenant's outbox, as `tansu mail list|retry`; and
 * `…/mail/templates` (settings:read, settings:write): the tenant's wording of its mails, as
 * `tansu mail template`. The same services as the CLI; every change is audited.
 */
export function mailRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();

  scope.get('/t/:tenant/admin/v1/mail', { schema: listMailSchema, preHandler: requireScope('mail:read') }, async (request) => {
    const { limit = DEFAULT_ADMIN_PAGE_LIMIT, cursor, ...filter } = request.query;
    return listOutbox(adminTenantOf(request).scope, filter, { limit, ...(cursor === undefined ? {} : { cursor }) });
  });

  scope.post('/t/:tenant/admin/v1/mail/:mail_id/retry', { schema: retryMailSchema, preHandler: requireScope('mail:write'), bodyLimit: 1024 }, async (request) => {
    const tenant = adminTenantOf(request);
    return retryMail(tenant.scope, { mailId: request.params.mail_id, announce: () => announceMail(parent.platform, tenant.id) }, adminActorOf(request));
  });

  scope.get('/t/:tenant/admin/v1/mail/templates', { schema: listTemplatesSchema, preHandler: requireScope('settings:read') }, async (request) => {
    return { items: await listMailTemplates(adminTenantOf(request).scope) };
  });

  scope.get('/t/:tenant/admin/v1/mail/templates/:name', { schema: getTemplateSchema, preHandler: requireScope('settings:read') }, async (request, reply) => {
    return withEtag(reply, await readMailTemplate(adminTenantOf(request).scope, request.params.name));
  });

  // PUT is the whole of the tenant's version: a part it leaves out is the built-in one.
  scope.put('/t/:tenant/admin/v1/mail/templates/:name', { schema: putTemplateSchema, preHandler: requireScope('settings:write') }, async (request, reply) => {
    const { subject = '', text = '', html = '' } = request.body;
    const saved = await saveMailTemplate(
      adminTenantOf(request).scope,
      { name: request.params.name, parts: { subject, text, html }, precondition: (current) => requireMatch(request, current) },
      adminActorOf(request),
    );
    return withEtag(reply, saved);
  });

  scope.delete('/t/:tenant/admin/v1/mail/templates/:name', { schema: deleteTemplateSchema, preHandler: requireScope('settings:write') }, async (request, reply) => {
    await resetMailTemplate(adminTenantOf(request).scope, { name: request.params.name, precondition: (current) => requireMatch(request, current) }, adminActorOf(request));
    return reply.status(204).send(null);
  });
}
