import type Provider from 'oidc-provider';
import { prefersHtml } from '../http/accept.ts';
import { unknownRoutePage, type TenantIdentity } from './pages/provider-errors.ts';
import { issuerPath } from '../platform/issuer.ts';

/**
 * Paths under `/t/<id>` that no provider route serves, the tenant's root among them: 404
 * `not_found` as JSON, or for a browser a page that says whose service this is. Inserted by
 * `provider.use` in front of the provider's router, which calls on only when nothing matched.
 */
export function answerUnknownRoutes(provider: Provider, tenant: TenantIdentity): void {
  const basePath = issuerPath(tenant.issuer);
  provider.use(async (ctx, next) => {
    await next();
    if ((ctx as { _matchedRoute?: string })._matchedRoute !== undefined || ctx.body != null || ctx.status !== 404) return;
    ctx.status = 404;
    ctx.set('cache-control', 'no-store');
    if (!prefersHtml(ctx.get('accept'))) {
      ctx.body = { error: 'not_found', error_description: `no route for ${ctx.method} ${basePath}${ctx.path}` };
      return;
    }
    ctx.type = 'html';
    ctx.body = unknownRoutePage(tenant, ctx.path);
  });
}
