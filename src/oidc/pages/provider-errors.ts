import { escapeHtml } from './layout.ts';
import { errorPage, type WayBack } from './error.ts';

export interface TenantIdentity {
  tenantName: string;
  issuer: string;
}

/** A developer who lands on the tenant's address learns where its configuration is. */
function tenantDetailsHtml(tenant: TenantIdentity): string {
  const discovery = `${tenant.issuer}/.well-known/openid-configuration`;
  return `<p>This address belongs to the sign-in service of ${escapeHtml(tenant.tenantName)}. Applications reach it through its issuer <code>${escapeHtml(tenant.issuer)}</code>, described by its <a href="${escapeHtml(discovery)}">discovery document</a>.</p>`;
}

const BACK_TO_APPLICATION: WayBack = {
  text: 'Go back to the application that sent you here and start signing in again from there. If this keeps happening, give its developers the error code above.',
};

/** Explanations for a person; oidc-provider's descriptions are written for developers. */
const EXPLANATIONS: Readonly<Record<string, string>> = {
  invalid_client: 'The application that sent you here is not registered with this sign-in service.',
  invalid_redirect_uri: 'The application asked to send you back to an address it has not registered.',
  invalid_request: 'The application that sent you here made a request this sign-in service cannot accept.',
  access_denied: 'Signing in was refused.',
  server_error: 'The sign-in service could not finish this request. Try again later.',
};

/** Routes a person meets while signing in or out; elsewhere a failure is not a sign-in's. */
const TITLES: Readonly<Record<string, string>> = {
  authorization: 'Sign-in failed',
  resume: 'Sign-in failed',
  end_session: 'Sign-out failed',
  end_session_confirm: 'Sign-out failed',
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
  const explanation = EXPLANATIONS[out.error] ?? out.error_description ?? 'This request cannot be completed.';
  const description = out.error_description && out.error_description !== explanation ? `<p class="muted">Details: ${escapeHtml(out.error_description)}</p>` : '';
  return errorPage({
    title: TITLES[route ?? ''] ?? 'This request cannot be completed',
    code: out.error,
    explanation,
    wayBack: BACK_TO_APPLICATION,
    detailsHtml: description,
  });
}

/** A path under `/t/<id>` that no provider route serves: says whose service this is. */
export function unknownRoutePage(tenant: TenantIdentity, path: string): string {
  return errorPage({
    title: 'Page not found',
    code: 'not_found',
    explanation: path === '/' ? `There is no page at the address of ${tenant.tenantName}'s sign-in service itself.` : 'There is no page at this address.',
    wayBack: { text: 'If an application sent you here, go back to it and sign in from there.' },
    detailsHtml: tenantDetailsHtml(tenant),
  });
}
