import { issuerPath } from '../../platform/issuer.ts';
import { brandingStylesheet, stylesheetVersion, type Branding, type BrandingChange } from './branding.ts';
import type { Locale } from './locales.ts';

/** Branding as it leaves the process (the admin API, `tansu branding --json`): snake_case, every field present. */
export interface BrandingView {
  display_name: string | null;
  primary_color: string | null;
  accent_color: string | null;
  custom_css: string | null;
  default_language: Locale;
  logo: { content_type: string; bytes: number; digest: string; url: string } | null;
  /** The stylesheet the pages link, null while there is none. */
  stylesheet_url: string | null;
}

/** Where the tenant's branding files are served: under its issuer's path, on its own host. */
export function brandingPath(issuer: string): string {
  return `${issuerPath(issuer)}/branding`;
}

export function logoUrl(issuer: string, branding: Branding): string | undefined {
  return branding.logo && `${issuer}/branding/logo?v=${branding.logo.digest}`;
}

export function stylesheetUrl(issuer: string, branding: Branding): string | undefined {
  const version = stylesheetVersion(branding);
  return version && `${issuer}/branding/style.css?v=${version}`;
}

export function brandingView(branding: Branding, issuer: string): BrandingView {
  return {
    display_name: branding.displayName ?? null,
    primary_color: branding.primaryColor ?? null,
    accent_color: branding.accentColor ?? null,
    custom_css: branding.customCss ?? null,
    default_language: branding.defaultLanguage,
    logo: branding.logo ? { content_type: branding.logo.contentType, bytes: branding.logo.bytes, digest: branding.logo.digest, url: logoUrl(issuer, branding)! } : null,
    stylesheet_url: brandingStylesheet(branding) === '' ? null : stylesheetUrl(issuer, branding)!,
  };
}

/** A change as callers write it (snake_case, every field optional; null resets). */
export interface BrandingChangeView {
  display_name?: string | null;
  primary_color?: string | null;
  accent_color?: string | null;
  custom_css?: string | null;
  default_language?: string;
  logo?: string | null;
}

export function brandingChangeOf(view: BrandingChangeView): BrandingChange {
  return {
    displayName: view.display_name,
    primaryColor: view.primary_color,
    accentColor: view.accent_color,
    customCss: view.custom_css,
    defaultLanguage: view.default_language,
    logo: view.logo,
  };
}
