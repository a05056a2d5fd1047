import { escapeHtml, page } from './layout.ts';
import { t } from './i18n/translate.ts';

export interface ConsentPageInput {
  clientName: string;
  action: string;
  csrfToken: string;
  /** Human-readable lines: what the application asks for. */
  requests: string[];
}

export function consentPage(input: ConsentPageInput): string {
  const items = input.requests.map((line) => `<li>${escapeHtml(line)}</li>`).join('');
  return page(
    t('common.titleWithTenant', { title: t('consent.title'), tenant: input.clientName }),
    `<h1>${escapeHtml(t('consent.heading', { client: input.clientName }))}</h1>
<p>${escapeHtml(t('consent.lead'))}</p>
<ul>${items}</ul>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(input.csrfToken)}">
<div class="actions">
<button type="submit" name="decision" value="allow">${escapeHtml(t('consent.allow'))}</button>
<button type="submit" name="decision" value="deny" class="secondary">${escapeHtml(t('consent.deny'))}</button>
</div>
</form>`,
  );
}
