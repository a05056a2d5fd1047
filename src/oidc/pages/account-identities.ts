import { escapeHtml } from './layout.ts';
import { hiddenField } from './form-parts.ts';
import { timeText } from './account-frame.ts';
import { t, tHtml } from './i18n/translate.ts';

export interface LinkedAccount {
  id: string;
  provider: string;
  /** The address the provider last gave, or its id of the person. */
  who: string;
  linkedAt: string;
}

export interface LinkedAccountsInput {
  tenantName: string;
  unlinkAction: string;
  csrfToken: string;
  /** Signed in moments ago: no password needed to unlink. */
  recentSignIn: boolean;
  signInAgainHref: string;
  accounts: LinkedAccount[];
}

function accountItem(account: LinkedAccount, input: LinkedAccountsInput, index: number): string {
  const heading = `linked-${index}`;
  const password = input.recentSignIn
    ? ''
    : `<label for="password-${index}">${escapeHtml(t('common.currentPassword'))}</label>
<input id="password-${index}" name="current_password" type="password" autocomplete="current-password">`;
  return `<li>
<h3 id="${heading}">${escapeHtml(account.provider)}</h3>
<p>${escapeHtml(account.who)}</p>
<p class="muted">${tHtml('account.identities.linkedAt', { time: timeText(account.linkedAt) })}</p>
<form method="post" action="${escapeHtml(input.unlinkAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('identity', account.id)}
${password}
<button type="submit" class="secondary" aria-describedby="${heading}">${escapeHtml(t('account.identities.unlink'))}</button>
</form>
</li>`;
}

/** The linked accounts section: the other providers that sign in as this account, each with Unlink. */
export function linkedAccountsList(input: LinkedAccountsInput): string {
  if (input.accounts.length === 0) return `<p>${escapeHtml(t('account.identities.none', { tenant: input.tenantName }))}</p>`;
  const proof = input.recentSignIn
    ? ''
    : `<p class="muted">${tHtml('account.identities.proof', { link: `<a href="${escapeHtml(input.signInAgainHref)}">${escapeHtml(t('common.signInAgain'))}</a>` })}</p>`;
  return `<p class="muted">${escapeHtml(t('account.identities.lead', { tenant: input.tenantName }))}</p>
${proof}
<ul>
${input.accounts.map((account, index) => accountItem(account, input, index)).join('\n')}
</ul>`;
}
