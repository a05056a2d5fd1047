import type { Locale } from '../../branding/locales.ts';
import type { MailCatalogue } from './words.ts';
import { en } from './en.ts';
import { de } from './de.ts';
import { fr } from './fr.ts';
import { es } from './es.ts';
import { tr } from './tr.ts';

export type { MailCatalogue, MailWords } from './words.ts';

/** The built-in mails in every language of the pages (modules/branding/locales.ts); a missing language fails the typecheck. */
export const MAIL_CATALOGUES: Readonly<Record<Locale, MailCatalogue>> = { en, de, fr, es, tr };
