import { currentLocale, pageContext } from '../../../modules/branding/page-context.ts';
import type { Locale } from '../../../modules/branding/locales.ts';
import { en, type MessageKey, type Messages } from './en.ts';
import { de } from './de.ts';
import { fr } from './fr.ts';
import { es } from './es.ts';
import { tr } from './tr.ts';

/**
 * The hosted pages' words, one catalogue per language (docs/architecture.md#branding-and-languages).
 * Each catalogue is typed `Messages`, the keys of the English one: a language with a key missing
 * (or one English does not have) fails `npm run typecheck`.
 */
const CATALOGUES: Readonly<Record<Locale, Messages>> = { en, de, fr, es, tr };

export type { MessageKey };

const PLACEHOLDER = /\{(\w+)\}/g;

/** The message in the request's language, `{name}` filled from `values`: plain text, to be escaped like any value. */
export function t(key: MessageKey, values: Record<string, string | number> = {}): string {
  return CATALOGUES[currentLocale()][key].replace(PLACEHOLDER, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** `t` for a message with markup in its placeholders: the words are escaped, the `html` values (already escaped) are not. */
export function tHtml(key: MessageKey, html: Record<string, string>): string {
  const escaped = CATALOGUES[currentLocale()][key].replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return escaped.replace(PLACEHOLDER, (whole, name: string) => html[name] ?? whole);
}

/** `{n} day` or `{n} days`: a message with a `.one` and an `.other` form. */
export function tCount(key: 'count.days' | 'count.codesLeft' | 'count.minutes' | 'count.hours' | 'common.tooManyRequests', count: number): string {
  return t(`${key}.${count === 1 ? 'one' : 'other'}` as MessageKey, { count });
}

/** A link's lifetime in words: whole hours as hours, anything else in minutes. */
export function tDuration(seconds: number): string {
  return seconds % 3600 === 0 ? tCount('count.hours', seconds / 3600) : tCount('count.minutes', Math.round(seconds / 60));
}

/** The tenant's name as its pages show it: the branding's display name where it set one. */
export function tenantNameShown(fallback: string): string {
  return pageContext()?.tenant?.name ?? fallback;
}
