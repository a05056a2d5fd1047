import type { MailTemplateName } from '../mail-names.ts';

/** One built-in mail in one language: the HTML part is drawn from the words (templates.ts). */
export interface MailWords {
  subject: string;
  text: string;
  heading: string;
  lead: string;
  button: string;
  after: string;
}

/**
 * A language's mails: every template, and the units of `{{expires_in}}`. Typed by the template
 * names, so a language without one of them fails the typecheck.
 */
export interface MailCatalogue {
  templates: Readonly<Record<MailTemplateName, MailWords>>;
  units: Readonly<Record<'minute' | 'hour' | 'day', { one: string; other: string }>>;
}
