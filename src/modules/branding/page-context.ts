import { AsyncLocalStorage } from 'node:async_hooks';
import type { Branding } from './branding.ts';
import { DEFAULT_LOCALE, negotiateLocale, type Locale } from './locales.ts';

/**
 * What a page or mail rendered for this request should look like and which language it speaks.
 * Request-scoped, in an AsyncLocalStorage, because the pages are rendered by dozens of small
 * synchronous functions called from routes, from the provider's callbacks and from the error
 * handler: threading a locale and a branding through every one of them would rewrite them all,
 * while this way a page only asks `t('key')` and the layout asks for the branding.
 *
 * The app opens one (empty) per request (routes/page-context.plugin.ts); the tenancy layer adds
 * the tenant's branding once it knows the tenant, the interaction routes the sign-in's
 * `ui_locales`. Outside a request (the CLI, jobs) there is none, and everything is the default:
 * English, unbranded.
 */
export interface PageContext {
  /** The request's Accept-Language, kept only for requests that prefer HTML (a person's browser). */
  acceptLanguage?: string;
  /** `ui_locales` of the authorization request this page belongs to. */
  uiLocales?: string;
  tenant?: PageTenant;
}

export interface PageTenant {
  /** The tenant's name as its pages show it (branding's display name, else the registry's). */
  name: string;
  branding: Branding;
  /** The tenant's issuer: the branding files are under it. */
  issuer: string;
  /** A draft shown by the preview endpoint: its CSS inline, its logo from `logoSrc` (a data URL for a new one). */
  preview?: { logoSrc?: string };
}

const storage = new AsyncLocalStorage<PageContext>();

/** Runs `work` (and everything it starts) with `context` as the request's page context. */
export function runWithPageContext<T>(context: PageContext, work: () => T): T {
  return storage.run(context, work);
}

export function pageContext(): PageContext | undefined {
  return storage.getStore();
}

/** Called once the request's tenant is known; a no-op outside a request. */
export function setPageTenant(tenant: PageTenant): void {
  const context = storage.getStore();
  if (context) context.tenant = tenant;
}

/** Called with the authorization request's `ui_locales` once the interaction is loaded. */
export function setUiLocales(uiLocales: unknown): void {
  const context = storage.getStore();
  if (context && typeof uiLocales === 'string') context.uiLocales = uiLocales.slice(0, 200);
}

/** The language of this request's page or mail: ui_locales, Accept-Language, the tenant's default (docs/architecture.md#branding-and-languages). */
export function currentLocale(tenantDefault?: Locale): Locale {
  const context = storage.getStore();
  return negotiateLocale(context ?? {}, tenantDefault ?? context?.tenant?.branding.defaultLanguage ?? DEFAULT_LOCALE);
}
