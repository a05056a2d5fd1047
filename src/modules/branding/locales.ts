import { AppError } from '../../errors.ts';

/**
 * The languages of the hosted pages and of the built-in mails. A new language is a catalogue per
 * place (oidc/pages/i18n/, modules/mail/default-templates/) and its code here: the catalogues are
 * typed against English, so one with a missing key does not compile.
 */
export const LOCALES = ['en', 'de', 'fr', 'es', 'tr'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

export function parseLocale(value: unknown): Locale {
  if (isLocale(value)) return value;
  throw new AppError('invalid_branding', `default_language must be one of ${LOCALES.join(', ')}`);
}

/** `de-AT` → `de`; anything that is not one of ours → undefined. */
function supported(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  return isLocale(primary) ? primary : undefined;
}

/** `ui_locales` (OpenID Connect Core §3.1.2.1): space-separated tags, the preferred first. */
function fromUiLocales(uiLocales: string | undefined): Locale | undefined {
  for (const tag of (uiLocales ?? '').split(' ')) {
    const locale = supported(tag);
    if (locale) return locale;
  }
  return undefined;
}

/** RFC 9110 §12.5.4: the supported tag of highest weight; `q=0` means "not this one". */
function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  let best: { locale: Locale; q: number } | undefined;
  for (const entry of (header ?? '').slice(0, 1000).split(',')) {
    const [tag = '', ...parameters] = entry.split(';');
    const weight = parameters.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = weight === undefined ? 1 : Number(weight.slice(2));
    const locale = supported(tag);
    if (locale && Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { locale, q };
  }
  return best?.locale;
}

/** What the person asked for: the application's `ui_locales`, then the browser's languages, then the tenant's default. */
export function negotiateLocale(asked: { uiLocales?: string; acceptLanguage?: string }, fallback: Locale): Locale {
  return fromUiLocales(asked.uiLocales) ?? fromAcceptLanguage(asked.acceptLanguage) ?? fallback;
}
