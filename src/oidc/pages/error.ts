import { escapeHtml, page } from './layout.ts';
import { t } from './i18n/translate.ts';

/** Where a person stranded on an error page can go: guidance in words, a link when there is one. */
export interface WayBack {
  text: string;
  link?: { href: string; label: string };
}

export interface ErrorPageInput {
  title: string;
  /** The stable snake_case code, shown as text: what a person quotes when asking for help. */
  code: string;
  explanation: string;
  wayBack: WayBack;
  /** Extra paragraphs, already escaped HTML (e.g. a tenant's discovery link). */
  detailsHtml?: string;
}

/** Every error a browser sees, ours and oidc-provider's: the same look, the code, and a way on. */
export function errorPage(input: ErrorPageInput): string {
  const link = input.wayBack.link ? ` <a href="${escapeHtml(input.wayBack.link.href)}">${escapeHtml(input.wayBack.link.label)}</a>` : '';
  return page(
    input.title,
    `<h1>${escapeHtml(input.title)}</h1>
<p class="error" role="alert">${escapeHtml(input.explanation)}</p>
<p class="muted">${escapeHtml(t('error.code'))} <code>${escapeHtml(input.code)}</code></p>
${input.detailsHtml ?? ''}
<p>${escapeHtml(input.wayBack.text)}${link}</p>`,
  );
}
