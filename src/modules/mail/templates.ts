import type { TenantDb } from '../../db/tenant-database.ts';
import { AppError } from '../../errors.ts';
import { findTemplateOverride, type TemplateOverride } from './mail-templates.repository.ts';
import { MAIL_TEMPLATE_NAMES, MAIL_VARIABLES, parseTemplateName, type MailTemplateName, type MailVariables } from './mail-names.ts';
import { MAIL_CATALOGUES, type MailWords } from './default-templates/index.ts';
import { DEFAULT_LOCALE, type Locale } from '../branding/locales.ts';
import { currentLocale } from '../branding/page-context.ts';
import { readBranding } from '../branding/branding.service.ts';
import { logoUrl } from '../branding/branding-view.ts';

/**
 * The mails Tansu sends, each a subject, a text part and an HTML part with `{{name}}`
 * placeholders. Substitution only, no template language: a tenant's override can rearrange the
 * words and the markup but cannot run code or reach data the flow did not hand over. Values are
 * HTML-escaped in the HTML part, and line breaks are folded in the subject.
 */
export { MAIL_TEMPLATE_NAMES, MAIL_VARIABLES, parseTemplateName, type MailTemplateName, type MailVariables };

export interface MailTemplate {
  subject: string;
  text: string;
  html: string;
}

export type RenderedMail = MailTemplate & { template: MailTemplateName };

/** What a built-in mail is drawn with: the tenant's name, button colour and logo (modules/branding/). */
export interface MailLook {
  primaryColor?: string;
  /** An absolute URL: a mail is read far from the tenant's pages. */
  logoUrl?: string;
}

const DEFAULT_BUTTON_COLOR = '#1f4fd1';

function htmlOf(words: MailWords, lang: Locale, look: MailLook): string {
  // The tenant's colour only where it came from a validated setting (#rrggbb); the logo's URL is ours.
  const color = look.primaryColor && /^#[0-9a-f]{6}$/.test(look.primaryColor) ? look.primaryColor : DEFAULT_BUTTON_COLOR;
  const logo = look.logoUrl ? `<p><img src="${escapeHtml(look.logoUrl)}" alt="{{tenant_name}}" style="max-height: 48px; max-width: 192px"></p>\n` : '';
  return `<!doctype html>
<html lang="${lang}"><body style="font-family: system-ui, sans-serif; color: #1a1a1a; line-height: 1.5">
${logo}<h1 style="font-size: 20px">${words.heading}</h1>
<p>${words.lead}</p>
<p><a href="{{link}}" style="display: inline-block; padding: 10px 16px; background: ${color}; color: #ffffff; text-decoration: none; border-radius: 6px">${words.button}</a></p>
<p style="font-size: 13px; color: #555">${words.after}<br>{{link}}</p>
</body></html>
`;
}

/** The built-in template in a language, drawn with the tenant's look (none: the plain one). */
export function builtInTemplate(name: MailTemplateName, locale: Locale = DEFAULT_LOCALE, look: MailLook = {}): MailTemplate {
  const words = MAIL_CATALOGUES[locale].templates[name];
  return { subject: words.subject, text: words.text, html: htmlOf(words, locale, look) };
}

const DURATION = /^(\d+) (minute|hour|day)s?$/;

/** `30 minutes` as the flows write it, in the mail's language; anything else as it is. */
export function durationIn(locale: Locale, english: string): string {
  const match = DURATION.exec(english);
  if (!match) return english;
  const count = Number(match[1]);
  const unit = MAIL_CATALOGUES[locale].units[match[2] as 'minute' | 'hour' | 'day'];
  return `${count} ${count === 1 ? unit.one : unit.other}`;
}

export function defaultTemplate(name: MailTemplateName): MailTemplate {
  return builtInTemplate(name);
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** Refuses a part that names a placeholder no flow fills, so a typo is caught when saved, not in a sent mail. */
export function checkPlaceholders(part: string, what: string): void {
  for (const match of part.matchAll(PLACEHOLDER)) {
    if (!(MAIL_VARIABLES as readonly string[]).includes(match[1]!)) {
      throw new AppError('invalid_template', `${what} uses {{${match[1]}}}; the placeholders are ${MAIL_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`);
    }
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

function substitute(part: string, variables: MailVariables, encode: (value: string) => string): string {
  return part.replace(PLACEHOLDER, (_whole, name: string) => {
    const value = (variables as Record<string, string | undefined>)[name];
    // Unknown names are refused when an override is saved; this is the built-in templates' guard.
    if (value === undefined) throw new AppError('invalid_template', `no value for {{${name}}}`, 500);
    return encode(value);
  });
}

export function renderTemplate(template: MailTemplate, variables: MailVariables): MailTemplate {
  return {
    // A header is one line: a name with a line break in it must not start a second one.
    subject: substitute(template.subject, variables, (v) => v).replace(/\s*[\r\n]+\s*/g, ' ').trim(),
    text: substitute(template.text, variables, (v) => v),
    html: substitute(template.html, variables, escapeHtml),
  };
}

/** The tenant's override where it has one, part by part, over the built-in template. */
export function effectiveTemplate(name: MailTemplateName, override: TemplateOverride | undefined, base: MailTemplate = builtInTemplate(name)): MailTemplate {
  return {
    subject: override?.subject ?? base.subject,
    text: override?.text_body ?? base.text,
    html: override?.html_body ?? base.html,
  };
}

/**
 * Renders `name` as the tenant has it, ready for enqueueMail (call it in the same transaction):
 * the tenant's own parts as it wrote them, the built-in ones in the request's language (the
 * person's own request: ui_locales, Accept-Language; else the tenant's default) and look. The
 * tenant's display name, where branding sets one, is `{{tenant_name}}`. `issuer` places the logo.
 */
export async function renderMail(db: TenantDb, name: MailTemplateName, variables: MailVariables, issuer?: string): Promise<RenderedMail> {
  const [override, branding] = await Promise.all([findTemplateOverride(db, name), readBranding(db)]);
  const locale = currentLocale(branding.defaultLanguage);
  const look: MailLook = { primaryColor: branding.primaryColor, logoUrl: issuer ? logoUrl(issuer, branding) : undefined };
  const template = effectiveTemplate(name, override, builtInTemplate(name, locale, look));
  const shown = { ...variables, tenant_name: branding.displayName ?? variables.tenant_name, expires_in: durationIn(locale, variables.expires_in) };
  return { template: name, ...renderTemplate(template, shown) };
}
