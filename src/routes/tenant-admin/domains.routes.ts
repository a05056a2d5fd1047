import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { activateDomain, addDomain, listDomains, readIssuer, removeDomain, setIssuerForm, verifyDomain } from '../../modules/domains/domains.service.ts';
import { domainView, issuerView } from '../../modules/domains/domain-view.ts';
import { activateDomainSchema, addDomainSchema, listDomainsSchema, readIssuerSchema, removeDomainSchema, setIssuerSchema, verifyDomainSchema } from './domains.schemas.ts';

const BASE = '/t/:tenant/admin/v1/domains';

/**
 * `…/issuer` and `…/domains…` (settings:read, settings:write): where the tenant's issuer lives and
 * its custom domains, through the same services as `tansu domain …`.
 */
export function domainRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();
  const read = { preHandler: requireScope('settings:read') };
  const write = { preHandler: requireScope('settings:write') };
  const tenantOf = (request: Parameters<typeof adminTenantOf>[0]) => adminTenantOf(request).scope;

  scope.get('/t/:tenant/admin/v1/issuer', { ...read, schema: readIssuerSchema }, async (request) => {
    return issuerView(await readIssuer(parent.platform, tenantOf(request)));
  });

  scope.put('/t/:tenant/admin/v1/issuer', { ...write, schema: setIssuerSchema }, async (request) => {
    return issuerView(await setIssuerForm(parent.platform, tenantOf(request), request.body.form, adminActorOf(request)));
  });

  scope.get(BASE, { ...read, schema: listDomainsSchema }, async (request) => {
    const { issuer, domains } = await listDomains(parent.platform, tenantOf(request));
    return { issuer: issuerView(issuer), items: domains.map(domainView) };
  });

  scope.post(BASE, { ...write, schema: addDomainSchema }, async (request, reply) => {
    const added = await addDomain(parent.platform, tenantOf(request), request.body.domain, adminActorOf(request));
    return reply.status(201).send(domainView(added));
  });

  scope.post(`${BASE}/:domain/verify`, { ...write, schema: verifyDomainSchema }, async (request) => {
    return domainView(await verifyDomain(parent.platform, tenantOf(request), request.params.domain, adminActorOf(request)));
  });

  scope.post(`${BASE}/:domain/activate`, { ...write, schema: activateDomainSchema }, async (request) => {
    return issuerView(await activateDomain(parent.platform, tenantOf(request), request.params.domain, adminActorOf(request)));
  });

  scope.delete(`${BASE}/:domain`, { ...write, schema: removeDomainSchema }, async (request, reply) => {
    await removeDomain(parent.platform, tenantOf(request), request.params.domain, adminActorOf(request));
    return reply.status(204).send(null);
  });
}
