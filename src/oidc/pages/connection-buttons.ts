import { escapeHtml } from './layout.ts';
import { t } from './i18n/translate.ts';

/** One upstream provider the login page offers (modules/connections/). */
export interface ConnectionButton {
  /** The provider's name as people know it: "Google", "Acme staff". */
  label: string;
  /** The interaction's start route for this connection. */
  action: string;
}

/**
 * A button per enabled connection, each its own small form posting the interaction's CSRF token,
 * so another site cannot send a person's browser off to a provider of its choosing. No button
 * without connections, and then no "or" either.
 */
export function connectionButtons(csrfToken: string, connections: readonly ConnectionButton[] | undefined): string {
  if (!connections || connections.length === 0) return '';
  const forms = connections.map(
    (connection) => `<form method="post" action="${escapeHtml(connection.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
<div class="actions"><button type="submit" class="secondary">${escapeHtml(t('connections.continueWith', { provider: connection.label }))}</button></div>
</form>`,
  );
  return `<section aria-label="${escapeHtml(t('connections.region'))}">
<p class="muted">${escapeHtml(t('connections.or'))}</p>
${forms.join('\n')}
</section>`;
}
