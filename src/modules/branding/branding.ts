import crypto from 'node:crypto';
import { AppError } from '../../errors.ts';
import { checkCustomCss } from './custom-css.ts';
import { DEFAULT_LOCALE, isLocale, parseLocale, type Locale } from './locales.ts';

/**
 * How a tenant's hosted pages and mails look and speak (docs/architecture.md#branding-and-languages).
 * Kept apart from the service so the CLI's help and the API's schemas can name the rules without
 * loading the database layer.
 */
export interface Branding {
  /** Shown instead of the registry's display name; undefined: that name. */
  displayName?: string;
  /** `#rrggbb`, lower case. */
  primaryColor?: string;
  accentColor?: string;
  customCss?: string;
  /** The uploaded logo, described (its bytes are stored apart: branding.service.ts). */
  logo?: LogoInfo;
  defaultLanguage: Locale;
}

export interface LogoInfo {
  contentType: LogoType;
  bytes: number;
  /** A digest of the bytes: the logo's URL names it, so a browser never keeps an old one. */
  digest: string;
}

export const EMPTY_BRANDING: Readonly<Branding> = Object.freeze({ defaultLanguage: DEFAULT_LOCALE });

export const DISPLAY_NAME_MAX = 100;
/** Small: it is stored in the tenant database and read at every page view of it. */
export const LOGO_MAX_BYTES = 64 * 1024;

/**
 * Raster formats only, recognised by their first bytes: an SVG can carry script, and a file that
 * says it is one type but is another is refused rather than served as something it is not.
 */
const LOGO_TYPES = {
  'image/png': (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (b: Buffer) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/gif': (b: Buffer) => /^GIF8[79]a/.test(b.subarray(0, 6).toString('latin1')),
  'image/webp': (b: Buffer) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
} as const;
export type LogoType = keyof typeof LOGO_TYPES;
export const LOGO_CONTENT_TYPES = Object.keys(LOGO_TYPES) as LogoType[];

export interface Logo {
  contentType: LogoType;
  data: Buffer;
}

const invalid = (message: string) => new AppError('invalid_branding', message);

/** `#abc` or `#aabbcc`, any case → `#aabbcc`. */
export function parseColor(value: unknown, field: string): string {
  const match = typeof value === 'string' ? /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim()) : null;
  if (!match) throw invalid(`${field} must be a hex colour such as #1f4f85 or #fff`);
  const hex = match[1]!.toLowerCase();
  return `#${hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex}`;
}

export function parseDisplayName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0 || name.length > DISPLAY_NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
    throw invalid(`display_name must be 1 to ${DISPLAY_NAME_MAX} characters without control characters`);
  }
  return name;
}

/** `data:image/png;base64,…`: how the API and the CLI hand over a logo, in one JSON field. */
export function parseLogoDataUrl(value: unknown): Logo {
  const match = typeof value === 'string' ? /^data:([a-z/+.-]+);base64,([A-Za-z0-9+/=\s]*)$/.exec(value) : null;
  if (!match) throw invalid('logo must be a data URL: data:image/png;base64,…');
  const contentType = match[1] as LogoType;
  if (!Object.hasOwn(LOGO_TYPES, contentType)) throw invalid(`logo must be one of ${LOGO_CONTENT_TYPES.join(', ')}`);
  const data = Buffer.from(match[2]!, 'base64');
  if (data.length === 0) throw invalid('logo is empty');
  if (data.length > LOGO_MAX_BYTES) throw invalid(`logo is larger than ${LOGO_MAX_BYTES / 1024} KiB`);
  if (!LOGO_TYPES[contentType](data)) throw invalid(`logo is not a ${contentType} file`);
  return { contentType, data };
}

export function logoInfoOf(logo: Logo): LogoInfo {
  return { contentType: logo.contentType, bytes: logo.data.length, digest: crypto.createHash('sha256').update(logo.data).digest('base64url').slice(0, 16) };
}

/** A change as callers make it; null puts a field back to its default, an absent one stays. */
export interface BrandingChange {
  displayName?: string | null;
  primaryColor?: string | null;
  accentColor?: string | null;
  customCss?: string | null;
  defaultLanguage?: string;
  /** A data URL, or null to remove the logo. */
  logo?: string | null;
}

/** The change checked, each field as stored; throws `invalid_branding` or `invalid_custom_css`. */
export function checkedBrandingChange(change: BrandingChange): { fields: Partial<Record<keyof Omit<Branding, 'logo'>, unknown>>; logo?: Logo | null } {
  const fields: Partial<Record<keyof Omit<Branding, 'logo'>, unknown>> = {};
  if (change.displayName !== undefined) fields.displayName = change.displayName === null ? undefined : parseDisplayName(change.displayName);
  if (change.primaryColor !== undefined) fields.primaryColor = change.primaryColor === null ? undefined : parseColor(change.primaryColor, 'primary_color');
  if (change.accentColor !== undefined) fields.accentColor = change.accentColor === null ? undefined : parseColor(change.accentColor, 'accent_color');
  if (change.customCss !== undefined) fields.customCss = change.customCss === null || change.customCss.trim() === '' ? undefined : checkCustomCss(change.customCss);
  if (change.defaultLanguage !== undefined) fields.defaultLanguage = parseLocale(change.defaultLanguage);
  const logo = change.logo === undefined ? undefined : change.logo === null ? null : parseLogoDataUrl(change.logo);
  return { fields, ...(logo !== undefined && { logo }) };
}

/**
 * The branding a change would make, without storing it (the preview): the change checked like a
 * real one; a new logo stays a data URL, since it has no stored bytes to serve.
 */
export function draftBranding(current: Branding, change: BrandingChange): { branding: Branding; newLogo?: string | null } {
  const { fields, logo } = checkedBrandingChange(change);
  const next: Record<string, unknown> = { ...current, ...fields };
  if (logo !== undefined) next.logo = logo === null ? undefined : logoInfoOf(logo);
  return { branding: brandingFrom(JSON.parse(JSON.stringify(next))), ...(logo !== undefined && { newLogo: logo === null ? null : (change.logo as string) }) };
}

/** The stored value read leniently: a field missing or no longer valid is left out (its default). */
export function brandingFrom(stored: unknown): Branding {
  const fields = (stored !== null && typeof stored === 'object' ? stored : {}) as Record<string, unknown>;
  const string = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const color = (value: unknown) => (typeof value === 'string' && /^#[0-9a-f]{6}$/.test(value) ? value : undefined);
  const logo = fields.logo as LogoInfo | undefined;
  return {
    ...(string(fields.displayName) && { displayName: string(fields.displayName) }),
    ...(color(fields.primaryColor) && { primaryColor: color(fields.primaryColor) }),
    ...(color(fields.accentColor) && { accentColor: color(fields.accentColor) }),
    ...(string(fields.customCss) && { customCss: string(fields.customCss) }),
    ...(logo && typeof logo === 'object' && Object.hasOwn(LOGO_TYPES, logo.contentType) && typeof logo.digest === 'string' && { logo }),
    defaultLanguage: isLocale(fields.defaultLanguage) ? fields.defaultLanguage : DEFAULT_LOCALE,
  };
}

/**
 * The tenant's stylesheet: the colours as the custom properties the pages' own style reads, then
 * the tenant's CSS, last so it wins. Empty when the tenant has neither.
 */
export function brandingStylesheet(branding: Branding): string {
  const properties = [
    branding.primaryColor && `--tansu-primary:${branding.primaryColor}`,
    branding.accentColor && `--tansu-accent:${branding.accentColor}`,
  ].filter(Boolean);
  const parts = [properties.length > 0 ? `:root{${properties.join(';')}}` : '', branding.customCss ?? ''].filter(Boolean);
  return parts.length > 0 ? `${parts.join('\n')}\n` : '';
}

/** A short digest of the stylesheet, for its URL: `?v=` changes exactly when the stylesheet does. */
export function stylesheetVersion(branding: Branding): string | undefined {
  const css = brandingStylesheet(branding);
  return css === '' ? undefined : crypto.createHash('sha256').update(css).digest('base64url').slice(0, 16);
}
