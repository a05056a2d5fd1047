import { escapeHtml, page } from './layout.ts';
import { noticePage } from './notice.ts';
import { t, tenantNameShown } from './i18n/translate.ts';

/**
 * oidc-provider's sign-out confirmation (its `logoutSource`). `providerForm` is the provider's
 * own form `op.logoutForm` with the session's xsrf token; the buttons submit it by its id, so
 * the page needs no script.
 */
export function logoutPage(tenantName: string, providerForm: string): string {
  const tenant = tenantNameShown(tenantName);
  return page(
    t('common.titleWithTenant', { title: t('logout.title'), tenant }),
    `<h1>${escapeHtml(t('logout.heading', { tenant }))}</h1>
${providerForm}
<div class="actions">
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">${escapeHtml(t('logout.yes'))}</button>
<button type="submit" form="op.logoutForm" class="secondary">${escapeHtml(t('logout.no'))}</button>
</div>`,
  );
}

/** After a sign-out with no post-logout redirect URI (its `postLogoutSuccessSource`), with the way to the account page. */
export function signedOutPage(tenantName: string, accountHref: string): string {
  return noticePage({ title: t('logout.doneTitle'), paragraphs: [t('logout.done', { tenant: tenantNameShown(tenantName) })], link: { href: accountHref, label: t('logout.manageAccount') } });
}
