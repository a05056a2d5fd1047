import { escapeHtml } from './layout.ts';
import { hiddenField } from './form-parts.ts';
import { timeText } from './account-frame.ts';
import { t, tHtml, tenantNameShown } from './i18n/translate.ts';

export interface SessionItem {
  id: string;
  signedInAt: string | null;
  expiresAt: string | null;
  /** How the sign-in was proved, in words. */
  methods: string[];
  /** The apps signed in to through it, by name. */
  apps: string[];
  /** The session this page is open in. */
  current: boolean;
}

export interface SessionsListInput {
  tenantName: string;
  revokeAction: string;
  revokeOthersAction: string;
  csrfToken: string;
  sessions: SessionItem[];
}

function sessionItem(session: SessionItem, input: SessionsListInput, index: number): string {
  const heading = `session-${index}`;
  const revoke = session.current
    ? `<p class="muted">${escapeHtml(t('account.sessions.endThis'))}</p>`
    : `<form method="post" action="${escapeHtml(input.revokeAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('session', session.id)}
<button type="submit" class="secondary" aria-describedby="${heading}">${escapeHtml(t('account.sessions.signOutThis'))}</button>
</form>`;
  return `<li>
<h3 id="${heading}">${tHtml('account.sessions.signedIn', { time: timeText(session.signedInAt) })}${session.current ? ` ${escapeHtml(t('account.sessions.thisBrowser'))}` : ''}</h3>
<p>${escapeHtml(t('account.sessions.methods', { methods: session.methods.join(', ') || t('common.unknown') }))}</p>
<p>${escapeHtml(t('account.sessions.apps', { apps: session.apps.join(', ') || t('account.sessions.none') }))}</p>
<p class="muted">${tHtml('account.sessions.endsBy', { time: timeText(session.expiresAt) })}</p>
${revoke}
</li>`;
}

/** The sessions section: every browser signed in to the account, each with a way to sign it out. */
export function sessionsList(input: SessionsListInput): string {
  const others = input.sessions.filter((session) => !session.current).length;
  const revokeOthers =
    others > 0
      ? `<form method="post" action="${escapeHtml(input.revokeOthersAction)}">
${hiddenField('csrf', input.csrfToken)}
<div class="actions"><button type="submit">${escapeHtml(t('account.sessions.signOutOthers'))}</button></div>
</form>`
      : '';
  return `<p class="muted">${escapeHtml(t('account.sessions.lead', { tenant: tenantNameShown(input.tenantName) }))}</p>
<ul class="items">
${input.sessions.map((session, index) => sessionItem(session, input, index)).join('\n')}
</ul>
${revokeOthers}`;
}
