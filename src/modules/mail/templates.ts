import type { TenantDb } from '../../db/tenant-database.ts';
import { AppError } from '../../errors.ts';
import { findTemplateOverride, type TemplateOverride } from './mail-templates.repository.ts';
import { MAIL_TEMPLATE_NAMES, MAIL_VARIABLES, parseTemplateName, type MailTemplateName, type MailVariables } from './mail-names.ts';

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

const page = (heading: string, lead: string, button: string, after: string) => `<!doctype html>
<html><body style="font-family: system-ui, sans-serif; color: #1a1a1a; line-height: 1.5">
<h1 style="font-size: 20px">${heading}</h1>
<p>${lead}</p>
<p><a href="{{link}}" style="display: inline-block; padding: 10px 16px; background: #1f4fd1; color: #ffffff; text-decoration: none; border-radius: 6px">${button}</a></p>
<p style="font-size: 13px; color: #555">${after}<br>{{link}}</p>
</body></html>
`;

const DEFAULTS: Readonly<Record<MailTemplateName, MailTemplate>> = Object.freeze({
  verify_email: {
    subject: 'Confirm your email address for {{tenant_name}}',
    text: 'Confirm that {{email}} is your address at {{tenant_name}} by opening this link:\n\n{{link}}\n\nThe link is valid for {{expires_in}}. If you did not ask for this, ignore this mail.\n',
    html: page(
      'Confirm your email address',
      'Confirm that {{email}} is your address at {{tenant_name}}.',
      'Confirm address',
      'The link is valid for {{expires_in}}. If you did not ask for this, ignore this mail.',
    ),
  },
  reset_password: {
    subject: 'Reset your {{tenant_name}} password',
    text: 'Someone asked to reset the password of {{email}} at {{tenant_name}}. To choose a new one, open this link:\n\n{{link}}\n\nThe link works once and for {{expires_in}}. If it was not you, ignore this mail: your password stays as it is.\n',
    html: page(
      'Reset your password',
      'Someone asked to reset the password of {{email}} at {{tenant_name}}.',
      'Choose a new password',
      'The link works once and for {{expires_in}}. If it was not you, ignore this mail: your password stays as it is.',
    ),
  },
  invitation: {
    subject: 'You are invited to {{tenant_name}}',
    text: 'You have been invited to {{tenant_name}} as {{email}}. To accept, open this link:\n\n{{link}}\n\nThe invitation is valid for {{expires_in}}.\n',
    html: page(
      'You are invited',
      'You have been invited to {{tenant_name}} as {{email}}.',
      'Accept the invitation',
      'The invitation is valid for {{expires_in}}.',
    ),
  },
  magic_link: {
    subject: 'Your sign-in link for {{tenant_name}}',
    text: 'To sign in to {{tenant_name}} as {{email}}, open this link in the browser where you asked for it:\n\n{{link}}\n\nThe link works once and for {{expires_in}}. If you did not ask for it, ignore this mail.\n',
    html: page(
      'Sign in',
      'To sign in to {{tenant_name}} as {{email}}, open this link in the browser where you asked for it.',
      'Sign in',
      'The link works once and for {{expires_in}}. If you did not ask for it, ignore this mail.',
    ),
  },
  change_email: {
    subject: 'Confirm your new email address for {{tenant_name}}',
    text: 'Someone signed in to {{tenant_name}} asked to use {{email}} as the address of their account. To confirm it, open this link:\n\n{{link}}\n\nThe address changes only when the link is used, within {{expires_in}}. If you did not ask for this, ignore this mail.\n',
    html: page(
      'Confirm your new email address',
      'Someone signed in to {{tenant_name}} asked to use {{email}} as the address of their account.',
      'Use this address',
      'The address changes only when the link is used, within {{expires_in}}. If you did not ask for this, ignore this mail.',
    ),
  },
  // A notice to the address the account left: nothing to use, so no lifetime ({{expires_in}} is empty).
  email_changed: {
    subject: 'The email address of your {{tenant_name}} account was changed',
    text: 'The account at {{tenant_name}} that signed in as {{email}} now has another address, confirmed from its new mailbox; {{email}} no longer signs in to it.\n\nIf you did not do this, ask the administrators of {{tenant_name}} for help at once. The account page:\n\n{{link}}\n',
    html: page(
      'Your email address was changed',
      'The account at {{tenant_name}} that signed in as {{email}} now has another address, confirmed from its new mailbox; {{email}} no longer signs in to it.',
      'Open the account page',
      'If you did not do this, ask the administrators of {{tenant_name}} for help at once.',
    ),
  },
});

export function defaultTemplate(name: MailTemplateName): MailTemplate {
  return DEFAULTS[name];
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
export function effectiveTemplate(name: MailTemplateName, override: TemplateOverride | undefined): MailTemplate {
  const base = DEFAULTS[name];
  return {
    subject: override?.subject ?? base.subject,
    text: override?.text_body ?? base.text,
    html: override?.html_body ?? base.html,
  };
}

/** Renders `name` as the tenant has it, ready for enqueueMail (call it in the same transaction). */
export async function renderMail(db: TenantDb, name: MailTemplateName, variables: MailVariables): Promise<RenderedMail> {
  const template = effectiveTemplate(name, await findTemplateOverride(db, name));
  return { template: name, ...renderTemplate(template, variables) };
}
