import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { resolveTenant } from '../tenancy/tenancy.plugin.ts';
import { brandingStylesheet, stylesheetVersion } from '../modules/branding/branding.ts';
import { readLogo } from '../modules/branding/branding.service.ts';
import { AppError } from '../errors.ts';
import { TenantParams, pageOrError } from './schemas.ts';

const VersionQuery = Type.Object({ v: Type.Optional(Type.String({ maxLength: 64, description: 'the version the page names; any other is served uncached' })) });

const TENANT_REFUSALS = {
  403: pageOrError('tenant_suspended'),
  404: pageOrError('tenant_not_found, or not_found: the tenant has no such file'),
  503: pageOrError('tenant_unavailable or temporarily_unavailable, with Retry-After'),
};

const styleSchema = {
  hide: true,
  params: TenantParams,
  querystring: VersionQuery,
  response: { 200: { description: "the tenant's stylesheet: its colours, then its own CSS", content: { 'text/css': { schema: Type.String() } } }, ...TENANT_REFUSALS },
};

const logoSchema = {
  hide: true,
  params: TenantParams,
  querystring: VersionQuery,
  response: { 200: { description: "the tenant's logo", content: { 'image/png': { schema: Type.String() } } }, ...TENANT_REFUSALS },
};

/**
 * A file whose URL names its version may be kept for a year (a change gives the page a new URL);
 * asked for under another version (a page rendered just before a change) it is served fresh.
 */
function cacheFor(reply: FastifyReply, request: FastifyRequest, version: string): FastifyReply {
  const asked = (request.query as { v?: string }).v;
  return reply.header('cache-control', asked === version ? 'public, max-age=31536000, immutable' : 'no-cache');
}

/**
 * The tenant's branding files, `/t/<id>/branding/style.css` and `/t/<id>/branding/logo`, under the
 * tenant's own path (or host), so they are same-origin for the pages' CSP (`style-src 'self'`,
 * `img-src 'self'`) and another tenant's host never serves them. Neither file can run anything:
 * `nosniff`, and a policy of their own that allows nothing.
 */
export async function brandingRoutes(app: FastifyInstance): Promise<void> {
  app.get('/t/:tenant/branding/style.css', { schema: styleSchema }, async (request, reply) => {
    const tenant = await resolveTenant(app, request, reply);
    const version = stylesheetVersion(tenant.branding);
    if (!version) throw new AppError('not_found', 'this tenant has no stylesheet of its own', 404);
    return cacheFor(reply, request, version)
      .headers({ 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'" })
      .type('text/css; charset=utf-8')
      .send(brandingStylesheet(tenant.branding));
  });

  app.get('/t/:tenant/branding/logo', { schema: logoSchema }, async (request, reply) => {
    const tenant = await resolveTenant(app, request, reply);
    const logo = tenant.branding.logo && (await readLogo(tenant.db));
    if (!tenant.branding.logo || !logo) throw new AppError('not_found', 'this tenant has no logo', 404);
    return cacheFor(reply, request, tenant.branding.logo.digest)
      .headers({ 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; sandbox" })
      .type(logo.contentType)
      .send(logo.data);
  });
}
