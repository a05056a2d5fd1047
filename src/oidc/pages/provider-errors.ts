import { escapeHtml } from './layout.ts';
import { errorPage, type WayBack } from './error.ts';
import { t, tHtml, tenantNameShown, type MessageKey } from './i18n/translate.ts';

export interface TenantIdentity {
  tenantName: string;
  issuer: string;
}

/** A developer who lands on the tenant's address learns where its configuration is. */
function tenantDetailsHtml(tenant: TenantIdentity): string {
  const discovery = `${tenant.issuer}/.well-known/openid-configuration`;
  return `<p>${tHtml('error.tenantDetails', {
    tenant: escapeHtml(tenantNameShown(tenant.tenantName)),
    issuer: `<code>${escapeHtml(tenant.issuer)}</code>`,
    discovery: `<a href="${escapeHtml(discovery)}">${escapeHtml(t('error.discoveryDocument'))}</a>`,
  })}</p>`;
}

const backToApplication = (): WayBack => ({ text: t('error.backToApplication') });

/** Explanations for a person; oidc-provider's descriptions are written for developers. */
const EXPLANATIONS: Readonly<Record<string, MessageKey>> = {
  invalid_client: 'error.invalid_client',
  invalid_redirect_uri: 'error.invalid_redirect_uri',
  invalid_request: 'error.invalid_request',
  access_denied: 'error.access_denied',
  server_error: 'error.server_error',
};

/** Routes a person meets while signing in or out; elsewhere a failure is not a sign-in's. */
const TITLES: Readonly<Record<string, MessageKey>> = {
  authorization: 'error.signInFailed',
  resume: 'error.signInFailed',
  end_session: 'error.signOutFailed',
  end_session_confirm: 'error.signOutFailed',
};

export interface ProviderError {
  error: string;
  error_description?: string;
}

/**
 * oidc-provider's error page (its `renderError`) in our look, with the error code and a way
 * back. `route` is the provider route that failed. No link back to the application: when this
 * page shows, its redirect_uri was not trusted.
 */
export function providerErrorPage(route: string | undefined, out: ProviderError): string {
  const known = EXPLANATIONS[out.error];
  const explanation = known ? t(known) : (out.error_description ?? t('error.cannotComplete'));
  const description = out.error_description && out.error_description !== explanation ? `<p class="muted">${escapeHtml(t('error.details', { details: out.error_description }))}</p>` : '';
  const title = TITLES[route ?? ''];
  return errorPage({
    title: title ? t(title) : t('error.cannotComplete'),
    code: out.error,
    explanation,
    wayBack: backToApplication(),
    detailsHtml: description,
  });
}

/** A path under `/t/<id>` that no provider route serves: says whose service this is. */
export function unknownRoutePage(tenant: TenantIdentity, path: string): string {
  return errorPage({
    title: t('error.notFoundTitle'),
    code: 'not_found',
    explanation: path === '/' ? t('error.notFoundRoot', { tenant: tenantNameShown(tenant.tenantName) }) : t('error.notFound'),
    wayBack: { text: t('error.notFoundWayBack') },
    detailsHtml: tenantDetailsHtml(tenant),
  });
}
