import { escapeHtml, page } from './layout.ts';
import { noticePage } from './notice.ts';

/**
 * oidc-provider's sign-out confirmation (its `logoutSource`). `providerForm` is the provider's
 * own form `op.logoutForm` with the session's xsrf token; the buttons submit it by its id, so
 * the page needs no script.
 */
export function logoutPage(tenantName: string, providerForm: string): string {
  return page(
    `Sign out – ${tenantName}`,
    `<h1>Sign out of ${escapeHtml(tenantName)}?</h1>
${providerForm}
<div class="actions">
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>
</div>`,
  );
}

/** After a sign-out with no post-logout redirect URI (its `postLogoutSuccessSource`), with the way to the account page. */
export function signedOutPage(tenantName: string, accountHref: string): string {
  return noticePage({ title: 'Signed out', paragraphs: [`You are signed out of ${tenantName}.`], link: { href: accountHref, label: 'Manage your account' } });
}
