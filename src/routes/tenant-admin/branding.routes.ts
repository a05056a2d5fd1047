import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { readBranding, updateBranding } from '../../modules/branding/branding.service.ts';
import { brandingChangeOf, brandingView, logoUrl } from '../../modules/branding/branding-view.ts';
import { brandingStylesheet, draftBranding } from '../../modules/branding/branding.ts';
import { runWithPageContext } from '../../modules/branding/page-context.ts';
import { loginPage } from '../../oidc/pages/login.ts';
import { STYLE, pageSecurityHeaders } from '../../oidc/pages/layout.ts';
import { issuerPath } from '../../platform/issuer.ts';
import { adminActorOf, adminTenantOf, requireScope } from './auth.ts';
import { requireMatch, withEtag } from './conditional.ts';
import { previewBrandingSchema, readBrandingSchema, updateBrandingSchema } from './branding.schemas.ts';

/**
 * `…/branding` (settings:read, settings:write): the tenant's name, logo, colours, CSS and default
 * language, the same service as `tansu branding`. A change is announced: every node rebuilds the
 * tenant's context, which holds the branding its pages are drawn with.
 */
export function brandingRoutes(parent: FastifyInstance): void {
  const scope = parent.withTypeProvider<TypeBoxTypeProvider>();

  scope.get('/t/:tenant/admin/v1/branding', { schema: readBrandingSchema, preHandler: requireScope('settings:read') }, async (request, reply) => {
    const tenant = adminTenantOf(request);
    return withEtag(reply, brandingView(await readBranding(tenant.db), tenant.issuer));
  });

  scope.patch('/t/:tenant/admin/v1/branding', { schema: updateBrandingSchema, preHandler: requireScope('settings:write') }, async (request, reply) => {
    const tenant = adminTenantOf(request);
    const branding = await updateBranding(tenant.scope, brandingChangeOf(request.body), adminActorOf(request), {
      precondition: (current) => requireMatch(request, brandingView(current, tenant.issuer)),
    });
    return withEtag(reply, brandingView(branding, tenant.issuer));
  });

  /**
   * The draft is checked like a change and drawn into the login page; nothing is stored. Its CSS
   * is inline (it has no URL yet), allowed by its hash in this answer's own policy, and so is a
   * new logo as a data URL. The page is sandboxed (its forms post nowhere) and only the console,
   * on the same origin, may frame it.
   */
  scope.post('/t/:tenant/admin/v1/branding/preview', { schema: previewBrandingSchema, preHandler: requireScope('settings:read') }, async (request, reply) => {
    const tenant = adminTenantOf(request);
    const { language, ...change } = request.body;
    const { branding, newLogo } = draftBranding(await readBranding(tenant.db), brandingChangeOf(change));
    const name = branding.displayName ?? tenant.row.display_name;
    const logoSrc = newLogo === undefined ? logoUrl(`${issuerPath(tenant.issuer)}`, branding) : (newLogo ?? undefined);
    const html = runWithPageContext({ uiLocales: language, tenant: { name, branding, issuer: tenant.issuer, preview: { logoSrc } } }, () =>
      loginPage({ tenantName: name, clientName: name, action: '#', abortAction: '#', csrfToken: 'preview', signupHref: '#', forgotPasswordHref: '#' }),
    );
    const headers = pageSecurityHeaders([STYLE, brandingStylesheet(branding)], "'self' data:");
    return reply
      .headers({ ...headers, 'x-frame-options': 'SAMEORIGIN', 'content-security-policy': headers['content-security-policy']!.replace("frame-ancestors 'none'", "frame-ancestors 'self'; sandbox") })
      .type('text/html; charset=utf-8')
      .send(html);
  });
}
