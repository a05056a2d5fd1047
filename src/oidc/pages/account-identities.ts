import { escapeHtml } from './layout.ts';
import { hiddenField } from './form-parts.ts';
import { timeText } from './account-frame.ts';

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
    : `<label for="password-${index}">Current password</label>
<input id="password-${index}" name="current_password" type="password" autocomplete="current-password">`;
  return `<li>
<h3 id="${heading}">${escapeHtml(account.provider)}</h3>
<p>${escapeHtml(account.who)}</p>
<p class="muted">Linked ${timeText(account.linkedAt)}</p>
<form method="post" action="${escapeHtml(input.unlinkAction)}">
${hiddenField('csrf', input.csrfToken)}
${hiddenField('identity', account.id)}
${password}
<button type="submit" class="secondary" aria-describedby="${heading}">Unlink</button>
</form>
</li>`;
}

/** The linked accounts section: the other providers that sign in as this account, each with Unlink. */
export function linkedAccountsList(input: LinkedAccountsInput): string {
  if (input.accounts.length === 0) return `<p>No account elsewhere is linked to your ${escapeHtml(input.tenantName)} account.</p>`;
  const proof = input.recentSignIn
    ? ''
    : `<p class="muted">Unlinking asks for your current password, or <a href="${escapeHtml(input.signInAgainHref)}">sign in again</a> first.</p>`;
  return `<p class="muted">Accounts at other providers you can sign in to ${escapeHtml(input.tenantName)} with. An unlinked account no longer signs you in.</p>
${proof}
<ul>
${input.accounts.map((account, index) => accountItem(account, input, index)).join('\n')}
</ul>`;
}
